#include "history/history_imported.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_set>

namespace kumo::scanner {

namespace {

/// The series whose first complete scan is behind them: a complete full or
/// watch scan, or a complete scan of the series itself, started after the
/// series was added. One pass over the scan records, whatever the count of
/// series. `%IDS%` stands for the ids.
const char* const scanned_sql =
    "SELECT s.id FROM scanner_series s LEFT JOIN (SELECT key,"
    " max(started_at) AS at FROM scanner_scans WHERE state = 'complete' AND"
    " kind = 'series' GROUP BY key) k ON k.key = s.key WHERE s.id IN (%IDS%)"
    " AND (s.created_at < (SELECT max(started_at) FROM scanner_scans WHERE"
    " state = 'complete' AND kind <> 'series') OR s.created_at < k.at)";

/// The rows of the paths the catalog does not hold yet; the reason is the
/// kind of the scan this connection runs (scan_store::begin records its
/// backend pid). `%ROWS%` stands for the VALUES rows.
const char* const insert_sql =
    "INSERT INTO scanner_series_history (series_id, action, season, episode,"
    " path, bytes, reason) SELECT v.sid, 'imported', v.season, v.episode,"
    " v.path, v.bytes, coalesce((SELECT CASE kind WHEN 'watch' THEN 'watch'"
    " ELSE 'scan' END FROM scanner_scans WHERE state = 'running' AND"
    " backend_pid = pg_backend_pid() ORDER BY id DESC LIMIT 1), 'scan')"
    " FROM (VALUES %ROWS%) AS v(sid, path, bytes, season, episode)"
    " WHERE NOT EXISTS (SELECT 1 FROM scanner_files f WHERE"
    " f.series_id = v.sid AND f.path = v.path)";

std::string with(std::string sql, const std::string& mark,
                 const std::string& text) {
  return sql.replace(sql.find(mark), mark.size(), text);
}

std::string number(const std::optional<int>& n) {
  return n ? std::to_string(*n) + "::int" : std::string("NULL::int");
}

std::unordered_set<std::int64_t>
scanned_series(pqxx::work& w, const std::vector<std::int64_t>& ids) {
  std::string list;
  for (auto id : ids)
    list += (list.empty() ? "" : ",") + std::to_string(id);
  std::unordered_set<std::int64_t> out;
  for (const auto& row : w.exec(with(scanned_sql, "%IDS%", list)))
    out.insert(row[0].as<std::int64_t>());
  return out;
}

/// Appends the VALUES rows of `files` of series `id` to `rows`.
void append_rows(pqxx::work& w, std::int64_t id,
                 const std::vector<imported_file>& files, std::string& rows) {
  for (const auto& f : files)
    rows += (rows.empty() ? "(" : ",(") + std::to_string(id) + "::bigint," +
            w.quote(f.path) + "::text," + std::to_string(f.bytes) +
            "::bigint," + number(f.season) + "," + number(f.episode) + ")";
}

} // namespace

std::vector<imported_file> imported_files(const series_plan& plan) {
  std::vector<imported_file> out;
  out.reserve(plan.upserts.size());
  for (const auto& f : plan.upserts) {
    imported_file file{f.path, f.size, std::nullopt, std::nullopt};
    auto numbered = std::find_if(
        f.episodes.begin(), f.episodes.end(),
        [](const episode_ref& e) { return e.season && e.episode; });
    if (numbered != f.episodes.end()) {
      file.season = numbered->season;
      file.episode = numbered->episode;
    }
    out.push_back(std::move(file));
  }
  // Rows are read newest first: the last episode of a write comes first.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.season, a.episode, a.path) <
           std::tie(b.season, b.episode, b.path);
  });
  return out;
}

void record_imported(pqxx::work& w, std::int64_t series_id,
                     const std::vector<imported_file>& files) {
  if (files.empty() || scanned_series(w, {series_id}).empty())
    return;
  std::string rows;
  append_rows(w, series_id, files, rows);
  w.exec(with(insert_sql, "%ROWS%", rows));
}

void record_imported(
    pqxx::work& w,
    const std::vector<std::pair<std::int64_t, series_plan>>& plans) {
  std::vector<std::int64_t> ids;
  for (const auto& [id, plan] : plans)
    if (!plan.upserts.empty())
      ids.push_back(id);
  if (ids.empty())
    return;
  auto scanned = scanned_series(w, ids);
  std::string rows;
  for (const auto& [id, plan] : plans)
    if (!plan.upserts.empty() && scanned.count(id) > 0)
      append_rows(w, id, imported_files(plan), rows);
  if (!rows.empty())
    w.exec(with(insert_sql, "%ROWS%", rows));
}

} // namespace kumo::scanner
