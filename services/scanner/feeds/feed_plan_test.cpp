#include "feeds/feed_plan.hpp"

#include <gtest/gtest.h>

namespace kumo::scanner {
namespace {

providers::episode_info item(const std::string& title, std::optional<int> s,
                             std::optional<int> e, const std::string& guid) {
  providers::episode_info ep;
  ep.title = title;
  ep.season = s;
  ep.episode = e;
  ep.guid = guid;
  ep.sources.push_back({"rss", "https://a.example/" + guid + ".mp4", "", 10});
  return ep;
}

TEST(FeedPlan, NumbersFromTheFeedThenFromTheTitle) {
  providers::series_details info;
  info.episodes = {
      item("Pilot", 2, 3, "a"), item("Show S01E05 Title", {}, {}, "b"),
      item("Show - Episode 12", {}, {}, "c"), item("Show 1x07", {}, {}, "d")};
  auto got = number_episodes(info);
  ASSERT_EQ(got.episodes.size(), 4u);
  EXPECT_EQ(got.episodes[0].season, 2);
  EXPECT_EQ(got.episodes[0].episode, 3);
  EXPECT_EQ(got.episodes[1].season, 1);
  EXPECT_EQ(got.episodes[1].episode, 5);
  EXPECT_EQ(got.episodes[2].season, 1); // a bare number: season 1
  EXPECT_EQ(got.episodes[2].episode, 12);
  EXPECT_EQ(got.episodes[3].episode, 7);
  EXPECT_EQ(got.skipped_total, 0u);
}

TEST(FeedPlan, UnnumberedRepeatedAndOutOfRangeItemsAreSkipped) {
  // Tried: a title without numbers, two items with one number, numbers
  // past the queue's range, an item without a source.
  providers::series_details info;
  info.skipped_total = 1;
  info.skipped = {"from the feed"};
  auto no_source = item("S01E09", {}, {}, "e");
  no_source.sources.clear();
  info.episodes = {
      item("A talk about gardens", {}, {}, "a"), item("S01E01", {}, {}, "b"),
      item("Show S01E01", {}, {}, "c"), item("x", 5000, 1, "d"), no_source};
  auto got = number_episodes(info);
  ASSERT_EQ(got.episodes.size(), 1u);
  EXPECT_EQ(got.skipped_total, 5u);
  ASSERT_EQ(got.skipped.size(), 5u);
  EXPECT_EQ(got.skipped[0], "from the feed");
  EXPECT_NE(got.skipped[1].find("no episode number"), std::string::npos);
  EXPECT_NE(got.skipped[2].find("repeats S01E01"), std::string::npos);
  EXPECT_NE(got.skipped[3].find("beyond season 1000"), std::string::npos);
  EXPECT_NE(got.skipped[4].find("no source"), std::string::npos);
}

TEST(FeedPlan, QueueAddBodyUsesTheFirstSource) {
  feed_episode ep{1,
                  2,
                  "t",
                  "",
                  "g",
                  {{"rss", "https://a.example/1.mp4", "", 42},
                   {"direct", "https://b.example/1.mp4", "", -1}}};
  auto body =
      queue_add_body({"show", "Show (2020)", std::string(300, 'n')}, {ep});
  EXPECT_EQ(body["serie_id"], "show");
  EXPECT_EQ(body["serie_folder"], "Show (2020)");
  EXPECT_EQ(body["serie_name"].get<std::string>().size(), 255u);
  const auto& sources = body["episodes"][0]["sources"];
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0]["url"], "https://a.example/1.mp4");
  EXPECT_EQ(sources[0]["size"], 42);
  EXPECT_FALSE(sources[0].contains("sha256"));
  EXPECT_EQ(sources[1]["provider"], "direct");
  EXPECT_FALSE(sources[1].contains("size"));
}

} // namespace
} // namespace kumo::scanner
