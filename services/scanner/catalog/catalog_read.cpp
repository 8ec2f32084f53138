// series_list, series_get, scan_status and unmatched.

#include "catalog/catalog_store.hpp"
#include "catalog/episode_sources.hpp"
#include "catalog/file_episodes.hpp"
#include "catalog/replies.hpp"

#include <map>

namespace kumo::scanner {

using json = nlohmann::json;

#define KUMO_ISO(x)                                                            \
  "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

const char* const summary_sql =
    "json_build_object('key', s.key, 'name', s.name, 'folder', s.folder,"
    " 'year', s.year, 'monitored', s.monitored, 'site', s.site,"
    " 'link', s.link, 'root', s.root,"
    " 'retention', CASE WHEN s.keep_last IS NULL THEN NULL ELSE"
    "   json_build_object('keep_last', s.keep_last) END,"
    " 'episodes_on_disk', (SELECT count(*) FROM scanner_episodes e"
    "   WHERE e.series_id = s.id AND e.state = 'on_disk'),"
    " 'missing', (SELECT CASE WHEN bool_or(e.provider) THEN count(*) FILTER"
    "   (WHERE e.provider AND e.state = 'missing') END"
    "   FROM scanner_episodes e WHERE e.series_id = s.id),"
    " 'queued', (SELECT count(*) FROM scanner_episodes e WHERE"
    "   e.series_id = s.id AND e.state IN ('queued', 'downloading')),"
    " 'check_interval_s', s.check_interval_s,"
    " 'checked_at', " KUMO_ISO(
        "s.checked_at") ","
                        " 'check_error', NULLIF(s.check_error, ''),"
                        " 'listed_at', " KUMO_ISO(
                            "s.listed_at") ","
                                           " 'files', (SELECT count(*) FROM "
                                           "scanner_files f WHERE f.series_id "
                                           "= s.id),"
                                           " 'size_bytes', (SELECT "
                                           "coalesce(sum(f.size), 0) FROM "
                                           "scanner_files f"
                                           "   WHERE f.series_id = s.id),"
                                           " 'added_at', " KUMO_ISO(
                                               "s.created_at") ","
                                                               " 'updated_at',"
                                                               " " KUMO_ISO(
                                                                   "s.updated_"
                                                                   "at") ")";

const char* const scan_live_sql =
    "(c.state = 'running' AND EXISTS (SELECT 1 FROM pg_locks l WHERE"
    " l.pid = c.backend_pid AND l.locktype = 'advisory' AND l.granted))";

const char* const scan_sql =
    "(json_build_object('id', c.id, 'kind', c.kind,"
    " 'key', NULLIF(c.key, ''), 'state', CASE WHEN c.state = 'running' AND"
    " NOT (SELECT 1 FROM pg_locks l WHERE l.pid = c.backend_pid AND"
    " l.locktype = 'advisory' AND l.granted LIMIT 1) IS NOT NULL THEN"
    " 'failed' ELSE c.state END,"
    " 'started_at', " KUMO_ISO(
        "c.started_at") ","
                        " 'finished_at', " KUMO_ISO(
                            "c.finished_at") ","
                                             " 'error', NULLIF(c.error, "
                                             "''))::jsonb || c.counters)";

namespace {

std::string escape_like(const std::string& q) {
  std::string out;
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  return "%" + out + "%";
}

const char* order_column(const std::string& sort) {
  if (sort == "year")
    return "(j->>'year')::int";
  if (sort == "added")
    return "j->>'added_at'";
  if (sort == "updated")
    return "j->>'updated_at'";
  if (sort == "missing")
    return "(j->>'missing')::bigint";
  return "lower(j->>'name')";
}

json series_list(pqxx::work& w, const list_query& l) {
  std::string dir = l.descending ? " DESC" : " ASC";
  std::string sql =
      std::string("WITH rows AS (SELECT ") + summary_sql +
      "::jsonb AS j FROM scanner_series s WHERE s.deleted_at IS NULL"
      " AND ($1 = '' OR s.name ILIKE $2 OR s.key ILIKE $2 OR s.folder ILIKE "
      "$2) AND ($3 = '' OR s.monitored = ($3 = 'true')))"
      " SELECT j::text, count(*) OVER () FROM rows"
      " WHERE ($4 = '' OR (coalesce((j->>'missing')::bigint, 0) > 0) = "
      "($4 = 'true')) ORDER BY " +
      order_column(l.sort) + dir + " NULLS LAST, j->>'key'" + dir +
      " LIMIT $5 OFFSET $6";
  auto flag = [](const std::optional<bool>& b) {
    return b ? (*b ? "true" : "false") : "";
  };
  auto rows = w.exec_params(sql, l.q, escape_like(l.q), flag(l.monitored),
                            flag(l.has_missing), l.limit, l.offset);
  json items = json::array();
  std::int64_t total = 0;
  for (const auto& row : rows) {
    items.push_back(json::parse(row[0].c_str()));
    total = row[1].as<std::int64_t>();
  }
  if (rows.empty() && l.offset > 0) {
    // Past the last page: count without the page window.
    auto all = series_list(w, list_query{l.q, l.monitored, l.has_missing,
                                         l.sort, l.descending, 1, 0});
    total = all["total"].get<std::int64_t>();
  }
  return {{"items", items},
          {"total", total},
          {"limit", l.limit},
          {"offset", l.offset}};
}

json season_list(pqxx::work& w, std::int64_t series_id) {
  auto rows = w.exec_params(
      "SELECT e.season, json_build_object('season', e.season, 'episode', "
      "e.episode, 'absolute', e.absolute, 'title', e.title, 'air_date', "
      "e.air_date, 'state', e.state, 'provider', e.provider, 'guid', e.guid, "
      "'auto_queued', e.auto_queued_at IS NOT NULL, 'sources', (SELECT "
      "coalesce(json_agg(json_build_object('provider', so.provider, 'url', "
      "so.url, 'size', so.size) ORDER BY so.position), '[]') FROM "
      "scanner_episode_sources so WHERE so.episode_id = e.id), "
      "'files', coalesce(json_agg("
      "json_build_object('path', f.path, 'size', f.size, 'mtime', " KUMO_ISO(
          "f.mtime") ", 'resolution', f.resolution, 'quality', f.quality, "
                     "'group', f.release_group) ORDER BY f.path) FILTER "
                     "(WHERE f.id IS NOT NULL), '[]'))::text"
                     " FROM scanner_episodes e"
                     " LEFT JOIN scanner_files f ON f.series_id = e.series_id"
                     " AND " KUMO_FILE_HOLDS_EPISODE
                     " WHERE e.series_id = $1 GROUP BY e.id"
                     " ORDER BY e.season NULLS LAST, e.episode, e.absolute",
      series_id);
  json seasons = json::array();
  for (const auto& row : rows) {
    json season = row[0].is_null() ? json(nullptr) : json(row[0].as<int>());
    if (seasons.empty() || seasons.back()["season"] != season)
      seasons.push_back({{"season", season}, {"episodes", json::array()}});
    seasons.back()["episodes"].push_back(json::parse(row[1].c_str()));
  }
  return seasons;
}

caf::expected<json> series_get(pqxx::work& w, const std::string& key) {
  auto rows = w.exec_params(std::string("SELECT s.id, ") + summary_sql +
                                "::text FROM scanner_series s WHERE s.key = "
                                "$1 AND s.deleted_at IS NULL",
                            key);
  if (rows.empty())
    return field_error(errc::not_found, "key",
                       "no series with key '" + key + "'");
  auto out = json::parse(rows[0][1].c_str());
  out["seasons"] = season_list(w, rows[0][0].as<std::int64_t>());
  return out;
}

json scan_status(pqxx::work& w) {
  auto one = [&](const char* where) -> json {
    auto rows = w.exec(std::string("SELECT ") + scan_sql +
                       "::text FROM scanner_scans c WHERE " + where +
                       " ORDER BY c.id DESC LIMIT 1");
    return rows.empty() ? json(nullptr) : json::parse(rows[0][0].c_str());
  };
  std::string live = scan_live_sql;
  return {{"current", one(live.c_str())},
          {"last", one(("NOT " + live).c_str())}};
}

json unmatched(pqxx::work& w) {
  auto rows = w.exec(
      "SELECT json_build_object('root', u.root, 'folder', u.folder, 'name', "
      "u.name, 'year', u.year, 'files', u.files)::text"
      " FROM scanner_unmatched u WHERE NOT EXISTS (SELECT 1 FROM "
      "scanner_series s WHERE s.deleted_at IS NULL AND s.folder = u.folder)"
      " ORDER BY u.folder, u.root");
  json items = json::array();
  for (const auto& row : rows)
    items.push_back(json::parse(row[0].c_str()));
  return {{"items", items}};
}

} // namespace

caf::expected<json> series_summary(pqxx::work& w, const std::string& key) {
  auto rows = w.exec_params(std::string("SELECT ") + summary_sql +
                                "::text FROM scanner_series s WHERE s.key = "
                                "$1 AND s.deleted_at IS NULL",
                            key);
  if (rows.empty())
    return field_error(errc::not_found, "key",
                       "no series with key '" + key + "'");
  return json::parse(rows[0][0].c_str());
}

/// The library's used bytes: every catalog file of a live series.
json library_usage(pqxx::work& w) {
  auto rows =
      w.exec("SELECT coalesce(sum(f.size), 0), count(*) FROM scanner_files f"
             " JOIN scanner_series s ON s.id = f.series_id WHERE s.deleted_at "
             "IS NULL");
  return {{"used_bytes", rows[0][0].as<std::int64_t>()},
          {"files", rows[0][1].as<std::int64_t>()}};
}

caf::expected<json> series_history(pqxx::work& w, const scanner_request& req) {
  auto series = w.exec_params("SELECT id FROM scanner_series WHERE key = $1"
                              " AND deleted_at IS NULL",
                              req.key);
  if (series.empty())
    return field_error(errc::not_found, "key",
                       "no series with key '" + req.key + "'");
  auto rows = w.exec_params(
      "SELECT json_build_object('at', " KUMO_ISO(
          "h.at") ", 'action', h.action,"
                  " 'season', h.season, 'episode', h.episode, 'path', h.path,"
                  " 'bytes', h.bytes, 'reason', NULLIF(h.reason, ''))::text"
                  " FROM scanner_series_history h WHERE h.series_id = $1"
                  " ORDER BY h.id DESC LIMIT $2",
      series[0][0].as<std::int64_t>(), req.history_limit);
  json items = json::array();
  for (const auto& row : rows)
    items.push_back(json::parse(row[0].c_str()));
  return json{{"key", req.key}, {"items", items}};
}

caf::expected<json> read_request(pqxx::work& w, const scanner_request& req) {
  switch (req.kind) {
  case op::usage:
    return library_usage(w);
  case op::series_history:
    return series_history(w, req);
  case op::series_list:
    return series_list(w, req.list);
  case op::series_get:
    return series_get(w, req.key);
  case op::scan_status:
    return scan_status(w);
  case op::unmatched:
    return unmatched(w);
  case op::episode_sources:
    return episode_sources(w, req);
  default:
    return make_error(errc::internal, "not a read request");
  }
}

} // namespace kumo::scanner
