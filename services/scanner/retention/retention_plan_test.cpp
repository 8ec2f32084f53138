#include "retention/retention_plan.hpp"
#include "tasks/task_plan.hpp"

#include <algorithm>
#include <gtest/gtest.h>

using namespace kumo::scanner;

namespace {

library_file file(std::int64_t id, std::int64_t series, int season, int ep,
                  std::int64_t mtime, std::optional<int> keep,
                  std::int64_t size = 100) {
  library_file f;
  f.file_id = id;
  f.series_id = series;
  f.series_key = "s" + std::to_string(series);
  f.path = "show/S" + std::to_string(season) + "E" + std::to_string(ep);
  f.size = size;
  f.mtime_s = mtime;
  f.season = season;
  f.episode = ep;
  f.keep_last = keep;
  return f;
}

std::vector<std::int64_t> ids(const std::vector<eviction>& plan) {
  std::vector<std::int64_t> out;
  out.reserve(plan.size());
  for (const auto& e : plan)
    out.push_back(e.file.file_id);
  return out;
}

} // namespace

TEST(retention_plan, keeps_the_last_n_episodes_by_episode_order) {
  // Written out of order: the episode order decides, not the write time.
  std::vector<library_file> files = {
      file(1, 1, 1, 3, 10, 2),
      file(2, 1, 1, 1, 30, 2),
      file(3, 1, 2, 1, 5, 2),
      file(4, 1, 1, 2, 20, 2),
      file(5, 2, 1, 1, 1, std::nullopt), // no rule: never touched
  };
  auto plan = plan_retention(files);
  EXPECT_EQ(ids(plan), (std::vector<std::int64_t>{2, 4}));
  for (const auto& e : plan)
    EXPECT_EQ(e.reason, "retention");
}

TEST(retention_plan, a_series_within_its_rule_loses_nothing) {
  std::vector<library_file> files = {file(1, 1, 1, 1, 1, 3),
                                     file(2, 1, 1, 2, 2, 3)};
  EXPECT_TRUE(plan_retention(files).empty());
  EXPECT_TRUE(plan_retention({}).empty());
}

TEST(retention_plan, unnumbered_files_count_as_older) {
  auto loose = file(9, 1, 0, 0, 99, 1);
  loose.season.reset();
  loose.episode.reset();
  std::vector<library_file> files = {file(1, 1, 1, 1, 1, 1), loose};
  EXPECT_EQ(ids(plan_retention(files)), (std::vector<std::int64_t>{9}));
}

TEST(retention_plan, eviction_needs_the_switch_a_limit_and_usage_over_it) {
  std::vector<library_file> files = {file(1, 1, 1, 1, 1, 10)};
  EXPECT_TRUE(plan_storage_eviction(files, 1000, {500, false}).empty());
  EXPECT_TRUE(plan_storage_eviction(files, 1000, {0, true}).empty());
  EXPECT_TRUE(plan_storage_eviction(files, 499, {500, true}).empty());
  EXPECT_EQ(ids(plan_storage_eviction(files, 500, {500, true})),
            (std::vector<std::int64_t>{1}));
}

TEST(retention_plan, eviction_takes_the_oldest_written_of_opted_in_series) {
  std::vector<library_file> files = {
      file(1, 1, 1, 5, 40, 10, 300), file(2, 2, 1, 1, 10, std::nullopt, 300),
      file(3, 3, 1, 1, 20, 10, 300), file(4, 1, 1, 1, 30, 10, 300)};
  // 1200 used, limit 700: two files of 300 bring it to 600.
  auto plan = plan_storage_eviction(files, 1200, {700, true});
  EXPECT_EQ(ids(plan), (std::vector<std::int64_t>{3, 4}));
  for (const auto& e : plan)
    EXPECT_EQ(e.reason, "storage_limit");
  // Only opted-in files are candidates, even when that is not enough.
  EXPECT_EQ(ids(plan_storage_eviction(files, 5000, {100, true})),
            (std::vector<std::int64_t>{3, 4, 1}));
}

TEST(retention_plan, the_retention_task_is_registered_hourly) {
  auto tasks = scanner_tasks(std::chrono::milliseconds(0));
  auto found = std::find_if(tasks.begin(), tasks.end(), [](const auto& t) {
    return t.name == "retention";
  });
  ASSERT_NE(found, tasks.end());
  EXPECT_EQ(found->interval, std::chrono::hours(1));
}
