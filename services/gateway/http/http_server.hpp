#pragma once

// The gateway's public HTTP server (cpp-httplib). Route groups register
// themselves on it; handlers run on the server's threads and reach actors
// only through messages (bus_client, the event hub's mailboxes).
//
// Threads come from an elastic pool (thread_pool.hpp): an event stream holds
// its thread for its whole life, so the pool grows past the streams in use
// and the API always finds a thread.

#include "http/thread_pool.hpp"
#include "kumo/config.hpp"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Response;
} // namespace httplib

namespace kumo::gateway {

/// The http_* thread options of the gateway.
std::vector<option> http_server_options();

/// Pool sizing from the http_* options and sse_max_clients: room for every
/// allowed event stream plus `http_api_threads` for everything else, unless
/// `http_max_threads` caps it explicitly.
pool_options pool_options_from(const settings& cfg);

class http_server {
public:
  explicit http_server(pool_options pool = {});
  ~http_server();

  httplib::Server& routes() {
    return *server_;
  }

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

} // namespace kumo::gateway
