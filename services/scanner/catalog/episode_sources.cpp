#include "catalog/episode_sources.hpp"

#include "catalog/replies.hpp"

namespace kumo::scanner {

using json = nlohmann::json;

namespace {

/// The provider-listed episodes of series $1 among the asked (season,
/// episode) pairs $2 (a JSON array of [season, episode]), with their
/// sources in order.
const char* const sources_sql =
    "SELECT e.season, e.episode, (SELECT json_agg(json_build_object("
    " 'provider', s.provider, 'url', s.url, 'sha256', s.sha256, 'size',"
    " s.size) ORDER BY s.position) FROM scanner_episode_sources s WHERE"
    " s.episode_id = e.id)::text FROM scanner_episodes e JOIN"
    " json_array_elements($2::json) a ON e.season = (a->>0)::int AND"
    " e.episode = (a->>1)::int WHERE e.series_id = $1 AND e.provider"
    " ORDER BY e.season, e.episode";

} // namespace

caf::expected<json> episode_sources(pqxx::work& w, const scanner_request& req) {
  auto series = w.exec_params(
      "SELECT id, site, link FROM scanner_series WHERE key = $1 AND"
      " deleted_at IS NULL",
      req.key);
  if (series.empty())
    return field_error(errc::not_found, "key",
                       "no series with key '" + req.key + "'");
  auto site = series[0][1].as<std::string>();
  auto link = series[0][2].as<std::string>();
  json out{{"key", req.key},
           {"site", site},
           {"link", link},
           {"has_provider", !site.empty() && !link.empty()},
           {"episodes", json::array()}};
  if (req.episodes.empty())
    return out;
  auto asked = json::array();
  for (const auto& [season, episode] : req.episodes)
    asked.push_back({season, episode});
  for (const auto& r :
       w.exec_params(sources_sql, series[0][0].as<int64_t>(), asked.dump())) {
    if (r[2].is_null())
      continue; // listed without a source
    out["episodes"].push_back({{"season", r[0].as<int>()},
                               {"episode", r[1].as<int>()},
                               {"sources", json::parse(r[2].c_str())}});
  }
  return out;
}

} // namespace kumo::scanner
