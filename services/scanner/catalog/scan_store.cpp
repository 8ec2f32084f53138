#include "catalog/scan_store.hpp"

#include "catalog/catalog_store.hpp"
#include "history/history_imported.hpp"

#include <iterator>
#include <tuple>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

const char* const lock_sql =
    "SELECT pg_try_advisory_lock(hashtext('kumo.scanner'), hashtext($1))";

const char* const temp_tables_sql =
    "CREATE TEMP TABLE IF NOT EXISTS scan_in (series_id bigint, path text,"
    " size bigint, mtime_us bigint, resolution text, quality text, grp text,"
    " season int, episode int, absolute int) ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS scan_gone (series_id bigint, path text)"
    " ON COMMIT DELETE ROWS";

// The statements of one write, in order; -1 stands for "no number" in
// scan_in. Every join is an equality on a unique index of the catalog, so a
// statement costs what its rows cost, not what the catalog holds.
const char* const upsert_sql[] = {
    "INSERT INTO scanner_files (series_id, path, size, mtime, resolution,"
    " quality, release_group) SELECT DISTINCT ON (series_id, path) series_id,"
    " path, size, to_timestamp(mtime_us / 1000000) + (mtime_us % 1000000) *"
    " interval '1 microsecond', left(resolution, 20), left(quality, 50),"
    " left(grp, 100) FROM scan_in ORDER BY series_id, path"
    " ON CONFLICT (series_id, path) DO UPDATE SET size = EXCLUDED.size,"
    " mtime = EXCLUDED.mtime, resolution = EXCLUDED.resolution,"
    " quality = EXCLUDED.quality, release_group = EXCLUDED.release_group,"
    " seen_at = now()",
    "INSERT INTO scanner_episodes (series_id, season, episode, state)"
    " SELECT DISTINCT series_id, season, episode, 'on_disk' FROM scan_in"
    " WHERE season BETWEEN 0 AND 10000 AND episode BETWEEN 0 AND 100000"
    " ON CONFLICT (series_id, season, episode) WHERE season IS NOT NULL"
    " DO UPDATE SET state = 'on_disk', updated_at = now()"
    " WHERE scanner_episodes.state <> 'on_disk'",
    "INSERT INTO scanner_episodes (series_id, absolute, state)"
    " SELECT DISTINCT series_id, absolute, 'on_disk' FROM scan_in"
    " WHERE season = -1 AND absolute BETWEEN 0 AND 1000000"
    " ON CONFLICT (series_id, absolute) WHERE absolute IS NOT NULL"
    " DO UPDATE SET state = 'on_disk', updated_at = now()"
    " WHERE scanner_episodes.state <> 'on_disk'",
    // The links, by season/episode and by absolute number apart: one join
    // with both in an OR cannot use either index.
    "INSERT INTO scanner_episode_files (episode_id, file_id)"
    " SELECT DISTINCT e.id, f.id FROM scan_in i"
    " JOIN scanner_files f ON f.series_id = i.series_id AND f.path = i.path"
    " JOIN scanner_episodes e ON e.series_id = i.series_id AND"
    " e.season = i.season AND e.episode = i.episode WHERE i.season >= 0"
    " ON CONFLICT DO NOTHING",
    "INSERT INTO scanner_episode_files (episode_id, file_id)"
    " SELECT DISTINCT e.id, f.id FROM scan_in i"
    " JOIN scanner_files f ON f.series_id = i.series_id AND f.path = i.path"
    " JOIN scanner_episodes e ON e.series_id = i.series_id AND"
    " e.absolute = i.absolute WHERE i.season = -1 AND i.absolute >= 0"
    " ON CONFLICT DO NOTHING",
};

