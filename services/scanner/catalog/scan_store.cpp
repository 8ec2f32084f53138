#include "catalog/scan_store.hpp"

#include "catalog/catalog_store.hpp"
#include "catalog/scan_write.hpp"
#include "history/history_imported.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

const char* const lock_sql =
    "SELECT pg_try_advisory_lock(hashtext('kumo.scanner'), hashtext($1))";

/// The scan row's start and heartbeats and the unmatched folders commit
/// without waiting for the WAL flush: losing them to a crash of PostgreSQL
/// loses nothing a scan needs (that crash ends the scan's session too). The
/// catalog batches and the scan's final row (finish) wait, and their flush
/// carries these along.
void no_flush_wait(pqxx::work& w) {
  w.exec("SET LOCAL synchronous_commit TO off");
}

} // namespace

scan_store::scan_store(const std::string& database_url)
    : conn_(std::make_unique<pqxx::connection>(database_url)) {}

bool scan_store::try_lock(const std::vector<std::string>& roots) {
  std::vector<std::string> held;
  pqxx::nontransaction n(*conn_);
  for (const auto& root : roots) {
    if (n.exec_params(lock_sql, root)[0][0].as<bool>()) {
      held.push_back(root);
      continue;
    }
    for (const auto& h : held)
      n.exec_params("SELECT pg_advisory_unlock(hashtext('kumo.scanner'), "
                    "hashtext($1))",
                    h);
    return false;
  }
  return true;
}

json scan_store::running_scan() {
  pqxx::work w(*conn_);
  auto rows = w.exec(std::string("SELECT ") + scan_sql +
                     "::text FROM scanner_scans c WHERE " + scan_live_sql +
                     " ORDER BY c.id DESC LIMIT 1");
  w.commit();
  return rows.empty() ? json(nullptr) : json::parse(rows[0][0].c_str());
}

json scan_store::begin(const std::string& kind, const std::string& key,
                       const std::string& owner) {
  pqxx::work w(*conn_);
  no_flush_wait(w);
  w.exec("UPDATE scanner_scans SET state = 'failed', finished_at = now(),"
         " error = 'the scanning replica stopped' WHERE state = 'running'");
  auto rows = w.exec_params(
      std::string(
          "INSERT INTO scanner_scans AS c (kind, "
          "key, owner, backend_pid) VALUES ($1, $2, $3, pg_backend_pid()) "
          "RETURNING ") +
          scan_sql + "::text",
      kind, key, owner);
  w.commit();
  return json::parse(rows[0][0].c_str());
}

bool scan_store::heartbeat(std::int64_t id, const json& counters) {
  pqxx::work w(*conn_);
  no_flush_wait(w);
  auto rows = w.exec_params(
      "UPDATE scanner_scans SET heartbeat_at = now(), counters = $2::jsonb"
      " WHERE id = $1 RETURNING cancel_requested",
      id, counters.dump());
  w.commit();
  return !rows.empty() && rows[0][0].as<bool>();
}

json scan_store::finish(std::int64_t id, const std::string& state,
                        const json& counters, const std::string& error) {
  pqxx::work w(*conn_);
  auto rows = w.exec_params(
      std::string("UPDATE scanner_scans c SET state = $2, finished_at = "
                  "now(), heartbeat_at = now(), counters = $3::jsonb, error "
                  "= $4 WHERE id = $1 RETURNING ") +
          scan_sql + "::text",
      id, state, counters.dump(), error);
  w.commit();
  return rows.empty() ? json(nullptr) : json::parse(rows[0][0].c_str());
}

std::unordered_map<std::string, series_row>
scan_store::series_of(const std::string& root, const std::string& main_root) {
  pqxx::work w(*conn_);
  auto rows = w.exec_params(
      "SELECT id, key, folder FROM scanner_series WHERE deleted_at IS NULL"
      " AND (root = $1 OR (root = '' AND $1 = $2))",
      root, main_root);
  w.commit();
  std::unordered_map<std::string, series_row> out;
  for (const auto& r : rows)
    out[r[2].as<std::string>()] = {r[0].as<std::int64_t>(),
                                   r[1].as<std::string>(), root,
                                   r[2].as<std::string>()};
  return out;
}

