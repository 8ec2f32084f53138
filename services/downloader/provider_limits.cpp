#include "provider_limits.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace kumo::downloader {

namespace {

constexpr int max_connections_limit = 16;
constexpr int64_t max_timeout_s = 86'400;

result<provider_runtime> parse_one(const nlohmann::json& item) {
  provider_runtime out;
  if (!item.is_object() || !item.contains("name") ||
      !item["name"].is_string() || item["name"].get<std::string>().empty())
    return invalid("every provider needs a name", "providers");
  out.name = item["name"].get<std::string>();
  if (auto i = item.find("bandwidth_limit_bps"); i != item.end()) {
    if (!i->is_number_integer() || i->get<int64_t>() < 0)
      return invalid(out.name + ": bandwidth_limit_bps must be >= 0",
                     "bandwidth_limit_bps");
    out.bandwidth_limit_bps = i->get<int64_t>();
  }
  if (auto i = item.find("max_connections"); i != item.end()) {
    if (!i->is_number_integer() || i->get<int64_t>() < 1 ||
        i->get<int64_t>() > max_connections_limit)
      return invalid(out.name + ": max_connections must be 1..16",
                     "max_connections");
    out.max_connections = i->get<int>();
  }
  if (auto i = item.find("timeout_s"); i != item.end()) {
    if (!i->is_number_integer() || i->get<int64_t>() < 1 ||
        i->get<int64_t>() > max_timeout_s)
      return invalid(out.name + ": timeout_s must be 1..86400", "timeout_s");
    out.timeout_s = i->get<int64_t>();
  }
  return out;
}

} // namespace

result<std::vector<provider_runtime>>
parse_provider_config(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("providers") ||
      !doc["providers"].is_array())
    return invalid("expected {\"providers\": [...]}", "providers");
  std::vector<provider_runtime> out;
  for (const auto& item : doc["providers"]) {
    auto one = parse_one(item);
    if (!one)
      return std::move(one).error();
    out.push_back(std::move(*one));
  }
  return out;
}

int64_t burst_for(int64_t rate) {
  return std::max<int64_t>(rate / 10, int64_t{16} * 1024);
}

provider_limits::provider_limits(int default_connections,
                                 bool keep_option_timeouts)
    : default_connections_(default_connections),
      keep_option_timeouts_(keep_option_timeouts) {
  // nop
}

provider_limits::entry& provider_limits::find(const std::string& provider) {
  auto i = entries_.find(provider);
  if (i == entries_.end())
    i = entries_
            .emplace(provider,
                     entry{std::make_shared<token_bucket>(0, burst_for(0)),
                           default_connections_})
            .first;
  return i->second;
}

void provider_limits::apply(const std::vector<provider_runtime>& providers) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (const auto& p : providers) {
    auto& e = find(p.name);
    if (e.bucket->rate() != p.bandwidth_limit_bps)
      e.bucket->set_rate(p.bandwidth_limit_bps,
                         burst_for(p.bandwidth_limit_bps));
    e.max_connections = p.max_connections;
    e.timeout_s = p.timeout_s;
  }
}

std::shared_ptr<token_bucket>
provider_limits::bucket(const std::string& provider) {
  std::lock_guard<std::mutex> guard{mutex_};
  return find(provider).bucket;
}

int provider_limits::max_connections(const std::string& provider) const {
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = entries_.find(provider);
  // The worker's own option caps what the runtime config asks for.
  return i == entries_.end()
             ? default_connections_
             : std::min(default_connections_, i->second.max_connections);
}

void provider_limits::timeouts(const std::string& provider,
                               std::chrono::milliseconds& connect,
                               std::chrono::milliseconds& stall) const {
  if (keep_option_timeouts_)
    return;
  std::lock_guard<std::mutex> guard{mutex_};
  auto i = entries_.find(provider);
  if (i == entries_.end() || i->second.timeout_s <= 0)
    return;
  stall = std::chrono::seconds{i->second.timeout_s};
  connect = std::min(connect, stall);
}

} // namespace kumo::downloader
