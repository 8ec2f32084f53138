#pragma once

// The pure parts of GET /api/events: Server-Sent Events framing, the replay
// ring of recent events, and the per-stream logic that turns snapshots and
// live events into frames without duplicates or gaps. No I/O, no actors.

#include "kumo/wire.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace kumo::gateway::sse {

/// A place in the event stream of one progress service run.
struct position {
  std::string epoch;
  uint64_t seq = 0;
};

/// Parses an event id "<epoch>:<seq>"; nullopt when malformed.
std::optional<position> parse_event_id(const std::string& text);

/// Parses ?rooms=a,b. Empty: every room. Returns the set, or an error
/// message naming the first unknown room.
std::variant<std::set<std::string>, std::string>
parse_rooms(const std::string& csv);

/// One event as a gateway keeps it: parsed once, framed once, shared by
/// every stream that sends it.
struct event {
  std::string epoch;
  uint64_t seq = 0;
  std::string room;
  std::string type;
  std::string frame; ///< complete SSE frame, ends with a blank line
};
using event_ptr = std::shared_ptr<const event>;

/// Parses a kumo.events.* payload (wire::progress_event); nullopt when it is
/// malformed or its id does not match its seq.
std::optional<event> parse_event(const std::string& payload);

/// "id: <id>\nevent: <type>\ndata: <line>\n...\n\n". An empty id still
/// writes "id:" (clears the client's last event id); data lines are split at
/// newlines.
std::string frame(const std::string& id, const std::string& type,
                  const std::string& data);

/// ": <text>\n\n", ignored by clients; keeps proxies from closing the stream.
std::string comment(const std::string& text);

/// "retry: <ms>\n\n": how long a client waits before reconnecting.
std::string retry_hint(std::chrono::milliseconds delay);

/// The last `capacity` events, able to tell whether it holds every event of
/// the current epoch after a given position.
class event_ring {
public:
  explicit event_ring(size_t capacity);

  /// Appends `e`. Returns false (and keeps nothing) for a duplicate or an
  /// older event of the current epoch. A new epoch or a gap in seq starts a
  /// new contiguous run.
  bool push(event_ptr e);

  /// Every event after `from` whose room is in `rooms` (empty: all), or
  /// nullopt when `from` is not in the current epoch or the ring cannot
  /// prove it still holds every event after it.
  std::optional<std::vector<event_ptr>>
  replay_after(const position& from, const std::set<std::string>& rooms) const;

  size_t size() const {
    return events_.size();
  }
  const std::string& epoch() const {
    return epoch_;
  }
  uint64_t last_seq() const {
    return last_seq_;
  }

private:
  size_t capacity_;
  std::deque<event_ptr> events_;
  std::string epoch_;      ///< epoch of the newest event
  uint64_t last_seq_ = 0;  ///< seq of the newest event
  uint64_t run_start_ = 0; ///< every seq in [run_start_, last_seq_] is held
};

/// What one stream sends, apart from I/O: the opening (retry hint plus init
/// or replay) and then live events, each at most once and in order. An init
/// carries a snapshot taken after the stream subscribed; live events already
/// reflected in it (same epoch, seq <= snapshot seq) are dropped. When the
/// progress service restarts (new epoch) the stream sends a fresh init.
class stream_logic {
public:
  /// Fetches a snapshot for this stream's rooms; nullopt when the progress
  /// service does not answer in time.
  using snapshot_fn = std::function<std::optional<wire::progress_snapshot>()>;

  stream_logic(snapshot_fn fetch, std::chrono::milliseconds retry);

  /// The first bytes of the stream. `replay`: the events missed since the
  /// client's last event id (resumption); nullopt: send an init.
  std::string open(const std::optional<position>& resumed_from,
                   const std::optional<std::vector<event_ptr>>& replay);

  /// Frames for a batch of live events, in order.
  std::string on_events(const std::vector<event_ptr>& batch);

  /// How many init events were sent (for tests and metrics).
  size_t inits() const {
    return inits_;
  }

private:
  std::string init();

  snapshot_fn fetch_;
  std::chrono::milliseconds retry_;
  std::optional<position> floor_; ///< last event the client has, if known
  std::set<std::string> synced_;  ///< epochs with a sync point (init/resume)
  size_t inits_ = 0;
};

} // namespace kumo::gateway::sse
