#include "feeds/feed_store.hpp"

#include "catalog/pg_calls.hpp"
#include "catalog/replies.hpp"
#include "kumo/log.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

const char* const upsert_sql =
    "WITH feed AS (SELECT * FROM json_to_recordset($2::json) AS f(season int,"
    " episode int, title text, air_date date, guid text)),"
    " up AS (INSERT INTO scanner_episodes (series_id, season, episode, title,"
    " air_date, guid, provider, fresh)"
    " SELECT $1, f.season, f.episode, left(f.title, 1000), f.air_date, f.guid,"
    " true, $3 FROM feed f"
    " ON CONFLICT (series_id, season, episode) WHERE season IS NOT NULL"
    " DO UPDATE SET title = CASE WHEN EXCLUDED.title <> '' THEN EXCLUDED.title"
    " ELSE scanner_episodes.title END,"
    " air_date = coalesce(EXCLUDED.air_date, scanner_episodes.air_date),"
    " guid = EXCLUDED.guid, provider = true, updated_at = now()"
    " WHERE (scanner_episodes.title, scanner_episodes.air_date,"
    " scanner_episodes.guid, scanner_episodes.provider) IS DISTINCT FROM"
    " (CASE WHEN EXCLUDED.title <> '' THEN EXCLUDED.title ELSE"
    " scanner_episodes.title END, coalesce(EXCLUDED.air_date,"
    " scanner_episodes.air_date), EXCLUDED.guid, true)"
    " RETURNING (xmax = 0) AS inserted)"
    " SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT"
    " inserted) FROM up";

const char* const drop_sources_sql =
    "DELETE FROM scanner_episode_sources s USING scanner_episodes e,"
    " json_array_elements($2::json) f WHERE s.episode_id = e.id AND"
    " e.series_id = $1 AND e.season = (f->>'season')::int AND e.episode ="
    " (f->>'episode')::int";

const char* const insert_sources_sql =
    "INSERT INTO scanner_episode_sources (episode_id, position, provider,"
    " url, sha256, size) SELECT e.id, (src->>'position')::smallint,"
    " src->>'provider', src->>'url', src->>'sha256', (src->>'size')::bigint"
    " FROM json_array_elements($2::json) f JOIN scanner_episodes e ON"
    " e.series_id = $1 AND e.season = (f->>'season')::int AND e.episode ="
    " (f->>'episode')::int CROSS JOIN json_array_elements(f->'sources') src";

/// Episodes with their sources, for rows `ids` (a JSON array of ids).
const char* const episodes_by_id_sql =
    "SELECT e.id, e.season, e.episode, e.title, coalesce(e.guid, ''),"
    " coalesce(e.air_date::text, ''), (SELECT json_agg(json_build_object("
    " 'provider', s.provider, 'url', s.url, 'sha256', s.sha256, 'size',"
    " s.size) ORDER BY s.position) FROM scanner_episode_sources s WHERE"
    " s.episode_id = e.id)::text FROM scanner_episodes e WHERE e.id IN"
    " (SELECT value::text::bigint FROM json_array_elements($1::json))"
    " ORDER BY e.season, e.episode";

} // namespace

void lock_feed_series(pqxx::work& w, std::int64_t id) {
  w.exec_params("SELECT pg_advisory_xact_lock(hashtext('kumo.scanner.feed'),"
                " hashtext($1::text))",
                id);
}

void load_picked_episodes(pqxx::work& w, picked_episodes& out) {
  if (out.ids.empty())
    return;
  auto rows = w.exec_params(episodes_by_id_sql, json(out.ids).dump());
  for (const auto& r : rows) {
    feed_episode ep;
    ep.season = r[1].as<int>();
    ep.episode = r[2].as<int>();
    ep.title = r[3].as<std::string>();
    ep.guid = r[4].as<std::string>();
    ep.air_date = r[5].as<std::string>();
    for (const auto& s : json::parse(r[6].c_str()))
      ep.sources.push_back({s["provider"], s["url"], s["sha256"], s["size"]});
    out.episodes.push_back(std::move(ep));
  }
}

