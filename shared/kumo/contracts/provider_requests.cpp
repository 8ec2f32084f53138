#include "kumo/contracts/provider_requests.hpp"

#include <algorithm>

namespace kumo::contracts {

namespace {

using json = nlohmann::json;
namespace lim = provider_limits;

/// One integer setting: its key, its range and where it lives.
struct int_setting {
  const char* key;
  int64_t min;
  int64_t max;
  std::optional<int64_t> provider_update::*field;
};

const std::vector<int_setting>& int_settings() {
  static const std::vector<int_setting> all{
      {"priority", 1, lim::max_priority, &provider_update::priority},
      {"timeout_s", 1, lim::max_timeout_s, &provider_update::timeout_s},
      {"retries", 0, lim::max_retries, &provider_update::retries},
      {"retry_delay_s", 0, lim::max_retry_delay_s,
       &provider_update::retry_delay_s},
      {"max_concurrent", 0, lim::max_concurrent,
       &provider_update::max_concurrent},
      {"bandwidth_limit_bps", 0, lim::max_bandwidth_bps,
       &provider_update::bandwidth_limit_bps},
      {"max_connections", 1, lim::max_connections,
       &provider_update::max_connections},
  };
  return all;
}

bool is_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

parsed<std::string> read_name(const json& body) {
  auto name = read_text(body, "", "name", {true, lim::max_name_bytes});
  if (!name)
    return name;
  if (!std::all_of(name->begin(), name->end(), is_name_char))
    return field_error{"name", "name must consist of a-z, 0-9, '_' and '-'"};
  return name;
}

/// Reads one key of "settings" into `out`; a field_error when it is
/// unknown or out of range.
std::optional<field_error> read_setting(const std::string& key,
                                        const json& settings,
                                        provider_update& out) {
  auto path = "settings." + key;
  if (key == "enabled") {
    const auto& v = settings[key];
    if (!v.is_boolean())
      return field_error{path, path + " must be true or false"};
    out.enabled = v.get<bool>();
    return std::nullopt;
  }
  for (const auto& s : int_settings())
    if (key == s.key) {
      auto v = read_int(settings, "settings", s.key, s.min, s.max);
      if (!v)
        return v.error();
      out.*s.field = *v;
      return std::nullopt;
    }
  return field_error{path, path + " is not a provider setting (enabled, "
                                  "priority, timeout_s, retries, "
                                  "retry_delay_s, max_concurrent, "
                                  "bandwidth_limit_bps, max_connections)"};
}

} // namespace

json to_json(const provider_settings& s) {
  return {{"name", s.name},
          {"enabled", s.enabled},
          {"priority", s.priority},
          {"timeout_s", s.timeout_s},
          {"retries", s.retries},
          {"retry_delay_s", s.retry_delay_s},
          {"max_concurrent", s.max_concurrent},
          {"bandwidth_limit_bps", s.bandwidth_limit_bps},
          {"max_connections", s.max_connections}};
}

json to_json(const std::vector<provider_settings>& all) {
  auto list = json::array();
  for (const auto& s : all)
    list.push_back(to_json(s));
  return {{"providers", std::move(list)}};
}

parsed<provider_name_request> parse_provider_name(const json& body) {
  if (!body.is_object())
    return field_error{"", "body must be a JSON object"};
  auto name = read_name(body);
  if (!name)
    return name.error();
  return provider_name_request{*name};
}

json to_json(const provider_name_request& req) {
  return {{"name", req.name}};
}

provider_settings provider_update::applied_to(provider_settings s) const {
  if (enabled)
    s.enabled = *enabled;
  s.priority = priority.value_or(s.priority);
  s.timeout_s = timeout_s.value_or(s.timeout_s);
  s.retries = retries.value_or(s.retries);
  s.retry_delay_s = retry_delay_s.value_or(s.retry_delay_s);
  s.max_concurrent = max_concurrent.value_or(s.max_concurrent);
  s.bandwidth_limit_bps = bandwidth_limit_bps.value_or(s.bandwidth_limit_bps);
  s.max_connections = max_connections.value_or(s.max_connections);
  return s;
}

parsed<provider_update> parse_provider_update(const json& body) {
  auto name = parse_provider_name(body);
  if (!name)
    return name.error();
  provider_update out;
  out.name = name->name;
  auto i = body.find("settings");
  if (i == body.end() || !i->is_object())
    return field_error{"settings", "settings must be a JSON object"};
  if (i->empty())
    return field_error{"settings", "settings must change at least one value"};
  for (const auto& item : i->items())
    if (auto err = read_setting(item.key(), *i, out))
      return *err;
  return out;
}

json to_json(const provider_update& req) {
  json settings = json::object();
  if (req.enabled)
    settings["enabled"] = *req.enabled;
  for (const auto& s : int_settings())
    if (const auto& v = req.*s.field)
      settings[s.key] = *v;
  return {{"name", req.name}, {"settings", std::move(settings)}};
}

} // namespace kumo::contracts
