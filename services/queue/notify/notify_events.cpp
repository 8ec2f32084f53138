#include "notify_events.hpp"

#include "kumo/subjects.hpp"

namespace kumo::queue::notify {

namespace {

using json = nlohmann::json;

constexpr size_t max_payload_bytes = size_t{64} * 1024;

json item_fields(const queue_item& item) {
  return {{"item", item.id},
          {"series", item.serie_id},
          {"series_name", item.serie_name},
          {"season", item.season},
          {"episode", item.episode}};
}

std::optional<bus_event> from_scan(const json& doc) {
  auto status = doc.value("status", std::string{});
  if (status != "completed" && status != "failed")
    return std::nullopt;
  auto id = doc.value("id", std::string{});
  json payload = {{"status", status},
                  {"key", doc.value("key", std::string{})},
                  {"message", doc.value("message", std::string{})}};
  auto meta = doc.find("metadata");
  if (meta != doc.end() && meta->is_object() && meta->contains("scan"))
    payload["scan"] = (*meta)["scan"];
  return bus_event{"scan.finished", payload,
                   id.empty() ? std::string{} : id + ":" + status};
}

std::optional<bus_event> from_breaker(const json& doc) {
  auto provider = doc.find("provider");
  auto state = doc.value("state", std::string{});
  if (provider == doc.end() || !provider->is_string() ||
      (state != "open" && state != "closed"))
    return std::nullopt;
  return bus_event{
      "provider.breaker", {{"provider", *provider}, {"state", state}}, {}};
}

} // namespace

const std::vector<std::string>& event_subjects() {
  static const std::vector<std::string> list{subjects::progress("scan"),
                                             subjects::provider_breaker,
                                             subjects::series_new_episodes};
  return list;
}

std::optional<bus_event> event_from_bus(const std::string& subject,
                                        const std::string& payload) {
  if (payload.size() > max_payload_bytes)
    return std::nullopt;
  auto doc = json::parse(payload, nullptr, false);
  if (!doc.is_object())
    return std::nullopt;
  if (subject == subjects::progress("scan"))
    return from_scan(doc);
  if (subject == subjects::provider_breaker)
    return from_breaker(doc);
  if (subject == subjects::series_new_episodes)
    return bus_event{"series.new_episodes", doc, {}};
  return std::nullopt;
}

json imported_payload(const queue_item& item, const std::string& sha256) {
  auto j = item_fields(item);
  j["path"] = item.target_path;
  j["bytes"] = item.bytes_done;
  if (!sha256.empty())
    j["sha256"] = sha256;
  return j;
}

json failed_payload(const queue_item& item, const std::string& reason) {
  auto j = item_fields(item);
  j["error"] = item.error;
  j["reason"] = reason;
  j["attempts"] = item.attempts;
  j["retries"] = item.retries;
  return j;
}

json disk_payload(const queue_item& item, const std::string& worker,
                  const std::string& detail) {
  auto j = item_fields(item);
  j["worker"] = worker;
  j["detail"] = detail;
  j["bytes_done"] = item.bytes_done;
  return j;
}

} // namespace kumo::queue::notify
