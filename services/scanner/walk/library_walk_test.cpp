// The library walk over real temporary folders; failures of the kernel calls
// are injected through walk_env.

#include "walk/library_walk.hpp"
#include "walk/walk_test_tree.hpp"

#include <cstdio>
#include <gtest/gtest.h>
#include <sstream>

using namespace kumo::scanner;
using kumo::scanner::testing::failing_env;
using kumo::scanner::testing::temp_tree;

namespace {

const walked_series* find(const walk_result& r, const std::string& folder) {
  for (const auto& s : r.series)
    if (s->folder == folder)
      return s.get();
  return nullptr;
}

/// "path season:episodes abs:absolute" per episode file, in path order.
std::string summary(const walked_series& s) {
  std::ostringstream out;
  for (const auto& e : s.episodes) {
    out << e.path << ' ' << (e.season ? std::to_string(*e.season) : "-") << ':';
    for (int n : e.episodes)
      out << n << ',';
    out << " abs:";
    for (int n : e.absolute)
      out << n << ',';
    out << '\n';
  }
  for (const auto& u : s.unparsed)
    out << "unparsed " << u << '\n';
  return out.str();
}

std::string summary(const walk_result& r) {
  std::string out;
  for (const auto& s : r.series)
    out += "# " + s->folder + '\n' + summary(*s);
  return out;
}

walk_result walk(const temp_tree& t, const walk_options& opt = {},
                 const walk_state* prev = nullptr) {
  return walk_library(t.root(), opt, prev);
}

} // namespace

TEST(library_walk, every_naming_form) {
  temp_tree t;
  t.file("Show Name (2019)/Season 1/Show.Name.S01E02.1080p.WEB-DL.x264-GRP.mkv",
         "12345");
  t.file("Show Name (2019)/S02/Show Name - 2x05.mp4");
  t.file("Show Name (2019)/Season 3/Show Name - 07.avi");
  t.file("Show Name (2019)/Specials/Show Name - S00E01.m4v");
  t.file("Show Name (2019)/Season 2/Show.Name.S02E06.720p-GRP/a1b2c3.mkv");
  t.file("Show Name (2019)/Bloopers.mkv");
  t.file("[Sub] Anime/[Sub] Anime - 012 [1080p].mkv");
  t.file("Daily Show/Daily.Show.2019.03.14.webm");
  auto r = walk(t);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.series.size(), 3u);
  const auto* show = find(r, "Show Name (2019)");
  ASSERT_NE(show, nullptr);
  EXPECT_EQ(show->name, "Show Name");
  EXPECT_EQ(show->year, 2019);
  EXPECT_TRUE(show->complete);
  EXPECT_EQ(summary(*show),
            "S02/Show Name - 2x05.mp4 2:5, abs:\n"
            "Season 1/Show.Name.S01E02.1080p.WEB-DL.x264-GRP.mkv 1:2, abs:\n"
            "Season 2/Show.Name.S02E06.720p-GRP/a1b2c3.mkv 2:6, abs:\n"
            "Season 3/Show Name - 07.avi 3:7, abs:\n"
            "Specials/Show Name - S00E01.m4v 0:1, abs:\n"
            "unparsed Bloopers.mkv\n");
  const auto& first = show->episodes[1];
  EXPECT_EQ(first.size, 5u);
  EXPECT_GT(first.mtime_ns, 0);
  EXPECT_EQ(first.resolution, "1080p");
  EXPECT_EQ(first.group, "GRP");
  EXPECT_TRUE(show->episodes[4].special);
  const auto* anime = find(r, "[Sub] Anime");
  ASSERT_NE(anime, nullptr);
  EXPECT_EQ(anime->year, std::nullopt);
  EXPECT_EQ(summary(*anime), "[Sub] Anime - 012 [1080p].mkv -: abs:12,\n");
  const auto* daily = find(r, "Daily Show");
  ASSERT_NE(daily, nullptr);
  ASSERT_EQ(daily->episodes.size(), 1u);
  EXPECT_EQ(daily->episodes[0].air_date, "2019-03-14");
  EXPECT_EQ(r.stats.files, 8u);
  EXPECT_EQ(r.stats.dirs, 10u); // root, 3 series, 5 seasons, 1 release folder
}

TEST(library_walk, skips_what_is_not_an_episode) {
  temp_tree t;
  t.file("Show/Season 1/Show.S01E01.mkv");
  t.file("Show/Season 1/.Show.S01E02.mkv");       // hidden
  t.file("Show/Season 1/Show.S01E03.mkv.part");   // unfinished
  t.file("Show/Season 1/Show.S01E04-sample.mkv"); // sample
  t.file("Show/Season 1/Show.S01E05.nfo");        // not a video
  t.file("Show/Season 1/Show.S01E06.srt");        // not a video
  t.file("Show/Extras/Show.S01E07.mkv");          // extras folder
  t.file("Show/Featurettes/Show.S01E08.mkv");
  t.file("Show/Season 1/Sample/Show.S01E09.mkv");
  t.file("Show/.hidden/Show.S01E10.mkv");
  t.file("Loose.S01E11.mkv"); // directly under the root: no series
  t.file(".trash/Show.S01E12.mkv");
  auto r = walk(t);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.series.size(), 1u);
  EXPECT_EQ(summary(r), "# Show\nSeason 1/Show.S01E01.mkv 1:1, abs:\n");
  EXPECT_EQ(r.stats.skipped, 11u);
  EXPECT_EQ(r.stats.files, 1u);
}

