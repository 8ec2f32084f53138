#include "bus_client.hpp"
#include "health.hpp"
#include "http/http_server.hpp"
#include "kumo/subjects.hpp"
#include "routes.hpp"

#include <httplib.h>

namespace kumo::gateway {

void add_health_routes(httplib::Server& server, const bus_client& bus,
                       const settings& cfg) {
  auto window =
      caf::timespan{std::chrono::milliseconds(cfg.millis("health_window"))};
  server.Get("/api/health", [&bus, window](const httplib::Request&,
                                           httplib::Response& res) {
    std::vector<std::string> subs;
    for (const auto& s : known_services())
      subs.push_back(subjects::health(s));
    auto summary = summarize_health(bus.gather_all(subs, "{}", window));
    send_json(res, summary, summary["status"] == "ok" ? 200 : 503);
  });
}

} // namespace kumo::gateway
