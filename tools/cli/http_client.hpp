#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kumo::cli {

/// The answer to one request. `reached` is false when no HTTP answer came
/// (connection refused, DNS, TLS, timeout); `error` then says why.
struct http_result {
  bool reached = false;
  long status = 0;
  std::string body;
  std::string error;
  std::string retry_after; ///< the Retry-After header, if any
};

/// Timeouts of every request (seconds).
struct http_timeouts {
  long connect = 5;      ///< TCP + TLS handshake
  long request = 30;     ///< a whole non-streaming request
  long stream_idle = 45; ///< a stream with no byte (keepalives come every 15 s)
};

/// The libcurl adapter: JSON requests and event streams to one gateway.
/// TLS is verified as curl does by default. The token (a session token or
/// the static API key) is sent as `Authorization: Bearer` and never
/// printed; `verbose` prints only method, URL and status to stderr.
class http_client {
public:
  http_client(std::string base_url, std::string token, bool verbose,
              http_timeouts timeouts = {});

  /// `method path` with an optional JSON body (nullptr: none).
  http_result request(const std::string& method, const std::string& path,
                      const std::string* json_body = nullptr) const;

  /// GET `path` as an event stream. A 200 answer's bytes go to `on_bytes`
  /// as they arrive (it returns false to stop); any other answer is
  /// collected in the result's body. `keep_going` is polled about once a
  /// second and stops the stream when it returns false.
  http_result stream(const std::string& path, const std::string& last_event_id,
                     const std::function<bool(std::string_view)>& on_bytes,
                     const std::function<bool()>& keep_going) const;

  /// `text` escaped for one URL path segment or query value.
  static std::string escape(const std::string& text);

  const std::string& base_url() const {
    return base_url_;
  }

private:
  std::string base_url_;
  std::string token_;
  bool verbose_;
  http_timeouts timeouts_;
};

} // namespace kumo::cli
