// Bare episode references: the scanner's answers about a series and about
// one claimed episode, including hostile sources it might pass along.

#include "episode_resolve.hpp"

#include <gtest/gtest.h>

using namespace kumo;
using namespace kumo::queue;
using json = nlohmann::json;

namespace {

const contracts::request_rules loopback{
    address_policy{*parse_cidr_list("127.0.0.1/32")}};

add_command add_with_ref() {
  add_command add;
  add.serie_id = "show";
  add_episode given;
  given.season = 1;
  given.episode = 1;
  given.src = {"direct", "http://127.0.0.1:9/a.mp4", "", -1};
  given.sources = {given.src};
  add_episode bare;
  bare.season = 1;
  bare.episode = 2;
  add.episodes = {given, bare};
  return add;
}

std::string listing(const json& sources) {
  return json{
      {"key", "show"},
      {"has_provider", true},
      {"episodes", {{{"season", 1}, {"episode", 2}, {"sources", sources}}}}}
      .dump();
}

} // namespace

TEST(episode_resolve, an_add_needs_a_series_with_a_provider) {
  auto add = add_with_ref();
  EXPECT_EQ(first_unresolved(add), 1);
  EXPECT_FALSE(judge_series(add, R"({"has_provider": true})", ""));
  auto none = judge_series(add, R"({"has_provider": false})", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->code, "invalid_argument");
  EXPECT_EQ(none->field, "episodes[1]");
  EXPECT_NE(none->message.find("has no provider"), std::string::npos);
  auto unknown = judge_series(
      add, R"({"error": {"code": "not_found", "field": "key"}})", "");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->field, "episodes[1]");
  EXPECT_NE(unknown->message.find("not in the library"), std::string::npos);
  auto down = judge_series(add, "", "timeout");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->code, "unavailable");
  add.episodes.pop_back();
  EXPECT_FALSE(judge_series(add, "", "timeout")) << "no bare reference";
}

TEST(episode_resolve, a_claimed_reference_gets_the_listed_sources) {
  auto r = read_resolution(
      listing({{{"provider", "direct"},
                {"url", "http://127.0.0.1:9/e2.mp4"},
                {"sha256", std::string(64, 'a')},
                {"size", 5}},
               {{"provider", "hls"}, {"url", "http://127.0.0.1:9/e2.m3u8"}}}),
      "", 1, 2, loopback);
  ASSERT_EQ(r.sources.size(), 2U) << r.error;
  EXPECT_EQ(r.sources[0].size, 5);
  EXPECT_EQ(r.sources[1].provider, "hls");
  EXPECT_EQ(r.sources[1].size, -1);
}

TEST(episode_resolve, an_unknown_episode_fails_with_a_clear_reason) {
  auto r = read_resolution(listing(json::array()), "", 1, 3, loopback);
  EXPECT_TRUE(r.sources.empty());
  EXPECT_FALSE(r.transient);
  EXPECT_EQ(r.error, "episode S01E03 is not known to the series' provider");
  auto gone = read_resolution(
      R"({"error": {"code": "not_found", "message": "no series"}})", "", 1, 2,
      loopback);
  EXPECT_FALSE(gone.transient);
  EXPECT_NE(gone.error.find("no series"), std::string::npos);
  auto later = read_resolution("", "no_responders", 1, 2, loopback);
  EXPECT_TRUE(later.transient);
  EXPECT_NE(later.error.find("did not answer"), std::string::npos);
}

TEST(episode_resolve, hostile_listed_sources_are_left_out) {
  auto r = read_resolution(
      listing({{{"provider", "torrent"}, {"url", "http://127.0.0.1:9/a"}},
               {{"provider", "direct"}, {"url", "file:///etc/passwd"}},
               {{"provider", "direct"}, {"url", "http://10.0.0.1/a"}},
               "not an object",
               {{"provider", "direct"}, {"url", 5}}}),
      "", 1, 2, loopback);
  EXPECT_TRUE(r.sources.empty());
  EXPECT_EQ(r.error, "episode S01E02 has no usable source at the series' "
                     "provider");
  auto garbage = read_resolution("{not json", "", 1, 2, loopback);
  EXPECT_TRUE(garbage.sources.empty());
  EXPECT_FALSE(garbage.error.empty());
}

TEST(episode_resolve, the_series_provider_is_read_from_the_answer) {
  EXPECT_EQ(series_site(R"({"site": "aniworld", "has_provider": true})"),
            "aniworld");
  EXPECT_EQ(series_site(R"({"error": {"code": "not_found"}})"), "");
  EXPECT_EQ(series_site(R"({"site": 5})"), "") << "not a string";
  EXPECT_EQ(series_site("not json"), "");
}
