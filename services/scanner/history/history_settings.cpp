#include "history/history_settings.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

/// `section[key]` as an integer in [lo, hi], or a failure naming the field.
result<std::int64_t> bounded(const json& section, const char* key,
                             std::int64_t lo, std::int64_t hi) {
  const auto& v = section[key];
  auto field = std::string("history.") + key;
  auto range =
      "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
  if (!v.is_number_integer())
    return invalid(range, field);
  // Parsed text holds non-negative numbers as unsigned: both bounds apply.
  bool out_of_range =
      v.is_number_unsigned()
          ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi) ||
                static_cast<std::int64_t>(v.get<std::uint64_t>()) < lo
          : v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi;
  if (out_of_range)
    return invalid(range, field);
  return v.get<std::int64_t>();
}

/// A non-negative count field of a reply, or -1.
std::int64_t count_of(const json& reply, const char* key) {
  if (!reply.contains(key) || !reply[key].is_number_integer() ||
      reply[key].get<std::int64_t>() < 0)
    return -1;
  return reply[key].get<std::int64_t>();
}

} // namespace

result<history_settings> apply_history(const json& doc,
                                       history_settings current) {
  if (!doc.is_object() || !doc.contains("history"))
    return current;
  const auto& section = doc["history"];
  if (!section.is_object())
    return invalid("must be an object of fields", "history");
  if (section.contains("keep_days")) {
    auto days = bounded(section, "keep_days", 1, 3650);
    if (!days)
      return days.error();
    current.keep_days = *days;
  }
  if (section.contains("purge_interval_s")) {
    auto every = bounded(section, "purge_interval_s", 0, 31'536'000);
    if (!every)
      return every.error();
    current.purge_interval_s = *every;
  }
  return current;
}

result<bool> purge_totals::add_reply(const json& reply) {
  if (reply.is_object() && reply.contains("error") &&
      reply["error"].is_object())
    return failure{errc::unavailable,
                   "the queue refused the purge: " +
                       reply["error"].value("message", std::string("?")),
                   ""};
  auto i = reply.is_object() ? count_of(reply, "items") : -1;
  auto e = reply.is_object() ? count_of(reply, "events") : -1;
  auto d = reply.is_object() ? count_of(reply, "deliveries") : -1;
  if (i < 0 || e < 0 || d < 0 || !reply.contains("more") ||
      !reply["more"].is_boolean())
    return failure{errc::internal, "the queue's purge answer is malformed", ""};
  items += i;
  events += e;
  deliveries += d;
  ++requests;
  return reply["more"].get<bool>();
}

json purge_totals::summary(const history_settings& settings) const {
  return {{"items", items},
          {"events", events},
          {"deliveries", deliveries},
          {"scans", scans},
          {"keep_days", settings.keep_days}};
}

json purge_request(const history_settings& settings, std::int64_t batch) {
  return {{"older_than_s", settings.keep().count()}, {"batch", batch}};
}

} // namespace kumo::scanner
