#include "legacy/legacy_plan.hpp"

#include <algorithm>
#include <iterator>
#include <set>

namespace kumo::scanner::legacy {

namespace {

/// Episodes of `wanted` that `have` lacks, by season.
season_episodes missing_from(const season_episodes& have,
                             const season_episodes& wanted) {
  season_episodes out;
  for (const auto& [season, episodes] : wanted) {
    auto it = have.find(season);
    std::vector<int> lacking;
    if (it == have.end())
      lacking = episodes;
    else
      std::set_difference(episodes.begin(), episodes.end(), it->second.begin(),
                          it->second.end(), std::back_inserter(lacking));
    if (!lacking.empty()) // an empty season is no episode to add
      out.emplace(season, std::move(lacking));
  }
  return out;
}

/// Folder → key of the catalog's series.
std::map<std::string, std::string> folders_of(const catalog_map& catalog) {
  std::map<std::string, std::string> out;
  for (const auto& [key, s] : catalog)
    out.emplace(s.folder, key);
  return out;
}

/// Key → folders and folder → count of the valid records found.
struct claims {
  std::multimap<std::string, std::string> key_folders;
  std::map<std::string, int> folder_count;
};

/// Why the valid `r` cannot be planned as an insert or update, or "".
std::string conflict(const legacy_record& r, const catalog_map& catalog,
                     const std::map<std::string, std::string>& folders,
                     const claims& found) {
  auto in_catalog = catalog.find(r.key);
  bool owner =
      in_catalog != catalog.end() && in_catalog->second.folder == r.folder;
  if (in_catalog != catalog.end() && !owner)
    return "key " + r.key + " belongs to folder " + in_catalog->second.folder;
  if (!owner && found.folder_count.at(r.folder) > 1)
    return "folder holds a data file under several roots";
  if (!owner && found.key_folders.count(r.key) > 1) {
    std::string others;
    auto [from, to] = found.key_folders.equal_range(r.key);
    for (auto it = from; it != to; ++it)
      if (it->second != r.folder)
        others += (others.empty() ? "" : ", ") + it->second;
    return "key " + r.key + " is also claimed by folder " + others;
  }
  auto holder = folders.find(r.folder);
  if (holder != folders.end() && holder->second != r.key)
    return "folder belongs to series " + holder->second;
  return {};
}

void plan_valid(const legacy_record& r, const catalog_series* have,
                legacy_plan& plan) {
  if (!have) {
    plan.insert.push_back(r);
    return;
  }
  auto lacking = missing_from(have->episodes, r.episodes);
  if (lacking.empty()) {
    plan.unchanged.push_back(r.key);
    return;
  }
  legacy_record u = r;
  u.episodes = std::move(lacking);
  plan.update.push_back(std::move(u));
}

} // namespace

legacy_plan plan_legacy_import(const std::vector<found_data>& found,
                               const catalog_map& catalog) {
  legacy_plan plan;
  claims claimed;
  for (const auto& f : found) {
    if (!f.record)
      continue;
    claimed.key_folders.emplace(f.record->key, f.folder);
    ++claimed.folder_count[f.folder];
  }
  auto folders = folders_of(catalog);
  std::set<std::string> planned; // keys, once each
  for (const auto& f : found) {
    if (!f.record) {
      plan.broken.push_back({f.folder, f.record.error().message});
      continue;
    }
    const auto& r = *f.record;
    if (auto why = conflict(r, catalog, folders, claimed); !why.empty()) {
      plan.skipped.push_back({f.folder, std::move(why)});
      continue;
    }
    if (!planned.insert(r.key).second) {
      plan.skipped.push_back(
          {f.folder, "key " + r.key +
                         " already read "
                         "from this folder under another root"});
      continue;
    }
    auto it = catalog.find(r.key);
    plan_valid(r, it == catalog.end() ? nullptr : &it->second, plan);
  }
  auto by_key = [](const auto& a, const auto& b) { return a.key < b.key; };
  auto by_folder = [](const auto& a, const auto& b) {
    return a.folder < b.folder || (a.folder == b.folder && a.reason < b.reason);
  };
  std::sort(plan.insert.begin(), plan.insert.end(), by_key);
  std::sort(plan.update.begin(), plan.update.end(), by_key);
  std::sort(plan.unchanged.begin(), plan.unchanged.end());
  std::sort(plan.skipped.begin(), plan.skipped.end(), by_folder);
  std::sort(plan.broken.begin(), plan.broken.end(), by_folder);
  return plan;
}

catalog_map apply_legacy_plan(const legacy_plan& plan, catalog_map catalog) {
  for (const auto& r : plan.insert)
    catalog[r.key] = catalog_series{r.name, r.site, r.folder, r.episodes};
  for (const auto& r : plan.update) {
    auto& have = catalog[r.key].episodes;
    for (const auto& [season, episodes] : r.episodes) {
      auto& list = have[season];
      list.insert(list.end(), episodes.begin(), episodes.end());
      std::sort(list.begin(), list.end());
      list.erase(std::unique(list.begin(), list.end()), list.end());
    }
  }
  return catalog;
}

} // namespace kumo::scanner::legacy
