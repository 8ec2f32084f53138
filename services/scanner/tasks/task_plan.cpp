#include "tasks/task_plan.hpp"

#include <algorithm>

namespace kumo::scanner {

using json = nlohmann::json;

std::vector<task_definition>
scanner_tasks(std::chrono::milliseconds scan_interval) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  return {
      {"rescan", "Library rescan", duration_cast<seconds>(scan_interval),
       std::chrono::hours(6)},
      // Monitored series keep their own schedule (monitor_interval, or a
      // series' check_interval_s); this task checks every one of them now.
      {"monitor_check", "Check every monitored series for new episodes",
       seconds(0), std::chrono::hours(1)},
      // history.purge_interval_s changes it at runtime (history/).
      {"purge", "Purge old queue history", seconds(86'400),
       std::chrono::hours(1)},
      {"retention", "Retention and storage limit", std::chrono::hours(1),
       std::chrono::hours(1)},
  };
}

result<std::string> check_task_name(const json& body,
                                    const std::vector<task_definition>& known) {
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string())
    return invalid("a task name (text) is required", "name");
  const auto& name = body["name"].get_ref<const std::string&>();
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (name.empty() || name.size() > 40 || !(name[0] >= 'a' && name[0] <= 'z') ||
      !std::all_of(name.begin(), name.end(), word))
    return invalid("a task name is 1 to 40 of a-z, 0-9 and _, starting "
                   "with a letter",
                   "name");
  auto found = std::find_if(known.begin(), known.end(),
                            [&](const auto& d) { return d.name == name; });
  if (found == known.end())
    return failure{errc::not_found, "no task named '" + name + "'", "name"};
  return name;
}

std::string outcome_of_scan(const std::string& scan_state) {
  if (scan_state == "complete" || scan_state == "cancelled")
    return scan_state;
  if (scan_state == "busy")
    return "skipped";
  return "failed";
}

namespace {

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

} // namespace

json task_json(const task_definition& def, const task_row& row) {
  std::string state = !row.running_on.empty()         ? "running"
                      : !row.run_requested_at.empty() ? "requested"
                                                      : "idle";
  json last = nullptr;
  if (!row.last_started_at.empty())
    last = {{"started_at", text_or_null(row.last_started_at)},
            {"finished_at", text_or_null(row.last_finished_at)},
            {"outcome", text_or_null(row.last_outcome)},
            {"summary", row.last_summary},
            {"error", text_or_null(row.last_error)}};
  return {{"name", def.name},
          {"title", def.title},
          {"interval_s", row.interval_s},
          {"scheduled", row.interval_s > 0},
          {"state", state},
          {"running_on", text_or_null(row.running_on)},
          {"next_run_at", text_or_null(row.next_run_at)},
          {"runs", row.runs},
          {"last_run", last}};
}

} // namespace kumo::scanner