const char* const removal_sql[] = {
    "DELETE FROM scanner_files f USING scan_gone g"
    " WHERE f.series_id = g.series_id AND f.path = g.path",
    // Episodes that lost their last file: back to missing when the provider
    // lists them, gone when nothing else knows them.
    "UPDATE scanner_episodes e SET state = 'missing', updated_at = now()"
    " WHERE e.series_id IN (SELECT DISTINCT series_id FROM scan_gone)"
    " AND e.state = 'on_disk' AND e.provider AND NOT EXISTS (SELECT 1 FROM"
    " scanner_episode_files l WHERE l.episode_id = e.id)",
    "DELETE FROM scanner_episodes e"
    " WHERE e.series_id IN (SELECT DISTINCT series_id FROM scan_gone)"
    " AND NOT e.provider AND e.state IN ('on_disk', 'missing') AND NOT EXISTS"
    " (SELECT 1 FROM scanner_episode_files l WHERE l.episode_id = e.id)",
};

/// Temporary tables have no statistics until analysed: without them the
/// planner takes a large scan_in for a few rows and joins it badly.
constexpr std::size_t analyse_from_rows = 1000;

using in_row = std::tuple<std::int64_t, std::string, std::int64_t, std::int64_t,
                          std::string, std::string, std::string, int, int, int>;

void copy_upserts(std::int64_t id, const series_plan& plan,
                  pqxx::stream_to& in) {
  for (const auto& f : plan.upserts) {
    in_row row{id,
               f.path,
               static_cast<std::int64_t>(f.size),
               f.mtime_ns / 1000,
               f.resolution,
               f.quality,
               f.group,
               -1,
               -1,
               -1};
    if (f.episodes.empty())
      in << row;
    for (const auto& e : f.episodes) {
      std::get<7>(row) = e.season.value_or(-1);
      std::get<8>(row) = e.episode.value_or(-1);
      std::get<9>(row) = e.absolute.value_or(-1);
      in << row;
    }
  }
}

} // namespace

scan_store::scan_store(const std::string& database_url)
    : conn_(std::make_unique<pqxx::connection>(database_url)) {
  pqxx::nontransaction n(*conn_);
  n.exec(temp_tables_sql);
}

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

void scan_store::apply(
    const std::vector<std::pair<std::int64_t, series_plan>>& plans) {
  std::size_t upserts = 0, removals = 0;
  for (const auto& [id, plan] : plans) {
    upserts += plan.upserts.size();
    removals += plan.removals.size();
  }
  pqxx::work w(*conn_);
  if (upserts > 0) {
    pqxx::stream_to in(w, "scan_in");
    for (const auto& [id, plan] : plans)
      copy_upserts(id, plan, in);
    in.complete();
  }
  if (removals > 0) {
    pqxx::stream_to gone(w, "scan_gone");
    for (const auto& [id, plan] : plans)
      for (const auto& path : plan.removals)
        gone << std::make_tuple(id, path);
    gone.complete();
  }
  if (upserts >= analyse_from_rows)
    w.exec("ANALYZE scan_in");
  if (removals >= analyse_from_rows)
    w.exec("ANALYZE scan_gone");
  // The files gone first, the episodes that lost their last file last: a
  // file renamed in this write keeps its episode on disk.
  if (removals > 0)
    w.exec(removal_sql[0]);
  record_imported(w, plans); // before the upserts: compares with the catalog
  if (upserts > 0)
    for (const char* sql : upsert_sql)
      w.exec(sql);
  if (removals > 0)
    for (std::size_t i = 1; i < std::size(removal_sql); ++i)
      w.exec(removal_sql[i]);
  w.commit();
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
  w.exec_params("DELETE FROM scanner_unmatched WHERE root = $1", root);
  for (const auto& u : rows)
    w.exec_params("INSERT INTO scanner_unmatched (root, folder, name, year,"
                  " files) VALUES ($1, $2, $3, NULLIF($4, '')::int, $5)",
                  root, u.folder, u.name,
                  u.year ? std::to_string(*u.year) : std::string(), u.files);
  w.commit();
}

} // namespace kumo::scanner
