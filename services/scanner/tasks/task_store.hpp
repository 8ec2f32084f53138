#pragma once

// The PostgreSQL side of scheduled tasks (scanner_tasks, migration 006), on
// one connection of its own. A run is claimed with UPDATE ... SKIP LOCKED,
// so one occurrence of a task runs on one scanner replica; the claim holds
// a lease that frees the task if its replica dies. pqxx exceptions
// propagate to the caller.

#include "tasks/task_plan.hpp"

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace kumo::scanner {

class task_store {
public:
  explicit task_store(const std::string& database_url);

  /// Creates missing rows and applies each definition's interval; a task
  /// whose interval changed is next due one interval from now, or at its
  /// time due already if that comes first (so a replica starting with its
  /// default before it learns a configured interval delays nothing).
  void sync(const std::vector<task_definition>& defs);

  /// Ends the runs whose lease ran out (outcome "lost"), then claims every
  /// task of `defs` that is due or requested and not running, for
  /// `instance`; returns the claimed names.
  std::vector<std::string> claim_due(const std::vector<task_definition>& defs,
                                     const std::string& instance);

  /// Records the end of a run claimed by `instance`; false when the claim
  /// is no longer held (its lease ran out).
  bool finish(const std::string& name, const std::string& instance,
              const std::string& outcome, const nlohmann::json& summary,
              const std::string& error);

  /// Asks for a run as soon as a replica can: false (nothing changed) when
  /// the task runs now.
  bool request_run(const std::string& name);

  /// Every task row, by name.
  std::vector<task_row> list();

  /// One task row; throws std::out_of_range when absent.
  task_row get(const std::string& name);

private:
  std::unique_ptr<pqxx::connection> db_;
};

} // namespace kumo::scanner
