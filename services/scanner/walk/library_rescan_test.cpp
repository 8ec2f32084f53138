// Incremental rescans, cancellation, progress and the naming rules.

#include "walk/library_walk.hpp"
#include "walk/walk_rules.hpp"
#include "walk/walk_test_tree.hpp"

#include <algorithm>
#include <cstdio>
#include <gtest/gtest.h>
#include <mutex>

using namespace kumo::scanner;
using kumo::scanner::testing::temp_tree;

namespace {

/// Folder, paths and numbers of every series: what a rescan must get right.
std::string listing(const walk_result& r) {
  std::string out;
  for (const auto& s : r.series) {
    out += "# " + s->folder + (s->complete ? "\n" : " (incomplete)\n");
    for (const auto& e : s->episodes) {
      out += e.path + ' ' + std::to_string(e.season.value_or(-1)) + ':';
      for (int n : e.episodes)
        out += std::to_string(n) + ',';
      out += ' ' + std::to_string(e.size) + '\n';
    }
    for (const auto& u : s->unparsed)
      out += "unparsed " + u + '\n';
  }
  return out;
}

void make_library(const temp_tree& t) {
  for (const char* s : {"A", "B", "C", "E", "F"})
    for (int season = 1; season <= 2; ++season)
      for (int ep = 1; ep <= 3; ++ep) {
        char name[128];
        std::snprintf(name, sizeof(name), "%s/Season %d/%s.S%02dE%02d.mkv", s,
                      season, s, season, ep);
        t.file(name);
      }
  t.age();
}

const walked_series* find(const walk_result& r, const std::string& folder) {
  for (const auto& s : r.series)
    if (s->folder == folder)
      return s.get();
  return nullptr;
}

} // namespace

TEST(library_rescan, no_change_reads_no_folder) {
  temp_tree t;
  make_library(t);
  auto first = walk_library(t.root(), {});
  ASSERT_EQ(first.stats.dirs, 16u); // root, 5 series, 10 seasons
  auto again = walk_library(t.root(), {}, &first.state);
  EXPECT_EQ(again.stats.dirs, 0u);
  EXPECT_EQ(again.stats.dirs_reused, 16u);
  EXPECT_EQ(again.stats.files, 0u);
  EXPECT_EQ(listing(again), listing(first));
  for (std::size_t i = 0; i < first.series.size(); ++i)
    EXPECT_EQ(again.series[i], first.series[i]); // the same objects
}

TEST(library_rescan, finds_exactly_the_changes) {
  temp_tree t;
  make_library(t);
  auto first = walk_library(t.root(), {});
  t.file("A/Season 1/A.S01E04.mkv", "new"); // added
  ASSERT_EQ(std::remove(t.path("B/Season 2/B.S02E03.mkv").c_str()), 0);
  ASSERT_EQ(std::rename(t.path("C/Season 1/C.S01E01.mkv").c_str(),
                        t.path("C/Season 1/C.S01E09.mkv").c_str()),
            0);                      // renamed
  t.file("D/Season 1/D.S01E01.mkv"); // new series
  for (const char* f : {"E.S01E01.mkv", "E.S01E02.mkv", "E.S01E03.mkv"})
    std::remove(t.path(std::string("E/Season 1/") + f).c_str());
  ASSERT_EQ(::rmdir(t.path("E/Season 1").c_str()), 0); // season gone
  auto rescan = walk_library(t.root(), {}, &first.state);
  auto fresh = walk_library(t.root(), {});
  EXPECT_EQ(listing(rescan), listing(fresh));
  // Read again: root, A/Season 1, B/Season 2, C/Season 1, D, D/Season 1, E.
  EXPECT_EQ(rescan.stats.dirs, 7u);
  EXPECT_EQ(rescan.stats.files, 4u + 2 + 3 + 1); // the files of those folders
  EXPECT_EQ(find(rescan, "F"), first.series[4].get()); // untouched: reused
  EXPECT_NE(listing(rescan), listing(first));
  ASSERT_NE(find(rescan, "A"), nullptr);
  EXPECT_EQ(find(rescan, "A")->episodes.size(), 7u);
  EXPECT_EQ(find(rescan, "B")->episodes.size(), 5u);
  EXPECT_EQ(find(rescan, "E")->episodes.size(), 3u);
  EXPECT_EQ(find(rescan, "D")->episodes.size(), 1u);
  EXPECT_EQ(find(rescan, "C")->episodes[2].episodes, std::vector<int>{9});
}

