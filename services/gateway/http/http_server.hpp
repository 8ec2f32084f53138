#pragma once

// The gateway's public HTTP server (cpp-httplib). Route groups register
// themselves on it; handlers run on the server's threads and reach actors
// only through messages (bus_client, the event hub's mailboxes).
//
// Threads come from an elastic pool (thread_pool.hpp): an event stream holds
// its thread for its whole life, so the pool grows past the streams in use
// and the API always finds a thread.

#include "http/request_limits.hpp"
#include "http/thread_pool.hpp"
#include "kumo/config.hpp"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
struct Response;
} // namespace httplib

namespace kumo::gateway {

struct http_answer;
class http_metrics;

/// The http_* thread and request limit options of the gateway.
std::vector<option> http_server_options();

/// How much of a connection's time and bytes one request may take.
struct connection_options {
  request_limits limits;
  /// From the first byte of a request head to its blank line.
  std::chrono::milliseconds head_timeout{std::chrono::seconds(10)};
  /// From the end of the head to the last byte of the body.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  /// How long a refused request's remaining bytes are read and thrown away
  /// before the connection closes (so the client sees the refusal).
  std::chrono::milliseconds linger{std::chrono::seconds(2)};
};

/// Request limits from the http_* options.
connection_options connection_options_from(const settings& cfg);

/// Headers every response carries, refusals and errors included: a
/// Content-Security-Policy for API responses (JSON, never rendered) and the
/// framing, referrer and sniffing protections.
const std::vector<std::pair<std::string, std::string>>& response_headers();

/// The policy of API responses: nothing may load, nothing may frame them.
constexpr const char* api_content_security_policy =
    "default-src 'none'; frame-ancestors 'none'";

/// The policy of the web UI's files (/ and /assets/*): scripts, styles,
/// images and connections (API, event stream) from the gateway's own origin
/// only; no inline scripts or styles, no eval, no plugins, no base or form
/// redirection, no framing.
constexpr const char* web_ui_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Pool sizing from the http_* options and sse_max_clients: room for every
/// allowed event stream plus `http_api_threads` for everything else, unless
/// `http_max_threads` caps it explicitly.
pool_options pool_options_from(const settings& cfg);

class http_server {
public:
  explicit http_server(pool_options pool = {}, connection_options conn = {});
  ~http_server();

  httplib::Server& routes() {
    return *server_;
  }

  /// Counts and times every request in `metrics` (http_metrics.hpp);
  /// call before start().
  void count_requests(std::shared_ptr<http_metrics> metrics);

  /// Binds and serves in a thread; returns the bound port or -1.
  int start(const std::string& host, int port);

  /// Stops accepting and waits for in-flight requests to finish. Long-lived
  /// handlers (event streams) must have been told to return first.
  void stop();

private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

/// Writes {"error": {"code", "message"}} with `status`.
void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message);

void send_json(httplib::Response& res, const nlohmann::json& body,
               int status = 200);

/// Writes a service's mapped answer (service_answers.hpp); a 503 also says
/// Retry-After: 5, since the service behind may be back shortly.
void send_answer(httplib::Response& res, const http_answer& answer);

} // namespace kumo::gateway