namespace {

const char* const decide_sql =
    "UPDATE scanner_episodes e SET auto_queued_at = now(), state = 'queued',"
    " updated_at = now() WHERE e.series_id = $1 AND e.fresh AND e.provider"
    " AND e.season IS NOT NULL AND EXISTS (SELECT 1 FROM"
    " scanner_episode_sources s WHERE s.episode_id = e.id) AND"
    " ((e.state = 'missing' AND e.auto_queued_at IS NULL) OR (e.state ="
    " 'queued' AND e.auto_added_at IS NULL AND e.auto_queued_at < now() -"
    " make_interval(secs => $2))) RETURNING e.id";

series_ref read_series(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(), r[1].as<std::string>(),
          r[2].as<std::string>(),  r[3].as<std::string>(),
          r[4].as<std::string>(),  r[5].as<std::string>(),
          r[6].as<bool>()};
}

} // namespace

feed_store::feed_store(std::string database_url)
    : db_(std::move(database_url)) {}

caf::expected<catalog_totals> feed_store::totals() {
  return db_.transact([](pqxx::work& w) { return read_catalog_totals(w); });
}

caf::expected<series_ref> feed_store::series(const std::string& key) {
  return transact_expected(
      db_, [&](pqxx::work& w) -> caf::expected<series_ref> {
        auto rows = w.exec_params(
            "SELECT id, key, name, folder, site, link, monitored FROM"
            " scanner_series WHERE key = $1 AND deleted_at IS NULL",
            key);
        if (rows.empty())
          return field_error(errc::not_found, "key",
                             "no series with key '" + key + "'");
        return read_series(rows[0]);
      });
}

caf::expected<json> feed_store::merge(const series_ref& s,
                                      const numbered_listing& listing,
                                      bool decide, picked_episodes& picked,
                                      std::chrono::seconds resend_after) {
  auto episodes = to_json(listing.episodes).dump();
  return transact_expected(db_, [&](pqxx::work& w) -> caf::expected<json> {
    lock_feed_series(w, s.id);
    // The series' row, locked and marked as listed and checked; `fresh` is
    // read from the row as it was before (one statement for both).
    auto row = w.exec_params(
        "WITH old AS (SELECT id, listed_at IS NOT NULL AND monitored AS fresh"
        " FROM scanner_series WHERE id = $1 AND deleted_at IS NULL FOR UPDATE)"
        " UPDATE scanner_series s SET listed_at = coalesce(s.listed_at, now()),"
        " checked_at = now(), check_error = '' FROM old WHERE s.id = old.id"
        " RETURNING old.fresh",
        s.id);
    if (row.empty())
      return field_error(errc::not_found, "key",
                         "no series with key '" + s.key + "'");
    bool fresh = row[0][0].as<bool>();
    auto counts = w.exec_params(upsert_sql, s.id, episodes, fresh);
    w.exec_params(drop_sources_sql, s.id, episodes);
    w.exec_params(insert_sources_sql, s.id, episodes);
    picked = {};
    if (decide) {
      for (const auto& r : w.exec_params(
               decide_sql, s.id, static_cast<double>(resend_after.count())))
        picked.ids.push_back(r[0].as<std::int64_t>());
      load_picked_episodes(w, picked);
    }
    return json{{"listed", listing.episodes.size()},
                {"added", counts[0][0].as<std::int64_t>()},
                {"updated", counts[0][1].as<std::int64_t>()},
                {"skipped", listing.skipped_total},
                {"skipped_reasons", listing.skipped}};
  });
}

void feed_store::record_error(std::int64_t series_id, const std::string& why) {
  write_or_warn(db_, "cannot record a provider error",
                {{"series_id", series_id}}, [&](pqxx::work& w) {
                  w.exec_params("UPDATE scanner_series SET check_error ="
                                " left($2, 1000), checked_at = now() WHERE"
                                " id = $1",
                                series_id, why);
                });
}

} // namespace kumo::scanner