TEST(library_rescan, recent_folders_are_read_again) {
  temp_tree t;
  t.file("A/Season 1/A.S01E01.mkv"); // not aged: modified just now
  auto first = walk_library(t.root(), {});
  auto again = walk_library(t.root(), {}, &first.state);
  EXPECT_EQ(again.stats.dirs, 3u);
  EXPECT_EQ(listing(again), listing(first));
}

TEST(library_rescan, cancel_mid_walk) {
  temp_tree t;
  make_library(t);
  int calls = 0;
  walk_options opt;
  opt.cancelled = [&] { return ++calls > 6; };
  auto r = walk_library(t.root(), opt);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.stats.dirs, 6u);
  EXPECT_LT(r.series.size(), 5u);
  EXPECT_EQ(r.state.root, nullptr);
  EXPECT_EQ(r.state.dirs, 0u);
  // A cancelled walk's state is empty: the next walk reads everything.
  auto next = walk_library(t.root(), {}, &r.state);
  EXPECT_EQ(next.stats.dirs, 16u);
}

TEST(library_rescan, progress_per_folder) {
  temp_tree t;
  make_library(t);
  std::vector<walk_progress> seen;
  walk_options opt;
  opt.progress = [&](const walk_progress& p) { seen.push_back(p); };
  auto r = walk_library(t.root(), opt);
  ASSERT_EQ(seen.size(), 16u);
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i].dirs_done, i + 1);
  EXPECT_EQ(seen.back().files_done, 30u);
  seen.clear();
  walk_library(t.root(), opt, &r.state);
  ASSERT_EQ(seen.size(), 16u);
  EXPECT_EQ(seen.back().files_done, 30u);
}

TEST(walk_rules, names) {
  for (const char* v : {"a.mkv", "a.MP4", "a.avi", "a.m4v", "a.webm", "a.ts",
                        "a.mov", "a.wmv", "a.flv", "a.ogv", "a.m2ts"})
    EXPECT_TRUE(is_video_name(v)) << v;
  for (const char* v : {"a.nfo", "a.srt", "a.mkv.part", "mkv", "a.txt", "a."})
    EXPECT_FALSE(is_video_name(v)) << v;
  EXPECT_TRUE(is_sample_name("sample.mkv"));
  EXPECT_TRUE(is_sample_name("Show.S01E01-Sample.mkv"));
  EXPECT_FALSE(is_sample_name("Examples.S01E01.mkv"));
  EXPECT_FALSE(is_sample_name("Show.Resample.mkv"));
  EXPECT_TRUE(is_extras_folder("Behind The Scenes"));
  EXPECT_TRUE(is_extras_folder("featurettes"));
  EXPECT_FALSE(is_extras_folder("Season 1"));
  EXPECT_TRUE(is_partial_name("a.mkv.part"));
  std::string name;
  std::optional<int> year;
  split_series_folder("Show Name (2019)", name, year);
  EXPECT_EQ(name, "Show Name");
  EXPECT_EQ(year, 2019);
  split_series_folder("1923", name, year);
  EXPECT_EQ(name, "1923");
  EXPECT_EQ(year, std::nullopt);
  split_series_folder("Show (20x9)", name, year);
  EXPECT_EQ(name, "Show (20x9)");
  EXPECT_EQ(year, std::nullopt);
}

