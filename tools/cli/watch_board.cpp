#include "watch_board.hpp"

#include "format.hpp"
#include "terminal_text.hpp"

#include <algorithm>
#include <cstdio>

namespace kumo::cli {

using nlohmann::json;

namespace {

std::string status_of_record(const std::string& event_type,
                             const std::string& record_status) {
  if (event_type == "download_complete")
    return "completed";
  if (event_type == "download_failed")
    return "failed";
  if (event_type == "download_cancelled")
    return "cancelled";
  if (event_type == "download_paused")
    return "paused";
  if (event_type == "download_retry")
    return "pending";
  if (record_status == "in_progress" || record_status == "started")
    return "downloading";
  return record_status;
}

double number_of(const json& doc, const char* key, double fallback) {
  auto i = doc.find(key);
  return i != doc.end() && i->is_number() ? i->get<double>() : fallback;
}

} // namespace

std::string item_id_of_record(const json& record) {
  auto id = text_of(record, "id");
  const std::string prefix = "download:";
  if (id.rfind(prefix, 0) != 0 || text_of(record, "type") != "download")
    return {};
  return id.substr(prefix.size());
}

bar_state& watch_board::row(const std::string& id) {
  auto i = std::find_if(rows_.begin(), rows_.end(),
                        [&](const bar_state& r) { return r.id == id; });
  if (i != rows_.end())
    return *i;
  rows_.emplace_back();
  rows_.back().id = id;
  return rows_.back();
}

void watch_board::load_queue(const json& status) {
  for (const char* list :
       {"active_downloads", "paused_downloads", "pending_queue"}) {
    if (!status.is_object() || !status.contains(list) ||
        !status[list].is_array())
      continue;
    for (const auto& item : status[list]) {
      auto id = text_of(item, "id");
      if (id.empty())
        continue;
      auto& r = row(id);
      r.title = text_of(item, "serie_name", text_of(item, "serie_id"));
      char code[40];
      std::snprintf(code, sizeof code, " S%02lldE%02lld",
                    static_cast<long long>(int_of(item, "season")),
                    static_cast<long long>(int_of(item, "episode")));
      r.title += code;
      r.status = text_of(item, "status");
      r.current = int_of(item, "bytes_done");
      r.total = int_of(item, "bytes_total", -1);
      r.percent = number_of(item, "progress", -1);
      r.speed_bps = int_of(item, "speed_bps");
      r.eta_seconds = int_of(item, "eta_seconds", -1);
    }
  }
}

bool watch_board::apply_record(const std::string& type, const json& record) {
  auto id = item_id_of_record(record);
  if (id.empty())
    return false;
  auto& r = row(id);
  touched_.push_back(id);
  auto title = text_of(record, "title");
  if (!title.empty())
    r.title = title;
  r.status = status_of_record(type, text_of(record, "status"));
  r.current = int_of(record, "current", r.current);
  r.total = int_of(record, "total", r.total);
  r.percent = number_of(record, "percent", r.percent);
  r.speed_bps = int_of(record, "speed_bps", 0);
  r.eta_seconds = int_of(record, "eta_seconds", -1);
  if (r.status == "completed")
    r.percent = 100;
  return true;
}

bool watch_board::apply(const sse_event& event) {
  touched_.clear();
  auto doc = json::parse(event.data, nullptr, false);
  if (!doc.is_object()) {
    ++ignored_;
    return false;
  }
  if (event.type == "init") {
    bool changed = false;
    if (doc.contains("active") && doc["active"].is_array())
      for (const auto& record : doc["active"])
        changed = apply_record("download_progress", record) || changed;
    return changed;
  }
  if (event.type.rfind("download_", 0) != 0 || !doc.contains("data")) {
    ++ignored_;
    return false;
  }
  if (!apply_record(event.type, doc["data"])) {
    ++ignored_;
    return false;
  }
  return true;
}

std::vector<std::string> watch_board::render(std::size_t width,
                                             std::size_t max_rows) const {
  std::vector<std::string> lines;
  if (rows_.empty()) {
    lines.push_back(fit_to_width("(no downloads)", width));
    return lines;
  }
  auto shown = rows_.size() <= max_rows ? rows_.size()
                                        : (max_rows > 0 ? max_rows - 1 : 0);
  std::size_t title_columns = 1;
  for (std::size_t i = 0; i < shown; ++i)
    title_columns = std::max(
        title_columns, display_width(sanitize_for_terminal(rows_[i].title)));
  for (std::size_t i = 0; i < shown; ++i)
    lines.push_back(render_bar(rows_[i], width, title_columns));
  if (shown < rows_.size() && max_rows > 0)
    lines.push_back(fit_to_width(
        "... " + std::to_string(rows_.size() - shown) + " more", width));
  return lines;
}

} // namespace kumo::cli
