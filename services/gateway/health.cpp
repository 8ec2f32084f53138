#include "health.hpp"

#include "kumo/bus.hpp"
#include "kumo/wire.hpp"

namespace kumo::gateway {

const std::vector<std::string>& known_services() {
  static const std::vector<std::string> names{"gateway", "scanner", "queue",
                                              "downloader", "progress"};
  return names;
}

nlohmann::json
summarize_health(const std::vector<std::vector<std::string>>& replies) {
  nlohmann::json services = nlohmann::json::object();
  bool all_up = true;
  for (size_t i = 0; i < known_services().size(); ++i) {
    nlohmann::json instances = nlohmann::json::array();
    bool any_ok = false;
    if (i < replies.size())
      for (const auto& raw : replies[i]) {
        auto r = decode<wire::health_report>(raw);
        if (!r)
          continue;
        any_ok = any_ok || r->status == "ok";
        instances.push_back({{"instance", r->instance},
                             {"status", r->status},
                             {"version", r->version},
                             {"uptime_seconds", r->uptime_seconds},
                             {"nats", r->nats},
                             {"database", r->database}});
      }
    std::string status = any_ok              ? "up"
                         : instances.empty() ? "down"
                                             : "degraded";
    all_up = all_up && any_ok;
    nlohmann::json entry{{"status", status}, {"instances", instances}};
    if (!instances.empty()) {
      entry["version"] = instances[0]["version"];
      entry["uptime_seconds"] = instances[0]["uptime_seconds"];
    }
    services[known_services()[i]] = entry;
  }
  return {{"status", all_up ? "ok" : "degraded"}, {"services", services}};
}

} // namespace kumo::gateway