TEST(library_walk, unicode_names) {
  temp_tree t;
  t.file("進撃の巨人 (2013)/Season 1/進撃の巨人 - S01E03.mkv");
  t.file("Café Olé/Saison 2/Café Olé - 2x04.mkv");
  t.file("Сериал/Сезон 1/Сериал.S01E05.mkv");
  auto r = walk(t);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(summary(r), "# Café Olé\nSaison 2/Café Olé - 2x04.mkv 2:4, abs:\n"
                        "# Сериал\nСезон 1/Сериал.S01E05.mkv 1:5, abs:\n"
                        "# 進撃の巨人 (2013)\n"
                        "Season 1/進撃の巨人 - S01E03.mkv 1:3, abs:\n");
  EXPECT_EQ(find(r, "進撃の巨人 (2013)")->name, "進撃の巨人");
  EXPECT_EQ(find(r, "進撃の巨人 (2013)")->year, 2013);
}

TEST(library_walk, symlinks_are_counted_never_followed) {
  temp_tree t;
  t.file("Show/Season 1/Show.S01E01.mkv");
  t.symlink("..", "Show/Season 1/loop");  // a loop
  t.symlink("/", "Show/escape");          // leaves the root
  t.symlink("../..", "Show/Season 1/up"); // leaves the root
  t.symlink("/etc/hostname", "Show/Season 1/Show.S01E02.mkv");
  t.symlink("/", "Linked Series"); // a series that is a link
  t.symlink("Show", "Show Again"); // a series inside the root
  auto r = walk(t);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(summary(r), "# Show\nSeason 1/Show.S01E01.mkv 1:1, abs:\n");
  EXPECT_EQ(r.stats.symlinks, 6u);
  EXPECT_EQ(r.stats.dirs, 3u);
}

TEST(library_walk, denied_and_vanished_folders_are_counted) {
  temp_tree t;
  t.file("Show/Season 1/Show.S01E01.mkv");
  t.file("Show/Season 2/Show.S02E01.mkv");
  t.file("Show/Season 3/Show.S03E01.mkv");
  t.file("Locked/Season 1/Locked.S01E01.mkv");
  t.file("Other/Season 1/Other.S01E01.mkv");
  failing_env env;
  env.open_fails = {
      {"Season 2", EACCES}, {"Season 3", ENOENT}, {"Locked", EPERM}};
  walk_options opt;
  opt.env = &env;
  auto r = walk(t, opt);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.stats.denied, 2u);
  EXPECT_EQ(r.stats.vanished, 1u);
  EXPECT_EQ(summary(r), "# Locked\n"
                        "# Other\nSeason 1/Other.S01E01.mkv 1:1, abs:\n"
                        "# Show\nSeason 1/Show.S01E01.mkv 1:1, abs:\n");
  EXPECT_FALSE(find(r, "Locked")->complete);
  EXPECT_FALSE(find(r, "Show")->complete);
  EXPECT_TRUE(find(r, "Other")->complete);
}

TEST(library_walk, file_vanishing_between_listing_and_stat) {
  temp_tree t;
  t.file("Show/Season 1/Show.S01E01.mkv");
  t.file("Show/Season 1/Show.S01E02.mkv");
  t.age();
  failing_env env;
  env.stat_fails = {{"Show.S01E02.mkv", ENOENT}};
  walk_options opt;
  opt.env = &env;
  auto r = walk(t, opt);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.stats.vanished, 1u);
  EXPECT_EQ(summary(r), "# Show\nSeason 1/Show.S01E01.mkv 1:1, abs:\n");
  EXPECT_FALSE(r.series[0]->complete);
  // The folder is read again next time although its mtime did not change.
  auto again = walk(t, {}, &r.state);
  EXPECT_EQ(again.stats.dirs, 1u);
  EXPECT_EQ(summary(again), "# Show\nSeason 1/Show.S01E01.mkv 1:1, abs:\n"
                            "Season 1/Show.S01E02.mkv 1:2, abs:\n");
}

TEST(library_walk, missing_root_is_an_error) {
  auto r = walk_library("/nonexistent/kumo-walk-root", {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.root_errno, ENOENT);
  EXPECT_TRUE(r.series.empty());
}

TEST(library_walk, depth_and_name_limits) {
  temp_tree t;
  t.file("Show/Season 1/a/b/c/Show.S01E01.mkv");
  t.file("Show/Season 1/Show.S01E02.mkv");
  t.file("Show/Season 1/Show.S01E03." + std::string(200, 'x') + ".mkv");
  walk_options opt;
  opt.max_depth = 3; // root 0, Show 1, Season 1 2, a 3
  opt.max_name_bytes = 100;
  auto r = walk(t, opt);
  EXPECT_EQ(r.stats.too_deep, 1u);
  EXPECT_EQ(r.stats.too_long, 1u);
  EXPECT_EQ(summary(r), "# Show\nSeason 1/Show.S01E02.mkv 1:2, abs:\n");
  EXPECT_FALSE(r.series[0]->complete);
}
