#pragma once

// The admin HTTP port of every service: /livez, /readyz, /metrics.

#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace kumo {

class metrics;
struct readiness;

class admin_server {
public:
  admin_server(const readiness& ready, const metrics& m);
  ~admin_server();

  /// Binds `host:port` (port 0 picks a free one) and serves in a thread.
  /// Returns the bound port, or -1 when binding failed.
  int start(const std::string& host, int port);

  void stop();

private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

} // namespace kumo