std::optional<series_row> scan_store::series_by_key(const std::string& key) {
  pqxx::work w(*conn_);
  auto rows = w.exec_params("SELECT id, key, root, folder FROM scanner_series"
                            " WHERE key = $1 AND deleted_at IS NULL",
                            key);
  w.commit();
  if (rows.empty())
    return std::nullopt;
  return series_row{rows[0][0].as<std::int64_t>(), rows[0][1].as<std::string>(),
                    rows[0][2].as<std::string>(), rows[0][3].as<std::string>()};
}

std::unordered_map<std::int64_t, std::vector<catalog_file>>
scan_store::files_of(const std::vector<std::int64_t>& ids) {
  std::unordered_map<std::int64_t, std::vector<catalog_file>> out;
  if (ids.empty())
    return out;
  std::string list;
  for (auto id : ids)
    list += (list.empty() ? "" : ",") + std::to_string(id);
  pqxx::work w(*conn_);
  auto rows = w.exec("SELECT series_id, path, size, (extract(epoch FROM "
                     "mtime) * 1000000)::bigint FROM scanner_files WHERE "
                     "series_id IN (" +
                     list + ")");
  w.commit();
  for (const auto& r : rows)
    out[r[0].as<std::int64_t>()].push_back({r[1].as<std::string>(),
                                            r[2].as<std::uint64_t>(),
                                            r[3].as<std::int64_t>() * 1000});
  return out;
}

void scan_store::apply(const series_plans& plans) {
  for (bool direct : {true, false}) {
    try {
      pqxx::work w(*conn_);
      record_imported(w, plans); // before the writes: compares with them
      write_plans(w, plans, direct);
      w.commit(); // the batch's new and changed files are in the catalog
      return;
    } catch (const pqxx::unique_violation&) {
      if (!direct)
        throw;
      // A concurrent writer added an episode to a series written directly:
      // the whole batch again, by upsert.
    }
  }
}

catalog_totals read_catalog_totals(pqxx::work& w) {
  auto r = w.exec(
      "SELECT (SELECT count(*) FROM scanner_series WHERE deleted_at IS NULL),"
      " (SELECT count(*) FROM scanner_unmatched u WHERE NOT EXISTS (SELECT 1"
      " FROM scanner_series s WHERE s.deleted_at IS NULL AND"
      " s.folder = u.folder)),"
      " count(*) FILTER (WHERE e.provider AND e.state = 'missing'),"
      " count(*) FILTER (WHERE e.state = 'on_disk')"
      " FROM scanner_episodes e JOIN scanner_series s ON s.id = e.series_id"
      " AND s.deleted_at IS NULL");
  return {r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(),
          r[0][2].as<std::int64_t>(), r[0][3].as<std::int64_t>()};
}

catalog_totals scan_store::catalog_counts() {
  pqxx::work w(*conn_);
  auto totals = read_catalog_totals(w);
  w.commit();
  return totals;
}

void scan_store::replace_unmatched(const std::string& root,
                                   const std::vector<unmatched_row>& rows) {
  pqxx::work w(*conn_);
  no_flush_wait(w);
  w.exec_params("DELETE FROM scanner_unmatched WHERE root = $1", root);
  for (const auto& u : rows)
    w.exec_params("INSERT INTO scanner_unmatched (root, folder, name, year,"
                  " files) VALUES ($1, $2, $3, NULLIF($4, '')::int, $5)",
                  root, u.folder, u.name,
                  u.year ? std::to_string(*u.year) : std::string(), u.files);
  w.commit();
}

} // namespace kumo::scanner
