#include "format.hpp"

#include "terminal_text.hpp"

#include <cstdio>

namespace kumo::cli {

namespace {

using nlohmann::json;

std::string episode_code(const json& item) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "S%02lldE%02lld",
                static_cast<long long>(int_of(item, "season", -1)),
                static_cast<long long>(int_of(item, "episode", -1)));
  return buf;
}

std::string item_progress(const json& item) {
  auto done = int_of(item, "bytes_done");
  auto total = int_of(item, "bytes_total", -1);
  std::string out = human_bytes(static_cast<double>(done));
  if (total >= 0)
    out += "/" + human_bytes(static_cast<double>(total));
  return out;
}

std::string item_line(const json& item) {
  auto line = fit_to_width(text_of(item, "id", "?"), 36, true) + "  " +
              fit_to_width(text_of(item, "status", "?"), 11, true) + " " +
              fit_to_width(text_of(item, "priority", "?"), 6, true) + " " +
              episode_code(item) + "  " +
              fit_to_width(item_progress(item), 21, true) + "  " +
              sanitize_for_terminal(
                  text_of(item, "serie_name", text_of(item, "serie_id")));
  auto error = text_of(item, "error");
  if (!error.empty())
    line += "\n    error: " + sanitize_for_terminal(error);
  return line + "\n";
}

} // namespace

std::string text_of(const json& doc, const char* key,
                    const std::string& fallback) {
  if (!doc.is_object())
    return fallback;
  auto i = doc.find(key);
  return i != doc.end() && i->is_string() ? i->get<std::string>() : fallback;
}

std::string id_of(const json& doc, const char* key,
                  const std::string& fallback) {
  if (!doc.is_object())
    return fallback;
  auto i = doc.find(key);
  if (i == doc.end())
    return fallback;
  if (i->is_string())
    return i->get<std::string>();
  if (i->is_number_integer())
    return std::to_string(i->get<std::int64_t>());
  return fallback;
}

std::int64_t int_of(const json& doc, const char* key, std::int64_t fallback) {
  if (!doc.is_object())
    return fallback;
  auto i = doc.find(key);
  if (i == doc.end() || !i->is_number())
    return fallback;
  return i->is_number_float() ? static_cast<std::int64_t>(i->get<double>())
                              : i->get<std::int64_t>();
}

bool bool_of(const json& doc, const char* key) {
  if (!doc.is_object())
    return false;
  auto i = doc.find(key);
  return i != doc.end() && i->is_boolean() && i->get<bool>();
}

std::string error_message(long status, const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    const auto& e = doc["error"];
    auto msg = text_of(e, "message", text_of(e, "code", "error"));
    auto field = text_of(e, "field");
    if (!field.empty() && msg.find(field) == std::string::npos)
      msg = field + ": " + msg;
    return sanitize_for_terminal(msg) + " (HTTP " + std::to_string(status) +
           ")";
  }
  auto start = body.substr(0, 200);
  return "HTTP " + std::to_string(status) +
         (start.empty() ? "" : ": " + sanitize_for_terminal(start));
}

std::string format_queue(const json& status) {
  std::string out = "queue: ";
  out += bool_of(status, "is_running") ? "running" : "stopped";
  if (bool_of(status, "is_paused"))
    out += ", paused";
  if (status.contains("counts") && status["counts"].is_object()) {
    std::string counts;
    for (const auto& [state, n] : status["counts"].items())
      if (n.is_number() && n.get<std::int64_t>() > 0)
        counts += (counts.empty() ? "" : ", ") + sanitize_for_terminal(state) +
                  " " + std::to_string(n.get<std::int64_t>());
    out += " (" + (counts.empty() ? std::string{"empty"} : counts) + ")";
  }
  out += "\n";
  for (const char* list :
       {"active_downloads", "pending_queue", "paused_downloads",
        "failed_downloads", "completed_downloads"}) {
    if (!status.contains(list) || !status[list].is_array())
      continue;
    for (const auto& item : status[list])
      out += item_line(item);
    auto total = status.contains("pages") && status["pages"].contains(list)
                     ? int_of(status["pages"][list], "total", 0)
                     : 0;
    auto shown = static_cast<std::int64_t>(status[list].size());
    if (total > shown)
      out += "    ... " + std::to_string(total - shown) + " more in " +
             std::string{list} + " (see --json and the API's cursors)\n";
  }
  return out;
}

