#include "requests.hpp"

#include <gtest/gtest.h>

using namespace kumo::cli;
using nlohmann::json;

namespace {

parsed_args add_args(std::vector<std::string> urls,
                     std::map<std::string, std::string> options) {
  return parsed_args{"add", std::move(urls), std::move(options)};
}

json built(const parsed_args& a) {
  auto r = build_add_request(a);
  if (auto* e = std::get_if<usage_error>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<json>(r);
}

std::string refused(const parsed_args& a) {
  auto r = build_add_request(a);
  auto* e = std::get_if<usage_error>(&r);
  return e ? e->message : "(accepted)";
}

TEST(requests, consecutive_episodes_from_season_and_episode) {
  auto doc = built(add_args({"http://o/a.mp4", "http://o/b.mp4"},
                            {{"series", "attack-on-titan"},
                             {"season", "2"},
                             {"episode", "5"},
                             {"priority", "high"}}));
  EXPECT_EQ(doc["serie_id"], "attack-on-titan");
  EXPECT_EQ(doc["serie_name"], "Attack On Titan");
  EXPECT_EQ(doc["serie_folder"], "Attack On Titan");
  EXPECT_EQ(doc["priority"], "high");
  ASSERT_EQ(doc["episodes"].size(), 2u);
  EXPECT_EQ(doc["episodes"][1]["season"], 2);
  EXPECT_EQ(doc["episodes"][1]["episode"], 6);
  EXPECT_EQ(doc["episodes"][1]["source"]["url"], "http://o/b.mp4");
  EXPECT_EQ(doc["episodes"][1]["source"]["provider"], "direct");
}

TEST(requests, episode_codes_from_file_names) {
  auto doc = built(add_args(
      {"http://o/show.S01E02.mkv?x=S09E09", "https://o/x/s3e14-final.mp4"},
      {{"series", "show"}, {"name", "Show"}, {"folder", "Show (2020)"}}));
  EXPECT_EQ(doc["episodes"][0]["season"], 1);
  EXPECT_EQ(doc["episodes"][0]["episode"], 2);
  EXPECT_EQ(doc["episodes"][1]["season"], 3);
  EXPECT_EQ(doc["episodes"][1]["episode"], 14);
  EXPECT_EQ(doc["serie_folder"], "Show (2020)");
  EXPECT_EQ(doc["priority"], "normal");
}

TEST(requests, refusals) {
  EXPECT_NE(refused(add_args({"http://o/S01E01.mp4"}, {})).find("--series"),
            std::string::npos);
  EXPECT_NE(refused(add_args({"http://o/a.mp4"}, {{"series", "s"}}))
                .find("cannot tell the episode"),
            std::string::npos);
  EXPECT_NE(
      refused(add_args({"http://o/a.mp4"}, {{"series", "s"}, {"season", "1"}}))
          .find("both"),
      std::string::npos);
  for (auto bad : {"-1", "1001", "x", "", "99999999999999"})
    EXPECT_NE(
        refused(add_args({"http://o/a.mp4"},
                         {{"series", "s"}, {"season", bad}, {"episode", "1"}}))
            .find("--season"),
        std::string::npos)
        << bad;
  EXPECT_NE(refused(add_args({"http://o/S01E01.mp4"},
                             {{"series", "s"}, {"priority", "urgent"}}))
                .find("--priority"),
            std::string::npos);
}

} // namespace
