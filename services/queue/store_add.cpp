// Adding episodes: every target path belongs to one (series, season,
// episode), recorded in queue_path_owners inside the add's transaction.

#include "store_tx.hpp"

#include <cstdio>
#include <set>

namespace kumo::queue::detail {

namespace {

std::string episode_code(int season, int episode) {
  char code[32];
  std::snprintf(code, sizeof code, "S%02dE%02d", season, episode);
  return code;
}

/// Records that `ep`'s target path belongs to its episode; returns why not
/// when the path is owned by another (series, season, episode).
std::optional<std::string> claim_path(pqxx::work& w, const add_command& c,
                                      const add_episode& ep) {
  exec(w, sql::claim_path, ep.target_path, c.serie_id, ep.season, ep.episode);
  auto rows = exec(w, sql::path_owner, ep.target_path);
  if (rows.empty())
    return std::nullopt; // cannot happen: claimed above or owned by another
  const auto& owner = rows[0];
  auto serie = owner["serie_id"].as<std::string>();
  auto season = owner["season"].as<int>();
  auto episode = owner["episode"].as<int>();
  if (serie == c.serie_id && season == ep.season && episode == ep.episode)
    return std::nullopt;
  auto item = owner["item_id"].as<std::string>();
  return "target path '" + ep.target_path + "' of " + c.serie_id + " " +
         episode_code(ep.season, ep.episode) + " already belongs to " +
         (item.empty() ? std::string{"an item"} : "item " + item) + " of " +
         serie + " " + episode_code(season, episode) +
         "; choose another serie_folder or path_template";
}

} // namespace

checked run(pqxx::work& w, const store_options&, const add_command& c) {
  // The path claims of a refused add are undone; nothing else is written
  // before them.
  w.exec("SAVEPOINT add_paths");
  for (const auto& ep : c.episodes)
    if (auto why = claim_path(w, c, ep)) {
      w.exec("ROLLBACK TO SAVEPOINT add_paths");
      return refuse(errc::conflict, *why);
    }
  auto episodes = nlohmann::json::array();
  for (const auto& ep : c.episodes)
    episodes.push_back(
        {{"season", ep.season},
         {"episode", ep.episode},
         {"provider", ep.src.provider},
         {"url", ep.src.url},
         {"sha256", ep.src.sha256},
         {"size", ep.src.size},
         {"sources", ep.sources.empty() && !ep.src.url.empty()
                         ? std::vector<wire::source>{ep.src}
                         : ep.sources}, // empty: a bare reference
         {"target_path", ep.target_path}});
  auto rows =
      exec(w, sql::insert_items, c.serie_id, c.serie_folder, c.serie_name,
           static_cast<int>(c.prio), episodes.dump(), c.series_provider);
  std::set<std::pair<int, int>> added;
  auto items = nlohmann::json::array();
  checked out;
  for (const auto& item : read_items(rows)) {
    added.emplace(item.season, item.episode);
    items.push_back(to_json(item));
    out.out.fx.journal.push_back({"added",
                                  item.id,
                                  "",
                                  {{"season", item.season},
                                   {"episode", item.episode},
                                   {"target_path", item.target_path}}});
  }
  auto skipped = nlohmann::json::array();
  for (const auto& ep : c.episodes)
    if (added.erase({ep.season, ep.episode}) == 0) // each insert counts once
      skipped.push_back({{"season", ep.season},
                         {"episode", ep.episode},
                         {"reason", "already queued"}});
  out.out.reply = {{"items", std::move(items)},
                   {"skipped", std::move(skipped)}};
  if (!rows.empty()) {
    out.out.fx.queue_changed = true;
    out.out.fx.claimable = claimable_count(w);
  }
  return out;
}

} // namespace kumo::queue::detail
