#include "tasks/task_store.hpp"

#include <stdexcept>

namespace kumo::scanner {

namespace {

/// A timestamp column as ISO 8601 UTC text, "" for null.
std::string iso(const char* column) {
  return std::string("coalesce(to_char(") + column +
         R"( AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''))";
}

const std::string row_columns =
    "name, interval_s, " + iso("next_run_at") + ", " + iso("run_requested_at") +
    ", running_on, " + iso("last_started_at") + ", " + iso("last_finished_at") +
    ", last_outcome, last_summary::text, last_error, runs";

task_row read_row(const pqxx::row& r) {
  task_row t;
  t.name = r[0].as<std::string>();
  t.interval_s = r[1].as<std::int64_t>();
  t.next_run_at = r[2].as<std::string>();
  t.run_requested_at = r[3].as<std::string>();
  t.running_on = r[4].as<std::string>();
  t.last_started_at = r[5].as<std::string>();
  t.last_finished_at = r[6].as<std::string>();
  t.last_outcome = r[7].as<std::string>();
  t.last_summary =
      nlohmann::json::parse(r[8].as<std::string>(), nullptr, false);
  if (t.last_summary.is_discarded())
    t.last_summary = nlohmann::json::object();
  t.last_error = r[9].as<std::string>();
  t.runs = r[10].as<std::int64_t>();
  return t;
}

} // namespace

task_store::task_store(const std::string& database_url)
    : db_(std::make_unique<pqxx::connection>(database_url)) {}

void task_store::sync(const std::vector<task_definition>& defs) {
  pqxx::work w(*db_);
  for (const auto& d : defs)
    w.exec_params(
        "INSERT INTO scanner_tasks (name, interval_s, next_run_at)"
        " VALUES ($1, $2, CASE WHEN $2 > 0 THEN now() + make_interval(secs "
        "=> $2) END)"
        " ON CONFLICT (name) DO UPDATE SET interval_s = EXCLUDED.interval_s,"
        "  next_run_at = CASE WHEN EXCLUDED.interval_s = 0 THEN NULL"
        "   WHEN scanner_tasks.interval_s <> EXCLUDED.interval_s"
        "     OR scanner_tasks.next_run_at IS NULL"
        "   THEN least(scanner_tasks.next_run_at, EXCLUDED.next_run_at)"
        "   ELSE scanner_tasks.next_run_at END,"
        "  updated_at = now()",
        d.name, static_cast<std::int64_t>(d.interval.count()));
  w.commit();
}

std::vector<std::string>
task_store::claim_due(const std::vector<task_definition>& defs,
                      const std::string& instance) {
  pqxx::work w(*db_);
  w.exec("UPDATE scanner_tasks SET running_on = '', lease_expires = NULL,"
         " last_outcome = 'lost', last_finished_at = now(),"
         " last_error = 'the replica running it stopped answering',"
         " updated_at = now()"
         " WHERE running_on <> '' AND lease_expires < now()");
  std::vector<std::string> claimed;
  for (const auto& d : defs) {
    auto rows = w.exec_params(
        "UPDATE scanner_tasks t SET running_on = $2,"
        " lease_expires = now() + make_interval(secs => $3),"
        " last_started_at = now(), last_finished_at = NULL,"
        " last_outcome = '', last_error = '', last_summary = '{}',"
        " run_requested_at = NULL, runs = t.runs + 1, updated_at = now(),"
        " next_run_at = CASE WHEN t.interval_s > 0"
        "   THEN now() + make_interval(secs => t.interval_s) END"
        " WHERE t.name = (SELECT name FROM scanner_tasks WHERE name = $1"
        "   AND running_on = ''"
        "   AND (run_requested_at IS NOT NULL OR next_run_at <= now())"
        "   FOR UPDATE SKIP LOCKED)"
        " RETURNING t.name",
        d.name, instance, static_cast<std::int64_t>(d.max_runtime.count()));
    if (!rows.empty())
      claimed.push_back(d.name);
  }
  w.commit();
  return claimed;
}

bool task_store::finish(const std::string& name, const std::string& instance,
                        const std::string& outcome,
                        const nlohmann::json& summary,
                        const std::string& error) {
  pqxx::work w(*db_);
  auto rows = w.exec_params(
      "UPDATE scanner_tasks SET running_on = '', lease_expires = NULL,"
      " last_finished_at = now(), last_outcome = $3,"
      " last_summary = $4::jsonb, last_error = left($5, 1000),"
      " updated_at = now()"
      " WHERE name = $1 AND running_on = $2 RETURNING name",
      name, instance, outcome, summary.dump(), error);
  w.commit();
  return !rows.empty();
}

bool task_store::request_run(const std::string& name) {
  pqxx::work w(*db_);
  auto rows = w.exec_params(
      "UPDATE scanner_tasks SET run_requested_at = now(), updated_at = now()"
      " WHERE name = $1 AND running_on = '' RETURNING name",
      name);
  w.commit();
  return !rows.empty();
}

std::vector<task_row> task_store::list() {
  pqxx::read_transaction r(*db_);
  std::vector<task_row> out;
  for (const auto& row :
       r.exec("SELECT " + row_columns + " FROM scanner_tasks ORDER BY name"))
    out.push_back(read_row(row));
  return out;
}

task_row task_store::get(const std::string& name) {
  pqxx::read_transaction r(*db_);
  auto rows = r.exec_params(
      "SELECT " + row_columns + " FROM scanner_tasks WHERE name = $1", name);
  if (rows.empty())
    throw std::out_of_range("no task " + name);
  return read_row(rows[0]);
}

} // namespace kumo::scanner
