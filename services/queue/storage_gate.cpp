#include "storage_gate.hpp"

namespace kumo::queue {

using json = nlohmann::json;

int storage_slots(std::int64_t used, std::int64_t reserve, std::int64_t limit,
                  const std::vector<std::int64_t>& next_sizes) {
  if (limit <= 0)
    return static_cast<int>(next_sizes.size());
  int out = 0;
  auto taken = used + std::max<std::int64_t>(reserve, 0);
  for (auto size : next_sizes) {
    if (taken >= limit)
      break;
    ++out;
    taken += std::max<std::int64_t>(size, 0);
  }
  return out;
}

bool storage_view::full() const {
  return claim_limit() > 0 && used_bytes >= limit_bytes;
}

std::int64_t storage_view::claim_limit() const {
  return usage_known && !evict_when_full ? limit_bytes : 0;
}

result<std::vector<std::string>> storage_gate::apply_config(const json& doc) {
  if (!doc.is_object() || !doc.contains("library"))
    return std::vector<std::string>{};
  const auto& lib = doc["library"];
  if (!lib.is_object())
    return invalid("must be an object", "library");
  std::lock_guard<std::mutex> guard{mutex_};
  auto limit = view_.limit_bytes;
  auto evict = view_.evict_when_full;
  if (lib.contains("storage_limit_bytes")) {
    const auto& v = lib["storage_limit_bytes"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      return invalid("must be an integer >= 0", "library.storage_limit_bytes");
    limit = v.get<std::int64_t>();
  }
  if (lib.contains("evict_when_full")) {
    const auto& v = lib["evict_when_full"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 ||
        v.get<std::int64_t>() > 1)
      return invalid("must be 0 or 1", "library.evict_when_full");
    evict = v.get<std::int64_t>() == 1;
  }
  std::vector<std::string> changed;
  if (limit != view_.limit_bytes)
    changed.emplace_back("library.storage_limit_bytes");
  if (evict != view_.evict_when_full)
    changed.emplace_back("library.evict_when_full");
  view_.limit_bytes = limit;
  view_.evict_when_full = evict;
  return changed;
}

result<void> storage_gate::apply_usage(const json& doc) {
  if (!doc.is_object() || !doc.contains("used_bytes") ||
      !doc["used_bytes"].is_number_integer() ||
      doc["used_bytes"].get<std::int64_t>() < 0)
    return invalid("must be an integer >= 0", "used_bytes");
  std::lock_guard<std::mutex> guard{mutex_};
  view_.used_bytes = doc["used_bytes"].get<std::int64_t>();
  view_.usage_known = true;
  return {};
}

storage_view storage_gate::view() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return view_;
}

std::optional<bool> storage_gate::take_transition() {
  std::lock_guard<std::mutex> guard{mutex_};
  auto full = view_.full();
  if (full == reported_full_)
    return std::nullopt;
  reported_full_ = full;
  return full;
}

void add_storage_status(json& reply, const storage_view& view) {
  reply["paused_reason"] = view.full() ? json("storage_limit") : json(nullptr);
  reply["storage"] = {
      {"used_bytes", view.usage_known ? json(view.used_bytes) : json(nullptr)},
      {"limit_bytes", view.limit_bytes},
      {"evict_when_full", view.evict_when_full},
      {"full", view.full()}};
}

} // namespace kumo::queue
