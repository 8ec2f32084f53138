#include "auth/api_keys.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;
using namespace std::chrono_literals;

TEST(api_keys, fresh_keys_have_the_checked_shape_and_differ) {
  auto a = new_api_key();
  auto b = new_api_key();
  EXPECT_EQ(a.size(), 48u);
  EXPECT_TRUE(looks_like_api_key(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(api_key_prefix(a), a.substr(0, 11));
}

TEST(api_keys, other_shapes_are_not_keys) {
  auto key = new_api_key();
  EXPECT_FALSE(looks_like_api_key(""));
  EXPECT_FALSE(looks_like_api_key("kumo_"));
  EXPECT_FALSE(looks_like_api_key(key.substr(5))) << "a session token";
  EXPECT_FALSE(looks_like_api_key(key + "A"));
  EXPECT_FALSE(looks_like_api_key("kumo_" + std::string(43, '*')));
}

TEST(api_keys, hostile_names_are_refused_with_a_reason) {
  EXPECT_FALSE(key_name_problem("backup script"));
  EXPECT_FALSE(key_name_problem("Jellyfin \xc3\xa9t\xc3\xa9"));
  EXPECT_TRUE(key_name_problem(""));
  EXPECT_TRUE(key_name_problem("   "));
  EXPECT_TRUE(key_name_problem(std::string(size_t{10} * 1024, 'a')));
  EXPECT_TRUE(key_name_problem(std::string(65, 'a')));
  EXPECT_TRUE(key_name_problem("a\nb"));
  EXPECT_TRUE(key_name_problem("a\x7f"));
  EXPECT_TRUE(key_name_problem("a\xc2\x85"));
  EXPECT_TRUE(key_name_problem("\xff\xfe"));
  EXPECT_TRUE(key_name_problem("\xc3"));
}

TEST(api_keys, last_use_is_written_at_most_once_per_interval_per_key) {
  touch_throttle throttle{60s};
  touch_throttle::clock::time_point t0{};
  EXPECT_TRUE(throttle.due("a", t0));
  EXPECT_FALSE(throttle.due("a", t0 + 1s));
  EXPECT_FALSE(throttle.due("a", t0 + 59s));
  EXPECT_TRUE(throttle.due("b", t0 + 1s)) << "each key has its own clock";
  EXPECT_TRUE(throttle.due("a", t0 + 60s));
  EXPECT_FALSE(throttle.due("a", t0 + 61s));
  throttle.forget("a");
  EXPECT_TRUE(throttle.due("a", t0 + 62s));
}
