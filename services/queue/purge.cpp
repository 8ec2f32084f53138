#include "purge.hpp"

#include <string>

namespace kumo::queue {

using json = nlohmann::json;

namespace {

/// The integer `body[key]` within [lo, hi], or a failure naming `key`.
result<int64_t> bounded(const json& body, const char* key, int64_t lo,
                        int64_t hi) {
  const auto& v = body[key];
  auto range = std::string(key) + " must be an integer in " +
               std::to_string(lo) + ".." + std::to_string(hi);
  if (!v.is_number_integer())
    return invalid(range, key);
  // Parsed text holds non-negative numbers as unsigned: both bounds apply.
  bool out_of_range = v.is_number_unsigned()
                          ? v.get<uint64_t>() > static_cast<uint64_t>(hi) ||
                                static_cast<int64_t>(v.get<uint64_t>()) < lo
                          : v.get<int64_t>() < lo || v.get<int64_t>() > hi;
  if (out_of_range)
    return invalid(range, key);
  return v.get<int64_t>();
}

} // namespace

result<purge_command> parse_purge(const json& body) {
  if (!body.is_object())
    return invalid("the request must be a JSON object");
  for (const auto& [key, value] : body.items())
    if (key != "older_than_s" && key != "batch")
      return invalid("unknown field '" + key.substr(0, 64) + "'",
                     key.substr(0, 64));
  if (!body.contains("older_than_s"))
    return invalid("older_than_s is required", "older_than_s");
  purge_command cmd;
  auto age = bounded(body, "older_than_s", min_purge_age_s, max_purge_age_s);
  if (!age)
    return age.error();
  cmd.older_than_s = *age;
  if (body.contains("batch")) {
    auto batch = bounded(body, "batch", 1, max_purge_batch);
    if (!batch)
      return batch.error();
    cmd.batch = *batch;
  }
  return cmd;
}

bool purge_may_have_more(const purge_counts& counts, int64_t batch) {
  return counts.items >= batch || counts.orphan_events >= batch ||
         counts.deliveries >= batch;
}

json purge_reply(const purge_counts& counts, const purge_command& cmd) {
  return {{"items", counts.items},
          {"events", counts.events},
          {"deliveries", counts.deliveries},
          {"more", purge_may_have_more(counts, cmd.batch)},
          {"older_than_s", cmd.older_than_s}};
}

} // namespace kumo::queue
