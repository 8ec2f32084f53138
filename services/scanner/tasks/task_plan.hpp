#pragma once

// Scheduled tasks of the scanner (docs/library.md, "Scheduled tasks"): what
// each task is, how its request is checked, and how its row reads in the
// API. Pure logic: nlohmann_json and kumo::result only.

#include "kumo/result.hpp"

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::scanner {

/// One task the scanner can run.
struct task_definition {
  std::string name;  ///< identifier in the API: [a-z][a-z0-9_]{0,39}
  std::string title; ///< for people
  std::chrono::seconds interval{0};       ///< 0: on demand only
  std::chrono::seconds max_runtime{3600}; ///< claim lease; then "lost"
};

/// The stored state of a task (scanner_tasks); times are ISO 8601 UTC
/// text as PostgreSQL formats them, "" for none.
struct task_row {
  std::string name;
  std::int64_t interval_s = 0;
  std::string next_run_at;
  std::string run_requested_at;
  std::string running_on; ///< "" when idle
  std::string last_started_at;
  std::string last_finished_at;
  std::string last_outcome; ///< "", complete, failed, skipped, cancelled, lost
  nlohmann::json last_summary = nlohmann::json::object();
  std::string last_error;
  std::int64_t runs = 0;
};

/// The tasks of this scanner: `rescan` (a full scan of every root) every
/// `scan_interval` (0: on demand only); `monitor_check` (every monitored
/// series with a provider checked now; on demand only, as monitored series
/// follow their own check schedule); `purge` (queue and scan history older
/// than history.keep_days) daily until history.purge_interval_s says
/// otherwise.
std::vector<task_definition>
scanner_tasks(std::chrono::milliseconds scan_interval);

/// Checks a task name from a request against `known`; a failure names the
/// field `name` (invalid_argument for a malformed one, not_found for an
/// unknown one).
result<std::string> check_task_name(const nlohmann::json& body,
                                    const std::vector<task_definition>& known);

/// How a finished run reads: "complete", "failed", "skipped" or
/// "cancelled" from a scan's final state ("complete", "failed",
/// "cancelled", "busy").
std::string outcome_of_scan(const std::string& scan_state);

/// The API object of a task: name, title, interval_s, state
/// ("idle" | "running" | "requested"), next_run_at, last run.
nlohmann::json task_json(const task_definition& def, const task_row& row);

} // namespace kumo::scanner
