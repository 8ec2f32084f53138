#include "kumo/admin_server.hpp"

#include "kumo/health.hpp"
#include "kumo/metrics.hpp"

#include <httplib.h>

namespace kumo {

admin_server::admin_server(const readiness& ready, const metrics& m)
    : server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->Get("/livez", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [&ready](const httplib::Request&,
                                   httplib::Response& res) {
    auto body = std::string{"nats: "} + (ready.nats ? "ok" : "down") + "\n";
    if (ready.needs_database)
      body +=
          std::string{"database: "} + (ready.database ? "ok" : "down") + "\n";
    if (ready.draining)
      body += "draining\n";
    res.status = ready.ready() ? 200 : 503;
    res.set_content(body, "text/plain");
  });
  server_->Get("/metrics",
               [&m](const httplib::Request&, httplib::Response& res) {
                 res.set_content(m.serialize(), "text/plain; version=0.0.4");
               });
}

admin_server::~admin_server() {
  stop();
}

int admin_server::start(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host)
                        : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0)
    return -1;
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void admin_server::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

} // namespace kumo
