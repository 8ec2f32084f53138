#include "catalog/catalog_plan.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

walked_episode file(std::string path, std::optional<int> season,
                    std::vector<int> eps, std::vector<int> abs = {},
                    std::uint64_t size = 100, std::int64_t mtime = 5'000'000) {
  walked_episode e;
  e.path = std::move(path);
  e.season = season;
  e.episodes = std::move(eps);
  e.absolute = std::move(abs);
  e.size = size;
  e.mtime_ns = mtime;
  return e;
}

walked_series show(std::vector<walked_episode> files, bool complete = true) {
  walked_series s;
  s.folder = "Show (2019)";
  s.name = "Show";
  s.year = 2019;
  s.episodes = std::move(files);
  s.complete = complete;
  return s;
}

TEST(CatalogPlan, NewFilesAreUpsertedWithRootRelativePaths) {
  auto s = show({file("Season 1/Show.S01E01E02.mkv", 1, {1, 2})});
  auto plan = plan_series(&s, {});
  ASSERT_EQ(plan.upserts.size(), 1U);
  EXPECT_EQ(plan.upserts[0].path, "Show (2019)/Season 1/Show.S01E01E02.mkv");
  ASSERT_EQ(plan.upserts[0].episodes.size(), 2U);
  EXPECT_EQ(plan.upserts[0].episodes[1].episode, 2);
  EXPECT_EQ(plan.added, 1);
  EXPECT_TRUE(plan.removals.empty());
}

TEST(CatalogPlan, UnchangedFilesWriteNothing) {
  auto s = show({file("a.S01E01.mkv", 1, {1}, {}, 100, 5'000'999)});
  // The catalog keeps microseconds: 5'000'999 ns reads back as 5'000'000.
  auto plan = plan_series(&s, {{"Show (2019)/a.S01E01.mkv", 100, 5'000'000}});
  EXPECT_TRUE(plan.empty());
}

TEST(CatalogPlan, ChangedSizeOrMtimeIsUpdated) {
  auto s = show({file("a.S01E01.mkv", 1, {1}, {}, 200)});
  auto plan = plan_series(&s, {{"Show (2019)/a.S01E01.mkv", 100, 5'000'000}});
  ASSERT_EQ(plan.upserts.size(), 1U);
  EXPECT_EQ(plan.changed, 1);
  EXPECT_EQ(plan.added, 0);
}

TEST(CatalogPlan, VanishedFilesAreRemoved) {
  auto s = show({file("a.S01E01.mkv", 1, {1})});
  auto plan = plan_series(&s, {{"Show (2019)/a.S01E01.mkv", 100, 5'000'000},
                               {"Show (2019)/gone.S01E02.mkv", 1, 1}});
  ASSERT_EQ(plan.removals.size(), 1U);
  EXPECT_EQ(plan.removals[0], "Show (2019)/gone.S01E02.mkv");
}

TEST(CatalogPlan, IncompleteWalkRemovesNothing) {
  auto s = show({}, false);
  auto plan = plan_series(&s, {{"Show (2019)/Season 2/x.S02E01.mkv", 1, 1}});
  EXPECT_TRUE(plan.removals.empty());
}

TEST(CatalogPlan, UnparsedFilesKeepTheirRows) {
  auto s = show({});
  s.unparsed.emplace_back("extra.mkv");
  auto plan = plan_series(&s, {{"Show (2019)/extra.mkv", 1, 1}});
  EXPECT_TRUE(plan.removals.empty());
}

TEST(CatalogPlan, GoneFolderRemovesEveryFile) {
  auto plan = plan_series(
      nullptr, {{"Show (2019)/a.mkv", 1, 1}, {"Show (2019)/b.mkv", 1, 1}});
  EXPECT_EQ(plan.removals.size(), 2U);
}

TEST(CatalogPlan, EpisodeRefs) {
  auto abs = episode_refs(file("x - 012.mkv", std::nullopt, {}, {12}));
  ASSERT_EQ(abs.size(), 1U);
  EXPECT_FALSE(abs[0].season);
  EXPECT_EQ(abs[0].absolute, 12);
  // Season numbering wins over an absolute number next to it.
  auto both = episode_refs(file("x S01E03 - 003.mkv", 1, {3}, {3}));
  ASSERT_EQ(both.size(), 1U);
  EXPECT_EQ(both[0].season, 1);
  EXPECT_FALSE(both[0].absolute);
  auto special = episode_refs(file("Specials/x S00E01.mkv", 0, {1}));
  ASSERT_EQ(special.size(), 1U);
  EXPECT_EQ(special[0].season, 0);
  EXPECT_TRUE(episode_refs(file("pack.mkv", 2, {})).empty());
}

TEST(CatalogPlan, Slugs) {
  EXPECT_EQ(series_slug("Attack on Titan", 2013), "attack-on-titan-2013");
  EXPECT_EQ(series_slug("  Re:Zero -- Kara!", std::nullopt), "re-zero-kara");
  EXPECT_EQ(series_slug("進撃の巨人", std::nullopt).rfind("series-", 0), 0U);
  EXPECT_EQ(series_slug("進撃の巨人", std::nullopt).size(), 15U);
  EXPECT_EQ(series_slug(std::string(300, 'a'), 2020).size(), 100U);
  EXPECT_TRUE(valid_key(series_slug("Café Ünïcode (Ok)", 1999)));
  EXPECT_TRUE(valid_key("a-1"));
  EXPECT_FALSE(valid_key("A"));
  EXPECT_FALSE(valid_key("a--b"));
  EXPECT_FALSE(valid_key("-a"));
  EXPECT_FALSE(valid_key("a-"));
  EXPECT_FALSE(valid_key(""));
}

TEST(CatalogPlan, Folders) {
  EXPECT_TRUE(valid_folder("Show (2019)"));
  EXPECT_TRUE(valid_folder("進撃の巨人"));
  EXPECT_FALSE(valid_folder(".."));
  EXPECT_FALSE(valid_folder("."));
  EXPECT_FALSE(valid_folder("a/b"));
  EXPECT_FALSE(valid_folder("a\nb"));
  EXPECT_FALSE(valid_folder(std::string(256, 'a')));
  EXPECT_EQ(default_folder("Show", 2019), "Show (2019)");
  EXPECT_EQ(default_folder("Show", std::nullopt), "Show");
}

} // namespace
} // namespace kumo::scanner
