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
