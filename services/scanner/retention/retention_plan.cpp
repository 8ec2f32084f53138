#include "retention/retention_plan.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace kumo::scanner {

namespace {

/// (season, number) with -1 for unknown: unnumbered files sort first.
std::pair<int, int> episode_rank(const library_file& f) {
  if (f.season && f.episode)
    return {*f.season, *f.episode};
  return {-1, f.absolute.value_or(-1)};
}

} // namespace

bool older_episode(const library_file& a, const library_file& b) {
  return std::make_tuple(episode_rank(a), a.mtime_s, a.path) <
         std::make_tuple(episode_rank(b), b.mtime_s, b.path);
}

std::vector<eviction> plan_retention(const std::vector<library_file>& files) {
  std::map<std::int64_t, std::vector<const library_file*>> by_series;
  for (const auto& f : files)
    if (f.keep_last && *f.keep_last > 0)
      by_series[f.series_id].push_back(&f);
  std::vector<eviction> out;
  for (auto& [id, list] : by_series) {
    auto keep = static_cast<std::size_t>(*list.front()->keep_last);
    if (list.size() <= keep)
      continue;
    std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
      return older_episode(*a, *b);
    });
    for (std::size_t i = 0; i + keep < list.size(); ++i)
      out.push_back({*list[i], "retention"});
  }
  return out;
}

std::vector<eviction>
plan_storage_eviction(const std::vector<library_file>& files,
                      std::int64_t used_bytes, const storage_limits& limits) {
  std::vector<eviction> out;
  if (!limits.evict_when_full || limits.limit_bytes <= 0 ||
      used_bytes < limits.limit_bytes)
    return out;
  std::vector<const library_file*> candidates;
  for (const auto& f : files)
    if (f.keep_last)
      candidates.push_back(&f);
  std::sort(candidates.begin(), candidates.end(),
            [](const auto* a, const auto* b) {
              return std::tie(a->mtime_s, a->series_key, a->path) <
                     std::tie(b->mtime_s, b->series_key, b->path);
            });
  for (const auto* f : candidates) {
    if (used_bytes < limits.limit_bytes)
      break;
    out.push_back({*f, "storage_limit"});
    used_bytes -= f->size;
  }
  return out;
}

} // namespace kumo::scanner
