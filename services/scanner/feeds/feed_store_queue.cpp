// feed_store: downloads asked for, the monitor's claims, and what happens
// after the queue answered.

#include "catalog/pg_calls.hpp"
#include "catalog/replies.hpp"
#include "feeds/feed_store.hpp"
#include "kumo/log.hpp"

#include <map>

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

/// Provider episodes of series $1 with their state and source count.
const char* const candidates_sql =
    "SELECT e.id, e.season, e.episode, e.state, e.provider, (SELECT count(*)"
    " FROM scanner_episode_sources s WHERE s.episode_id = e.id) FROM"
    " scanner_episodes e WHERE e.series_id = $1 AND e.season IS NOT NULL";

json not_queued(int season, int episode, const std::string& reason) {
  return {{"season", season}, {"episode", episode}, {"reason", reason}};
}

struct candidate {
  std::int64_t id;
  std::string state;
  bool provider;
  std::int64_t sources;
};

/// Sorts one asked episode into picked ids or not_queued.
void judge(const std::map<std::pair<int, int>, candidate>& known,
           std::pair<int, int> asked, picked_episodes& out) {
  auto it = known.find(asked);
  auto [season, episode] = asked;
  if (it == known.end() || !it->second.provider)
    return out.not_queued.push_back(
        not_queued(season, episode, "the provider does not list it"));
  if (it->second.state == "on_disk")
    return out.not_queued.push_back(
        not_queued(season, episode, "already on disk"));
  if (it->second.sources == 0)
    return out.not_queued.push_back(
        not_queued(season, episode, "no source to fetch it from"));
  out.ids.push_back(it->second.id);
}

} // namespace

caf::expected<picked_episodes>
feed_store::pick_for_download(const series_ref& s,
                              const std::vector<std::pair<int, int>>& asked) {
  return transact_expected(
      db_, [&](pqxx::work& w) -> caf::expected<picked_episodes> {
        lock_feed_series(w, s.id);
        std::map<std::pair<int, int>, candidate> known;
        for (const auto& r : w.exec_params(candidates_sql, s.id))
          known[{r[1].as<int>(), r[2].as<int>()}] = {
              r[0].as<std::int64_t>(), r[3].as<std::string>(), r[4].as<bool>(),
              r[5].as<std::int64_t>()};
        picked_episodes out;
        if (asked.empty()) {
          for (const auto& [number, c] : known)
            if (c.provider && c.state == "missing" && c.sources > 0)
              out.ids.push_back(c.id);
        } else {
          for (const auto& a : asked)
            judge(known, a, out);
        }
        w.exec_params(
            "UPDATE scanner_episodes SET state = 'queued', updated_at ="
            " now() WHERE state = 'missing' AND id IN (SELECT"
            " value::text::bigint FROM json_array_elements($1::json))",
            json(out.ids).dump());
        load_picked_episodes(w, out);
        return out;
      });
}

void feed_store::revert(const std::vector<std::int64_t>& ids, bool auto_round) {
  if (ids.empty())
    return;
  write_or_warn(
      db_, "cannot put episodes back to missing", {{"episodes", ids.size()}},
      [&](pqxx::work& w) {
        w.exec_params(
            "UPDATE scanner_episodes SET state = CASE WHEN state = 'queued'"
            " THEN 'missing' ELSE state END, auto_queued_at = CASE WHEN $2"
            " THEN NULL ELSE auto_queued_at END, updated_at = now() WHERE id"
            " IN (SELECT value::text::bigint FROM"
            " json_array_elements($1::json))",
            json(ids).dump(), auto_round);
      });
}

void feed_store::confirm(const std::vector<std::int64_t>& ids) {
  if (ids.empty())
    return;
  write_or_warn(db_, "cannot record queued episodes",
                {{"episodes", ids.size()}}, [&](pqxx::work& w) {
                  w.exec_params("UPDATE scanner_episodes SET auto_added_at ="
                                " now() WHERE id IN (SELECT"
                                " value::text::bigint FROM"
                                " json_array_elements($1::json))",
                                json(ids).dump());
                });
}

caf::expected<std::vector<series_ref>>
feed_store::claim_due(std::chrono::seconds interval, int limit, bool all) {
  return db_.transact([&](pqxx::work& w) {
    auto rows = w.exec_params(
        "UPDATE scanner_series SET checked_at = now() WHERE id IN (SELECT id"
        " FROM scanner_series WHERE deleted_at IS NULL AND monitored AND site"
        " IN ('rss', 'direct') AND link <> '' AND ($3 OR checked_at IS NULL OR"
        " checked_at + make_interval(secs => coalesce(check_interval_s, $1))"
        " <= now()) ORDER BY checked_at NULLS FIRST LIMIT $2 FOR UPDATE SKIP"
        " LOCKED) RETURNING id, key, name, folder, site, link, monitored",
        static_cast<double>(interval.count()), limit, all);
    std::vector<series_ref> out;
    for (const auto& r : rows)
      out.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(),
                     r[2].as<std::string>(), r[3].as<std::string>(),
                     r[4].as<std::string>(), r[5].as<std::string>(),
                     r[6].as<bool>()});
    return out;
  });
}

} // namespace kumo::scanner
