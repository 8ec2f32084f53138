#include "bus_client.hpp"
#include "health.hpp"
#include "http/http_server.hpp"
#include "kumo/subjects.hpp"
#include "routes.hpp"

#include <httplib.h>
#include <memory>

namespace kumo::gateway {

void add_health_routes(httplib::Server& server, const bus_client& bus,
                       const settings& cfg) {
  auto window =
      caf::timespan{std::chrono::milliseconds(cfg.millis("health_window"))};
  auto forget = std::chrono::milliseconds(cfg.millis("health_forget"));
  auto registry = std::make_shared<instance_registry>(forget);
  server.Get("/api/health", [&bus, window, registry](const httplib::Request&,
                                                     httplib::Response& res) {
    auto now = instance_registry::clock::now();
    std::vector<std::string> subs;
    std::vector<size_t> expected;
    for (const auto& s : known_services()) {
      subs.push_back(subjects::health(s));
      expected.push_back(registry->expected(s, now));
    }
    auto replies = bus.gather_all(subs, "{}", window, expected);
    now = instance_registry::clock::now();
    std::vector<std::vector<std::string>> missing;
    for (size_t i = 0; i < subs.size(); ++i)
      missing.push_back(registry->record(known_services()[i], replies[i], now));
    auto summary = summarize_health(replies, missing);
    send_json(res, summary, summary["status"] == "ok" ? 200 : 503);
  });
}

} // namespace kumo::gateway
