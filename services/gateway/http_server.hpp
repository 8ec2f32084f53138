#pragma once

// The gateway's public HTTP server (cpp-httplib). Route groups register
// themselves on it; handlers run on httplib's threads and reach actors only
// through bus_client.

#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
struct Response;
} // namespace httplib

namespace kumo::gateway {

class http_server {
public:
  http_server();
  ~http_server();

  httplib::Server& routes() {
    return *server_;
  }

  /// Binds and serves in a thread; returns the bound port or -1.
  int start(const std::string& host, int port);

  /// Stops accepting and waits for in-flight requests to finish.
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
