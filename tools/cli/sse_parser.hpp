#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace kumo::cli {

/// One Server-Sent Event as the stream delivered it.
struct sse_event {
  std::string type = "message"; ///< the `event:` field (default "message")
  std::string data;             ///< `data:` lines joined with '\n'
  std::string id;               ///< the `id:` field, empty when absent
};

/// Incremental parser of a `text/event-stream` body (the WHATWG rules):
/// feed it the bytes as they arrive, in chunks of any size; it calls the
/// handler once per complete event. Comments (`: keepalive`) and events
/// without any `data:` line are dropped; `retry:` is remembered.
///
/// A line longer than `max_line` bytes is cut off: the parser skips to the
/// end of that line and drops the event it belongs to, counting it in
/// `dropped()`. Memory use is bounded by `max_line` plus one event's data
/// (itself limited to `max_event` bytes).
class sse_parser {
public:
  using handler = std::function<void(const sse_event&)>;

  explicit sse_parser(handler on_event, std::size_t max_line = 1 << 20,
                      std::size_t max_event = 4 << 20);

  /// Consumes the next chunk of the stream.
  void feed(std::string_view chunk);

  /// The last `id:` seen (what a reconnect sends as Last-Event-ID).
  const std::string& last_event_id() const {
    return last_id_;
  }

  /// The reconnect delay in milliseconds the server asked for (or -1).
  long retry_ms() const {
    return retry_ms_;
  }

  /// Bytes held for the line and the event in progress.
  std::size_t buffered() const {
    return line_.size() + current_.data.size() + current_.type.size() +
           current_.id.size();
  }

  /// Events dropped because a line or the event was too long.
  std::size_t dropped() const {
    return dropped_;
  }

private:
  void line(std::string_view text);
  void dispatch();

  handler on_event_;
  std::size_t max_line_;
  std::size_t max_event_;
  std::string line_;
  bool skipping_line_ = false;
  bool poisoned_ = false;
  bool after_cr_ = false;
  bool has_data_ = false;
  sse_event current_;
  std::string last_id_;
  long retry_ms_ = -1;
  std::size_t dropped_ = 0;
};

} // namespace kumo::cli
