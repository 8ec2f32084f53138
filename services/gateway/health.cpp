#include "health.hpp"

#include "kumo/bus.hpp"
#include "kumo/wire.hpp"

#include <algorithm>
#include <set>

namespace kumo::gateway {

const std::vector<std::string>& known_services() {
  static const std::vector<std::string> names{"gateway", "scanner", "queue",
                                              "downloader", "progress"};
  return names;
}

nlohmann::json
summarize_health(const std::vector<std::vector<std::string>>& replies,
                 const std::vector<std::vector<std::string>>& missing) {
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
    if (i < missing.size())
      for (const auto& name : missing[i])
        instances.push_back({{"instance", name}, {"status", "down"}});
    bool any_answered = std::any_of(
        instances.begin(), instances.end(),
        [](const nlohmann::json& x) { return x["status"] != "down"; });
    std::string status = any_ok ? "up" : !any_answered ? "down" : "degraded";
    all_up = all_up && any_ok;
    nlohmann::json entry{{"status", status}, {"instances", instances}};
    if (any_answered) {
      entry["version"] = instances[0]["version"];
      entry["uptime_seconds"] = instances[0]["uptime_seconds"];
    }
    services[known_services()[i]] = entry;
  }
  return {{"status", all_up ? "ok" : "degraded"}, {"services", services}};
}

instance_registry::instance_registry(std::chrono::milliseconds forget_after)
    : forget_after_(forget_after) {
  // nop
}

void instance_registry::forget_stale(const std::string& service,
                                     clock::time_point now) {
  auto& known = seen_[service];
  for (auto i = known.begin(); i != known.end();)
    i = now - i->second > forget_after_ ? known.erase(i) : std::next(i);
}

size_t instance_registry::expected(const std::string& service,
                                   clock::time_point now) {
  std::lock_guard<std::mutex> guard{mutex_};
  forget_stale(service, now);
  return seen_[service].size();
}

std::vector<std::string>
instance_registry::record(const std::string& service,
                          const std::vector<std::string>& replies,
                          clock::time_point now) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& known = seen_[service];
  std::set<std::string> answered;
  for (const auto& raw : replies)
    if (auto r = decode<wire::health_report>(raw); r && !r->instance.empty()) {
      answered.insert(r->instance);
      known[r->instance] = now;
    }
  forget_stale(service, now);
  std::vector<std::string> missing;
  for (const auto& [name, last] : known)
    if (answered.count(name) == 0)
      missing.push_back(name);
  return missing;
}

} // namespace kumo::gateway
