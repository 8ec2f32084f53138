#include "config/config_schema.hpp"

#include "kumo/config.hpp"

namespace kumo::gateway {

namespace {

using json = nlohmann::json;

constexpr size_t max_text = 256;
constexpr size_t max_delays = 20;

const config_field* find_field(const std::string& section,
                               const std::string& key) {
  for (const auto& f : config_fields())
    if (section == f.section && key == f.key)
      return &f;
  return nullptr;
}

bool known_section(const std::string& section) {
  for (const auto& f : config_fields())
    if (section == f.section)
      return true;
  return false;
}

std::string range_text(const config_field& f) {
  return std::to_string(f.min) + ".." + std::to_string(f.max);
}

/// Why `text` is not a list of delays like "5s,15s,45s", or "".
std::string durations_problem(const config_field& f, const std::string& text) {
  if (text.size() > max_text)
    return "must be at most 256 characters";
  size_t start = 0;
  size_t count = 0;
  while (true) {
    auto comma = text.find(',', start);
    auto part = text.substr(
        start, comma == std::string::npos ? std::string::npos : comma - start);
    auto first = part.find_first_not_of(' ');
    auto last = part.find_last_not_of(' ');
    part =
        first == std::string::npos ? "" : part.substr(first, last - first + 1);
    auto ms = parse_duration_ms(part);
    if (!ms || *ms < f.min || *ms > f.max)
      return "'" + part.substr(0, 32) +
             "' is not a duration like 5s or 500ms (0..24h)";
    if (++count > max_delays)
      return "at most 20 delays";
    if (comma == std::string::npos)
      return "";
    start = comma + 1;
  }
}

/// Why `value` cannot be field `f`'s value, or "".
std::string value_problem(const config_field& f, const json& value) {
  switch (f.kind) {
  case field_kind::integer:
    if (!value.is_number_integer())
      return "must be an integer";
    if (value.get<int64_t>() < f.min ||
        (value.is_number_unsigned()
             ? value.get<uint64_t>() > static_cast<uint64_t>(f.max)
             : value.get<int64_t>() > f.max))
      return "must be in " + range_text(f);
    return "";
  case field_kind::durations:
    if (!value.is_string())
      return "must be a string of delays like \"5s,15s,45s\"";
    return durations_problem(f, value.get<std::string>());
  }
  return "unknown kind";
}

/// The value of `f` in `doc`, or null when it holds none that passes.
const json* value_in(const json& doc, const config_field& f) {
  if (!doc.is_object() || !doc.contains(f.section) ||
      !doc[f.section].is_object() || !doc[f.section].contains(f.key))
    return nullptr;
  const auto* value = &doc[f.section][f.key];
  return value_problem(f, *value).empty() ? value : nullptr;
}

std::string clipped(const std::string& text) {
  return text.size() > 64 ? text.substr(0, 64) + "..." : text;
}

} // namespace

std::string config_field::name() const {
  return std::string{section} + "." + key;
}

const std::vector<config_field>& config_fields() {
  static const std::vector<config_field> fields = {
      {"queue", "max_retries", field_kind::integer, 0, 100, "3", true, false,
       "retries of a transient download failure before the item fails"},
      {"queue", "retry_delays", field_kind::durations, 0, 86'400'000,
       "\"5s,15s,45s\"", true, false,
       "delays before those retries; the last one repeats"},
      {"queue", "job_rate_limit", field_kind::integer, 0, INT64_MAX, "0", true,
       false,
       "bandwidth limit per download in bytes/s for jobs handed out "
       "from now on (0: none)"},
      {"history", "keep_days", field_kind::integer, 1, 3650, "30", true, false,
       "days finished queue items, their events, notification deliveries and "
       "scan records are kept before the task purge deletes them"},
      {"history", "purge_interval_s", field_kind::integer, 0, 31'536'000,
       "86400", true, false,
       "seconds between two runs of the task purge (0: on demand only)"},
      {"disk", "min_free_bytes", field_kind::integer, 0, int64_t{1} << 50,
       "2147483648", true, false,
       "free space a download must leave on the library's file system, in "
       "bytes (downloaders apply it at once)"},
      {"disk", "min_free_percent", field_kind::integer, 0, 90, "5", true, false,
       "free space a download must leave, in percent of the file system "
       "(the larger floor wins)"},
      {"library", "storage_limit_bytes", field_kind::integer, 0, INT64_MAX, "0",
       true, false,
       "total size of the library's files; at or above it no new download "
       "starts (0: no limit)"},
      {"library", "evict_when_full", field_kind::integer, 0, 1, "0", true,
       false,
       "1: over the limit, the retention task removes the oldest episodes "
       "of series with a retention rule; 0: downloads wait"},
  };
  return fields;
}

std::vector<field_error> validate_config(const json& patch) {
  std::vector<field_error> out;
  if (!patch.is_object())
    return {{"", "the configuration must be a JSON object of sections"}};
  for (const auto& [section, fields] : patch.items()) {
    if (!known_section(section)) {
      out.push_back({clipped(section), "unknown section"});
      continue;
    }
    if (!fields.is_object()) {
      out.push_back({section, "must be an object of fields"});
      continue;
    }
    for (const auto& [key, value] : fields.items()) {
      const auto* f = find_field(section, key);
      auto name = section + "." + clipped(key);
      if (!f)
        out.push_back({name, "unknown field"});
      else if (auto why = value_problem(*f, value); !why.empty())
        out.push_back({name, why});
    }
  }
  return out;
}

json merge_config(const json& stored, const json& patch) {
  json out = json::object();
  for (const auto& f : config_fields()) {
    const auto* value = value_in(patch, f);
    if (!value)
      value = value_in(stored, f);
    if (value)
      out[f.section][f.key] = *value;
  }
  return out;
}

json with_fallbacks(const json& doc) {
  json out = json::object();
  for (const auto& f : config_fields()) {
    const auto* value = value_in(doc, f);
    out[f.section][f.key] = value ? *value : json::parse(f.fallback);
  }
  return out;
}

json redact_config(const json& doc) {
  json out = doc;
  for (const auto& f : config_fields())
    if (f.secret && out.contains(f.section) && out[f.section].contains(f.key) &&
        out[f.section][f.key] != "")
      out[f.section][f.key] = "********";
  return out;
}

json applied_of(const json& patch) {
  json out = json::object();
  for (const auto& f : config_fields())
    if (patch.is_object() && patch.contains(f.section) &&
        patch[f.section].is_object() && patch[f.section].contains(f.key))
      out[f.name()] = f.live ? "live" : "restart";
  return out;
}

json describe_config() {
  json out = json::array();
  for (const auto& f : config_fields()) {
    json d = {{"name", f.name()},
              {"type", f.kind == field_kind::integer ? "integer" : "durations"},
              {"applied", f.live ? "live" : "restart"},
              {"secret", f.secret},
              {"description", f.description}};
    if (f.kind == field_kind::integer) {
      d["min"] = f.min;
      d["max"] = f.max;
    }
    out.push_back(std::move(d));
  }
  return out;
}

json to_json(const std::vector<field_error>& errors) {
  json out = json::array();
  for (const auto& e : errors)
    out.push_back({{"field", e.field}, {"message", e.message}});
  return out;
}

} // namespace kumo::gateway
