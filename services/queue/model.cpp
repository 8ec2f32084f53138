#include "model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace kumo::queue {

namespace {

constexpr std::array<item_status, 6> all_statuses{
    item_status::pending,   item_status::downloading, item_status::paused,
    item_status::completed, item_status::failed,      item_status::cancelled,
};

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

nlohmann::json optional_text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

} // namespace

const char* to_string(item_status x) {
  switch (x) {
  case item_status::pending:
    return "pending";
  case item_status::downloading:
    return "downloading";
  case item_status::paused:
    return "paused";
  case item_status::completed:
    return "completed";
  case item_status::failed:
    return "failed";
  case item_status::cancelled:
    return "cancelled";
  }
  return "pending";
}

std::optional<item_status> parse_status(const std::string& text) {
  for (auto s : all_statuses)
    if (text == to_string(s))
      return s;
  return std::nullopt;
}

const char* to_string(priority x) {
  switch (x) {
  case priority::low:
    return "low";
  case priority::normal:
    return "normal";
  case priority::high:
    return "high";
  }
  return "normal";
}

std::optional<priority> parse_priority(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    auto n = value.get<int64_t>();
    if (n >= 0 && n <= 2)
      return static_cast<priority>(n);
    return std::nullopt;
  }
  if (!value.is_string())
    return std::nullopt;
  auto text = lowercase(value.get<std::string>());
  for (auto p : {priority::low, priority::normal, priority::high})
    if (text == to_string(p))
      return p;
  return std::nullopt;
}

priority priority_from_rank(int rank) {
  if (rank < 0 || rank > 2)
    return priority::normal;
  return static_cast<priority>(rank);
}

double progress_percent(const queue_item& item) {
  if (item.status == item_status::completed)
    return 100.0;
  if (item.bytes_total <= 0)
    return 0.0;
  auto pct = 100.0 * static_cast<double>(item.bytes_done) /
             static_cast<double>(item.bytes_total);
  pct = std::clamp(pct, 0.0, 100.0);
  return std::round(pct * 10.0) / 10.0;
}

int64_t eta_seconds(const queue_item& item) {
  if (item.status != item_status::downloading || item.speed_bps <= 0 ||
      item.bytes_total < 0 || item.bytes_done > item.bytes_total)
    return -1;
  auto left = item.bytes_total - item.bytes_done;
  return (left + item.speed_bps - 1) / item.speed_bps;
}

namespace {

/// Every source; an item stored before source lists existed has one, a
/// bare reference not resolved yet none.
nlohmann::json sources_json(const queue_item& item) {
  if (item.sources.empty() && item.source_url.empty())
    return nlohmann::json::array();
  if (item.sources.empty())
    return nlohmann::json::array({wire::source{
        item.provider, item.source_url, item.source_sha256, item.source_size}});
  return item.sources;
}

} // namespace

nlohmann::json to_json(const queue_item& item) {
  auto j = nlohmann::json{
      {"id", item.id},
      {"serie_id", item.serie_id},
      {"serie_folder", item.serie_folder},
      {"serie_name", item.serie_name},
      {"season", item.season},
      {"episode", item.episode},
      {"status", to_string(item.status)},
      {"priority", to_string(item.prio)},
      {"progress", progress_percent(item)},
      {"bytes_done", item.bytes_done},
      {"bytes_total", item.bytes_total},
      {"speed_bps",
       item.status == item_status::downloading ? item.speed_bps : 0},
      {"eta_seconds", eta_seconds(item)},
      {"error", item.error},
      {"attempts", item.attempts},
      {"retries", item.retries},
      {"source",
       {{"provider", item.provider},
        {"url", item.source_url},
        {"sha256", item.source_sha256},
        {"size", item.source_size}}},
      {"sources", sources_json(item)},
      {"source_index", item.source_index},
      {"unresolved", item.sources.empty() && item.source_url.empty()},
      {"series_provider", item.sources.empty() && item.source_url.empty()
                              ? item.series_provider
                              : std::string{}},
      {"target_path", item.target_path},
      {"owner", item.owner},
      {"added_at", item.added_at},
      {"started_at", optional_text(item.started_at)},
      {"completed_at", optional_text(item.completed_at)},
      {"next_attempt_at", optional_text(item.next_attempt_at)},
  };
  if (item.status == item_status::paused && !item.pause_reason.empty()) {
    j["pause_reason"] = item.pause_reason;
    if (item.pause_reason == "disk_full")
      j["status_text"] = "paused: disk almost full";
  }
  return j;
}

std::string display_title(const queue_item& item) {
  char code[32];
  std::snprintf(code, sizeof code, "S%02dE%02d", item.season, item.episode);
  return item.serie_name + " " + code;
}

status_counts complete_counts(status_counts counts) {
  for (auto s : all_statuses)
    counts.emplace(to_string(s), 0);
  return counts;
}

nlohmann::json to_json(const queue_flags& flags) {
  return {{"is_running", flags.running}, {"is_paused", flags.paused}};
}

} // namespace kumo::queue