// Two threads give the same series, counters and state as one, on a first
// walk, a no-change rescan and a rescan after a rename; cancellation from
// the calling thread stops both threads and leaves no state.
TEST(library_rescan, two_threads_same_result) {
  temp_tree t;
  make_library(t);
  walk_options two;
  two.threads = 2;
  auto one_first = walk_library(t.root(), {});
  auto two_first = walk_library(t.root(), two);
  EXPECT_EQ(listing(two_first), listing(one_first));
  EXPECT_EQ(two_first.stats.dirs, 16u);
  EXPECT_EQ(two_first.stats.files, 30u);
  EXPECT_EQ(two_first.state.dirs, 16u);
  EXPECT_EQ(two_first.state.series, 5u);
  auto again = walk_library(t.root(), two, &two_first.state);
  EXPECT_EQ(again.stats.dirs, 0u);
  EXPECT_EQ(again.stats.dirs_reused, 16u);
  EXPECT_EQ(listing(again), listing(one_first));
  ASSERT_EQ(std::rename(t.path("C/Season 2/C.S02E03.mkv").c_str(),
                        t.path("C/Season 2/C.S02E09.mkv").c_str()),
            0);
  auto changed = walk_library(t.root(), two, &again.state);
  EXPECT_EQ(listing(changed), listing(walk_library(t.root(), {})));
  EXPECT_NE(listing(changed).find("C.S02E09.mkv 2:9,"), std::string::npos);

  // With two threads the calling thread may see few directories of its own
  // (the other thread can take them all), so only a cancel that holds from
  // the start stops the walk at a known point: before it completes.
  two.cancelled = [] { return true; };
  auto cut = walk_library(t.root(), two);
  EXPECT_TRUE(cut.cancelled);
  EXPECT_EQ(cut.state.root, nullptr);
  EXPECT_LT(cut.stats.dirs, 16u);
}

// The state is a tree of records shared across walks: a no-change rescan
// keeps the previous root record, a change replaces only the records on
// the path to the changed folder, and the series objects of unchanged
// series are the previous walk's.
TEST(library_rescan, unchanged_records_are_shared) {
  temp_tree t;
  make_library(t);
  auto first = walk_library(t.root(), {});
  ASSERT_NE(first.state.root, nullptr);
  EXPECT_EQ(first.state.dirs, 16u);
  EXPECT_EQ(first.state.series, 5u);
  auto again = walk_library(t.root(), {}, &first.state);
  EXPECT_EQ(again.state.root, first.state.root);
  EXPECT_EQ(again.state.dirs, 16u);
  t.file("B/Season 1/B.S01E09.mkv");
  auto changed = walk_library(t.root(), {}, &again.state);
  EXPECT_NE(changed.state.root, again.state.root);
  EXPECT_EQ(changed.stats.dirs, 1u);
  ASSERT_EQ(changed.series.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    bool is_b = changed.series[i]->folder == "B";
    EXPECT_EQ(changed.series[i] == again.series[i], !is_b) << i;
  }
  EXPECT_EQ(find(changed, "B")->episodes.size(), 7u);
}

// series_done hands out each series once, as soon as its folder is walked,
// as the very object the result holds; with two threads too (from both),
// and on a rescan that reuses the previous objects.
TEST(library_rescan, series_done_once_per_series) {
  temp_tree t;
  make_library(t);
  for (int threads : {1, 2}) {
    std::mutex m;
    std::vector<std::shared_ptr<const walked_series>> seen;
    walk_options opt;
    opt.threads = threads;
    opt.series_done = [&](const std::shared_ptr<const walked_series>& s) {
      std::lock_guard<std::mutex> lock(m);
      seen.push_back(s);
    };
    auto first = walk_library(t.root(), opt);
    auto by_folder = [](const auto& a, const auto& b) {
      return a->folder < b->folder;
    };
    std::sort(seen.begin(), seen.end(), by_folder);
    EXPECT_EQ(seen, first.series) << threads;
    seen.clear();
    auto again = walk_library(t.root(), opt, &first.state);
    std::sort(seen.begin(), seen.end(), by_folder);
    EXPECT_EQ(seen, again.series) << threads;
    EXPECT_EQ(seen, first.series) << threads; // unchanged: the same objects
  }
}
