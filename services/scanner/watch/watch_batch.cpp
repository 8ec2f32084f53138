#include "watch/watch_batch.hpp"

#include "walk/library_walk.hpp"
#include "walk/walk_rules.hpp"

#include <algorithm>

namespace kumo::scanner {

namespace {

constexpr std::size_t max_entry_name = 255;

} // namespace

bool watch_enters_dir(std::string_view name, int depth) {
  return !name.empty() && name[0] != '.' && name.size() <= max_entry_name &&
         depth <= watch_max_depth && (depth < 2 || !is_extras_folder(name));
}

bool watch_counts_file(std::string_view name, int parent_depth) {
  return parent_depth >= 1 && !name.empty() && name[0] != '.' &&
         name.size() <= max_entry_name && is_video_name(name) &&
         !is_partial_name(name) && !is_sample_name(name);
}

void watch_batch::add(watch_change change, const std::string& path,
                      clock::time_point now) {
  if (empty())
    first_ = now;
  last_ = now;
  pending_[path] = change;
}

void watch_batch::lost(clock::time_point now) {
  if (empty())
    first_ = now;
  last_ = now;
  pending_.clear();
  rescan_ = true;
}

std::optional<watch_batch::clock::time_point> watch_batch::due_at() const {
  if (empty())
    return std::nullopt;
  return std::min(last_ + settle_, first_ + max_delay_);
}

std::vector<watch_event> watch_batch::take(clock::time_point now) {
  std::vector<watch_event> out;
  auto due = due_at();
  if (!due || now < *due)
    return out;
  if (rescan_)
    out.push_back({watch_change::rescan, {}});
  for (auto& [path, change] : pending_)
    out.push_back({change, path});
  pending_.clear();
  rescan_ = false;
  return out;
}

} // namespace kumo::scanner
