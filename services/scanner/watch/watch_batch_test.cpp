// The pure half of the watch: filters and coalescing, with made-up times.

#include "watch/watch_batch.hpp"

#include <gtest/gtest.h>

using namespace kumo::scanner;
using namespace std::chrono_literals;
using clock_type = watch_batch::clock;

namespace kumo::scanner {
void PrintTo(const watch_event& e, std::ostream* os); // library_watch_test
} // namespace kumo::scanner

namespace {
const auto t0 = clock_type::time_point{} + 1h;
}

TEST(watch_filters, what_counts) {
  EXPECT_TRUE(watch_counts_file("Show.S01E01.mkv", 1));
  EXPECT_TRUE(watch_counts_file("Show.S01E01.mkv", 2));
  EXPECT_FALSE(watch_counts_file("Show.S01E01.mkv", 0)); // under the root
  EXPECT_FALSE(watch_counts_file("Show.S01E01.mkv.part", 2));
  EXPECT_FALSE(watch_counts_file(".kumo-0011aabb.tmp", 2));
  EXPECT_FALSE(watch_counts_file(".Show.S01E01.mkv", 2));
  EXPECT_FALSE(watch_counts_file("Show.S01E01.nfo", 2));
  EXPECT_FALSE(watch_counts_file("Show.S01E01-sample.mkv", 2));
  EXPECT_FALSE(watch_counts_file(std::string(252, 'a') + ".mkv", 2));
  EXPECT_TRUE(watch_enters_dir("Show (2019)", 1));
  EXPECT_TRUE(watch_enters_dir("Extras", 1)); // a series may be named so
  EXPECT_FALSE(watch_enters_dir("Extras", 2));
  EXPECT_FALSE(watch_enters_dir(".git", 2));
  EXPECT_TRUE(watch_enters_dir("x", watch_max_depth));
  EXPECT_FALSE(watch_enters_dir("x", watch_max_depth + 1));
}

TEST(watch_batch, released_after_a_quiet_window) {
  watch_batch b(200ms, 2000ms);
  EXPECT_EQ(b.due_at(), std::nullopt);
  b.add(watch_change::file_appeared, "A/1.mkv", t0);
  b.add(watch_change::file_appeared, "A/1.mkv", t0 + 150ms);
  EXPECT_EQ(b.due_at(), t0 + 350ms);
  EXPECT_TRUE(b.take(t0 + 349ms).empty());
  std::vector<watch_event> want{{watch_change::file_appeared, "A/1.mkv"}};
  EXPECT_EQ(b.take(t0 + 350ms), want);
  EXPECT_TRUE(b.empty());
}

TEST(watch_batch, last_change_per_path_wins) {
  watch_batch b(200ms, 2000ms);
  b.add(watch_change::file_appeared, "A/1.mkv", t0);
  b.add(watch_change::file_removed, "A/1.mkv", t0);
  b.add(watch_change::file_removed, "A/2.mkv", t0);
  b.add(watch_change::file_appeared, "A/2.mkv", t0);
  std::vector<watch_event> want{{watch_change::file_removed, "A/1.mkv"},
                                {watch_change::file_appeared, "A/2.mkv"}};
  EXPECT_EQ(b.take(t0 + 1s), want);
}

TEST(watch_batch, busy_stream_is_cut_at_max_delay) {
  watch_batch b(200ms, 1000ms);
  for (int i = 0; i < 20; ++i)
    b.add(watch_change::file_appeared, "A/" + std::to_string(i) + ".mkv",
          t0 + i * 100ms);
  EXPECT_EQ(b.due_at(), t0 + 1000ms);
  EXPECT_EQ(b.take(t0 + 1000ms).size(), 20u);
}

TEST(watch_batch, lost_events_give_one_rescan_and_drop_the_rest) {
  watch_batch b(200ms, 2000ms);
  b.add(watch_change::file_appeared, "A/1.mkv", t0);
  b.lost(t0 + 10ms);
  b.lost(t0 + 20ms); // two losses, one rescan
  b.add(watch_change::file_removed, "B/2.mkv", t0 + 30ms);
  std::vector<watch_event> want{{watch_change::rescan, ""},
                                {watch_change::file_removed, "B/2.mkv"}};
  EXPECT_EQ(b.take(t0 + 1s), want);
  EXPECT_TRUE(b.take(t0 + 2s).empty());
}
