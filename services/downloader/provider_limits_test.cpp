#include "provider_limits.hpp"

#include <gtest/gtest.h>

using namespace kumo::downloader;

TEST(provider_limits, parses_the_config_message) {
  auto parsed = parse_provider_config(
      R"({"providers": [{"name": "direct", "enabled": true, "priority": 1,
          "bandwidth_limit_bps": 1000, "max_connections": 2},
          {"name": "rss"}]})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].bandwidth_limit_bps, 1000);
  EXPECT_EQ((*parsed)[0].max_connections, 2);
  EXPECT_EQ((*parsed)[1].bandwidth_limit_bps, 0);
  EXPECT_EQ((*parsed)[1].max_connections, 4);
}

TEST(provider_limits, refuses_malformed_config) {
  // Tried: not JSON, no providers list, a nameless provider, a negative
  // limit, a limit that is not a number, 0 and 17 connections.
  for (const char* bad :
       {"nope", "{}", R"({"providers": {}})", R"({"providers": [{}]})",
        R"({"providers": [{"name": "d", "bandwidth_limit_bps": -1}]})",
        R"({"providers": [{"name": "d", "bandwidth_limit_bps": "1"}]})",
        R"({"providers": [{"name": "d", "max_connections": 0}]})",
        R"({"providers": [{"name": "d", "max_connections": 17}]})"})
    EXPECT_FALSE(parse_provider_config(bad)) << bad;
}

TEST(provider_limits, applies_limits_to_the_bucket_downloads_already_hold) {
  provider_limits limits{4};
  auto bucket = limits.bucket("direct");
  EXPECT_EQ(bucket->rate(), 0);
  EXPECT_EQ(bucket->reserve(int64_t{1} << 30).count(), 0) << "unlimited";
  limits.apply({{"direct", 1000, 2}});
  EXPECT_EQ(bucket->rate(), 1000) << "a running download sees it at once";
  EXPECT_EQ(limits.max_connections("direct"), 2);
  EXPECT_EQ(limits.max_connections("rss"), 4) << "not named: default";
  EXPECT_GT(bucket->reserve(100'000).count(), 0);
  limits.apply({{"direct", 0, 4}});
  EXPECT_EQ(bucket->reserve(int64_t{1} << 30).count(), 0) << "lifted";
  EXPECT_EQ(limits.bucket("direct"), bucket);
}

TEST(provider_limits, the_worker_option_caps_the_runtime_connections) {
  provider_limits one{1}; // a worker started with max_connections 1
  one.apply({{"direct", 0, 8}});
  EXPECT_EQ(one.max_connections("direct"), 1);
  EXPECT_EQ(one.max_connections("rss"), 1);
}

TEST(provider_limits, timeout_sets_the_deadlines_of_the_next_request) {
  provider_limits limits{4};
  std::chrono::milliseconds connect{10'000};
  std::chrono::milliseconds stall{30'000};
  limits.timeouts("direct", connect, stall);
  EXPECT_EQ(stall.count(), 30'000) << "not named yet: the options";
  limits.apply({{"direct", 0, 4, 3}});
  limits.timeouts("direct", connect, stall);
  EXPECT_EQ(stall.count(), 3'000);
  EXPECT_EQ(connect.count(), 3'000) << "connecting never takes longer";
  std::chrono::milliseconds c2{10'000};
  std::chrono::milliseconds s2{30'000};
  limits.apply({{"direct", 0, 4, 120}});
  limits.timeouts("direct", c2, s2);
  EXPECT_EQ(s2.count(), 120'000) << "a longer timeout than the option";
  EXPECT_EQ(c2.count(), 10'000);
  auto parsed = parse_provider_config(
      R"({"providers": [{"name": "hls", "timeout_s": 7}]})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)[0].timeout_s, 7);
  for (const char* bad :
       {R"({"providers": [{"name": "d", "timeout_s": 0}]})",
        R"({"providers": [{"name": "d", "timeout_s": 86401}]})",
        R"({"providers": [{"name": "d", "timeout_s": "5"}]})"})
    EXPECT_FALSE(parse_provider_config(bad)) << bad;
}

TEST(provider_limits, set_timeout_options_hold_for_every_provider) {
  provider_limits limits{4, true};
  limits.apply({{"direct", 0, 4, 3}});
  std::chrono::milliseconds connect{2'000};
  std::chrono::milliseconds stall{2'000};
  limits.timeouts("direct", connect, stall);
  EXPECT_EQ(stall.count(), 2'000);
  EXPECT_EQ(connect.count(), 2'000);
}
