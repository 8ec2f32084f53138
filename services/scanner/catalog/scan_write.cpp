#include "catalog/scan_write.hpp"

#include "catalog/copy_rows.hpp"
#include "catalog/file_episodes.hpp"

#include <algorithm>
#include <iterator>
#include <tuple>

namespace kumo::scanner {

namespace {

const char* const temp_tables_sql =
    "CREATE TEMP TABLE scan_in (series_id bigint, path text,"
    " size bigint, mtime timestamptz, resolution text, quality text,"
    " release_group text, season int, episodes int[], absolutes int[])"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE scan_gone (series_id bigint, path text)"
    " ON COMMIT DELETE ROWS";

/// Columns of a file row: scanner_files and scan_in alike.
const std::vector<std::string> file_columns = {
    "series_id", "path",          "size",   "mtime",    "resolution",
    "quality",   "release_group", "season", "episodes", "absolutes"};

const std::vector<std::string> episode_columns = {
    "series_id", "season", "episode", "absolute", "state"};

/// The series of `ids` with no file and no episode row: a first scan.
const char* const fresh_sql =
    "SELECT i FROM unnest($1::bigint[]) i WHERE"
    " NOT EXISTS (SELECT 1 FROM scanner_files f WHERE f.series_id = i) AND"
    " NOT EXISTS (SELECT 1 FROM scanner_episodes e WHERE e.series_id = i AND"
    " e.season IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM scanner_episodes e"
    " WHERE e.series_id = i AND e.absolute IS NOT NULL)";

// The upserts, in order. Every conflict target is a unique index of the
// catalog, so a statement costs what its rows cost.
const char* const upsert_sql[] = {
    "INSERT INTO scanner_files (series_id, path, size, mtime, resolution,"
    " quality, release_group, season, episodes, absolutes)"
    " SELECT DISTINCT ON (series_id, path) * FROM scan_in"
    " ORDER BY series_id, path"
    " ON CONFLICT (series_id, path) DO UPDATE SET size = EXCLUDED.size,"
    " mtime = EXCLUDED.mtime, resolution = EXCLUDED.resolution,"
    " quality = EXCLUDED.quality, release_group = EXCLUDED.release_group,"
    " season = EXCLUDED.season, episodes = EXCLUDED.episodes,"
    " absolutes = EXCLUDED.absolutes, seen_at = now()",
    "INSERT INTO scanner_episodes (series_id, season, episode, state)"
    " SELECT DISTINCT i.series_id, i.season, n, 'on_disk' FROM scan_in i,"
    " unnest(i.episodes) n WHERE i.season IS NOT NULL"
    " ON CONFLICT (series_id, season, episode) WHERE season IS NOT NULL"
    " DO UPDATE SET state = 'on_disk', updated_at = now()"
    " WHERE scanner_episodes.state <> 'on_disk'",
    "INSERT INTO scanner_episodes (series_id, absolute, state)"
    " SELECT DISTINCT i.series_id, a, 'on_disk' FROM scan_in i,"
    " unnest(i.absolutes) a"
    " ON CONFLICT (series_id, absolute) WHERE absolute IS NOT NULL"
    " DO UPDATE SET state = 'on_disk', updated_at = now()"
    " WHERE scanner_episodes.state <> 'on_disk'",
};

const char* const removal_sql[] = {
    "DELETE FROM scanner_files f USING scan_gone g"
    " WHERE f.series_id = g.series_id AND f.path = g.path",
    // Episodes that lost their last file: back to missing when the provider
    // lists them, gone when nothing else knows them.
    "UPDATE scanner_episodes e SET state = 'missing', updated_at = now()"
    " WHERE e.series_id IN (SELECT DISTINCT series_id FROM scan_gone)"
    " AND e.state = 'on_disk' AND e.provider AND NOT EXISTS (SELECT 1 FROM"
    " scanner_files f WHERE f.series_id = e.series_id AND "
    "" KUMO_FILE_HOLDS_EPISODE ")",
    "DELETE FROM scanner_episodes e"
    " WHERE e.series_id IN (SELECT DISTINCT series_id FROM scan_gone)"
    " AND NOT e.provider AND e.state IN ('on_disk', 'missing') AND NOT EXISTS"
    " (SELECT 1 FROM scanner_files f WHERE f.series_id = e.series_id AND "
    "" KUMO_FILE_HOLDS_EPISODE ")",
};

/// Temporary tables have no statistics until analysed: without them the
/// planner takes a large scan_in for a few rows and joins it badly.
constexpr std::size_t analyse_from_rows = 1000;

/// COPY rows of the files of one series; returns their numbers.
std::vector<file_numbers> copy_files(std::int64_t id, const series_plan& plan,
                                     pqxx::stream_to& out) {
  std::vector<file_numbers> numbers;
  numbers.reserve(plan.upserts.size());
  for (const auto& f : plan.upserts) {
    numbers.push_back(numbers_of(f));
    const auto& n = numbers.back();
    std::string season = n.season ? std::to_string(*n.season) : "";
    out << std::make_tuple(
        id, f.path, static_cast<std::int64_t>(f.size),
        timestamp_text(f.mtime_ns), cut_chars(f.resolution, 20),
        cut_chars(f.quality, 50), cut_chars(f.group, 100),
        n.season ? season.c_str() : nullptr, int_array_text(n.episodes),
        int_array_text(n.absolutes));
  }
  return numbers;
}

void copy_episodes(std::int64_t id, const std::vector<file_numbers>& files,
                   pqxx::stream_to& out) {
  const char* none = nullptr;
  auto eps = episodes_of(files);
  for (const auto& [season, episode] : eps.numbered)
    out << std::make_tuple(id, season, episode, none, "on_disk");
  for (int a : eps.absolutes)
    out << std::make_tuple(id, none, none, a, "on_disk");
}

/// The series of `plans` that have no catalog rows yet.
std::vector<bool> fresh_series(pqxx::work& w, const series_plans& plans) {
  std::string ids = "{";
  for (const auto& [id, plan] : plans)
    ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
  std::vector<std::int64_t> fresh;
  for (const auto& row : w.exec_params(fresh_sql, ids + "}"))
    fresh.push_back(row[0].as<std::int64_t>());
  std::vector<bool> out;
  for (const auto& [id, plan] : plans)
    out.push_back(std::find(fresh.begin(), fresh.end(), id) != fresh.end() &&
                  plan.removals.empty());
  return out;
}

/// COPY straight into the catalog: the files, then their episodes.
void write_direct(pqxx::work& w, const series_plans& plans,
                  const std::vector<bool>& fresh) {
  std::vector<std::vector<file_numbers>> numbers(plans.size());
  {
    pqxx::stream_to files(w, "scanner_files", file_columns);
    for (std::size_t i = 0; i < plans.size(); ++i)
      if (fresh[i])
        numbers[i] = copy_files(plans[i].first, plans[i].second, files);
    files.complete();
  }
  pqxx::stream_to episodes(w, "scanner_episodes", episode_columns);
  for (std::size_t i = 0; i < plans.size(); ++i)
    if (fresh[i])
      copy_episodes(plans[i].first, numbers[i], episodes);
  episodes.complete();
}

/// Through scan_in and scan_gone: the series that have catalog rows.
void write_upserts(pqxx::work& w, const series_plans& plans,
                   const std::vector<bool>& fresh) {
  std::size_t upserts = 0, removals = 0;
  for (std::size_t i = 0; i < plans.size(); ++i)
    if (!fresh[i]) {
      upserts += plans[i].second.upserts.size();
      removals += plans[i].second.removals.size();
    }
  // Made on first use, in this transaction: a scan that writes nothing
  // (a no-change rescan) does not pay for them.
  if (w.exec("SELECT to_regclass('pg_temp.scan_gone')")[0][0].is_null())
    w.exec(temp_tables_sql);
  if (upserts > 0) {
    pqxx::stream_to in(w, "scan_in", file_columns);
    for (std::size_t i = 0; i < plans.size(); ++i)
      if (!fresh[i])
        copy_files(plans[i].first, plans[i].second, in);
    in.complete();
  }
  if (removals > 0) {
    pqxx::stream_to gone(w, "scan_gone");
    for (std::size_t i = 0; i < plans.size(); ++i)
      if (!fresh[i])
        for (const auto& path : plans[i].second.removals)
          gone << std::make_tuple(plans[i].first, path);
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
  if (upserts > 0)
    for (const char* sql : upsert_sql)
      w.exec(sql);
  if (removals > 0)
    for (std::size_t i = 1; i < std::size(removal_sql); ++i)
      w.exec(removal_sql[i]);
}

} // namespace

void write_plans(pqxx::work& w, const series_plans& plans, bool direct) {
  auto fresh =
      direct ? fresh_series(w, plans) : std::vector<bool>(plans.size(), false);
  if (std::find(fresh.begin(), fresh.end(), true) != fresh.end())
    write_direct(w, plans, fresh);
  if (std::find(fresh.begin(), fresh.end(), false) != fresh.end())
    write_upserts(w, plans, fresh);
}

} // namespace kumo::scanner