std::string format_health(const json& health) {
  std::string out =
      "gateway: " +
      sanitize_for_terminal(text_of(health, "status", "unknown")) + "\n";
  if (!health.contains("services") || !health["services"].is_object())
    return out;
  for (const auto& [name, svc] : health["services"].items()) {
    auto instances = svc.contains("instances") && svc["instances"].is_array()
                         ? svc["instances"].size()
                         : 0;
    out += "  " + fit_to_width(name, 12, true) + " " +
           fit_to_width(text_of(svc, "status", "?"), 9, true) + " " +
           std::to_string(instances) + " instance(s)";
    auto version = text_of(svc, "version");
    if (!version.empty())
      out += ", version " + sanitize_for_terminal(version);
    out += "\n";
  }
  return out;
}

std::string format_added(const json& result) {
  std::string out;
  if (result.contains("items") && result["items"].is_array())
    for (const auto& item : result["items"])
      out += "added " + item_line(item);
  if (result.contains("skipped") && result["skipped"].is_array())
    for (const auto& s : result["skipped"])
      out += "skipped (already queued): " +
             sanitize_for_terminal(s.is_string() ? s.get<std::string>()
                                                 : s.dump()) +
             "\n";
  return out.empty() ? "nothing added\n" : out;
}

std::string format_series_list(const json& list) {
  std::string out;
  if (list.contains("items") && list["items"].is_array())
    for (const auto& s : list["items"]) {
      auto missing = s.contains("missing") && s["missing"].is_number()
                         ? std::to_string(s["missing"].get<std::int64_t>())
                         : std::string{"?"};
      out += fit_to_width(text_of(s, "key"), 32, true) + "  " +
             fit_to_width(text_of(s, "name"), 40, true) + "  " +
             std::to_string(int_of(s, "episodes_on_disk")) + " on disk, " +
             missing + " missing\n";
    }
  out += std::to_string(int_of(list, "total")) + " series\n";
  return out;
}

std::string format_series_detail(const json& detail) {
  std::string out = sanitize_for_terminal(text_of(detail, "name")) + " [" +
                    sanitize_for_terminal(text_of(detail, "key")) + "]  " +
                    sanitize_for_terminal(text_of(detail, "folder")) + "\n";
  if (!detail.contains("seasons") || !detail["seasons"].is_array())
    return out;
  for (const auto& season : detail["seasons"]) {
    auto n = season.contains("season") && season["season"].is_number()
                 ? "season " + std::to_string(season["season"].get<int>())
                 : std::string{"absolute numbering"};
    out += n + ":\n";
    if (!season.contains("episodes") || !season["episodes"].is_array())
      continue;
    for (const auto& ep : season["episodes"])
      out += "  " + episode_code(ep) + "  " +
             fit_to_width(text_of(ep, "state", "?"), 10, true) + " " +
             sanitize_for_terminal(text_of(ep, "title")) + "\n";
  }
  return out;
}

std::string format_scan(const json& scan) {
  auto out = "scan " + sanitize_for_terminal(id_of(scan, "id", "?")) + ": " +
             sanitize_for_terminal(text_of(scan, "state", "?"));
  for (const char* counter :
       {"folders", "files", "added", "removed", "changed"})
    out += ", " + std::string{counter} + " " +
           std::to_string(int_of(scan, counter));
  auto error = text_of(scan, "error");
  if (!error.empty())
    out += ", error: " + sanitize_for_terminal(error);
  return out + "\n";
}

} // namespace kumo::cli
