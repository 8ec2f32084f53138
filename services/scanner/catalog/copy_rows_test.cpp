#include "catalog/copy_rows.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

planned_file holding(std::vector<episode_ref> refs) {
  planned_file f;
  f.path = "Show/a.mkv";
  f.episodes = std::move(refs);
  return f;
}

TEST(CopyRows, SeasonFileKeepsItsEpisodesSortedOnce) {
  auto n = numbers_of(holding(
      {{1, 3, std::nullopt}, {1, 2, std::nullopt}, {1, 3, std::nullopt}}));
  EXPECT_EQ(n.season, 1);
  EXPECT_EQ(n.episodes, (std::vector<int>{2, 3}));
  EXPECT_TRUE(n.absolutes.empty());
}

TEST(CopyRows, AbsoluteFileHasNoSeason) {
  auto n = numbers_of(holding(
      {{std::nullopt, std::nullopt, 57}, {std::nullopt, std::nullopt, 56}}));
  EXPECT_FALSE(n.season);
  EXPECT_TRUE(n.episodes.empty());
  EXPECT_EQ(n.absolutes, (std::vector<int>{56, 57}));
}

TEST(CopyRows, NumbersOutsideTheCatalogRangesAreLeftOut) {
  // Tried: a season over 10000, an episode over 100000, a negative
  // episode, an absolute over 1000000: none is recorded, as no episode row
  // could hold it.
  auto n = numbers_of(holding({{10001, 1, std::nullopt},
                               {2, 100001, std::nullopt},
                               {2, -1, std::nullopt}}));
  EXPECT_FALSE(n.season);
  EXPECT_TRUE(n.episodes.empty());
  auto a = numbers_of(holding({{std::nullopt, std::nullopt, 1000001}}));
  EXPECT_TRUE(a.absolutes.empty());
  EXPECT_FALSE(numbers_of(holding({})).season);
}

TEST(CopyRows, EpisodeRowsOfASeriesEachOnce) {
  file_numbers a{1, {1, 2}, {}};
  file_numbers b{1, {2, 3}, {}};
  file_numbers c{std::nullopt, {}, {7, 7}};
  file_numbers d{0, {1}, {}};
  auto eps = episodes_of({a, b, c, d});
  EXPECT_EQ(eps.numbered,
            (std::vector<std::pair<int, int>>{{0, 1}, {1, 1}, {1, 2}, {1, 3}}));
  EXPECT_EQ(eps.absolutes, (std::vector<int>{7}));
}

TEST(CopyRows, TimestampInUtcWithMicroseconds) {
  EXPECT_EQ(timestamp_text(0), "1970-01-01 00:00:00.000000+00");
  EXPECT_EQ(timestamp_text(1'795'640'400'123'456'789),
            "2026-11-25 21:00:00.123456+00");
  // Before the epoch the microseconds round down, as the catalog compares.
  EXPECT_EQ(timestamp_text(-1), "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(timestamp_text(-1'000'000'000), "1969-12-31 23:59:59.000000+00");
}

TEST(CopyRows, IntegerArrays) {
  EXPECT_EQ(int_array_text({}), "{}");
  EXPECT_EQ(int_array_text({1}), "{1}");
  EXPECT_EQ(int_array_text({1, 20, 300}), "{1,20,300}");
}

TEST(CopyRows, CutCountsCharactersNotBytes) {
  EXPECT_EQ(cut_chars("WEB-DL", 50), "WEB-DL");
  EXPECT_EQ(cut_chars("abcdef", 3), "abc");
  EXPECT_EQ(cut_chars("", 3), "");
  // "日本語" is 9 bytes, 3 characters: two characters are 6 bytes.
  EXPECT_EQ(cut_chars("日本語", 2), "日本");
  EXPECT_EQ(cut_chars("日本語", 3), "日本語");
}

} // namespace
} // namespace kumo::scanner
