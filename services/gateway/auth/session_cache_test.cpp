#include "auth/session_cache.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;
using namespace std::chrono_literals;

namespace {

const session_cache::time_point t0{std::chrono::hours(1000)};

TEST(session_cache, trusts_a_confirmation_for_its_ttl) {
  session_cache cache{5s, 100};
  EXPECT_FALSE(cache.valid("h", t0));
  cache.remember("h", 1h, t0);
  EXPECT_TRUE(cache.valid("h", t0 + 4999ms));
  EXPECT_FALSE(cache.valid("h", t0 + 5s));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(session_cache, never_outlives_the_session) {
  session_cache cache{5s, 100};
  cache.remember("h", 2s, t0);
  EXPECT_TRUE(cache.valid("h", t0 + 1999ms));
  EXPECT_FALSE(cache.valid("h", t0 + 2s));
  cache.remember("gone", 0ms, t0);
  EXPECT_FALSE(cache.valid("gone", t0));
}

TEST(session_cache, forget_takes_effect_at_once_and_blocks_stale_checks) {
  session_cache cache{5s, 100, 60s};
  cache.remember("h", 1h, t0);
  cache.forget("h", t0 + 1s);
  EXPECT_FALSE(cache.valid("h", t0 + 1s));
  // A check that read the database before the revocation answers late.
  cache.remember("h", 1h, t0 + 2s);
  EXPECT_FALSE(cache.valid("h", t0 + 2s));
  // Much later the tombstone is gone (the session no longer exists anyway).
  cache.remember("h", 1h, t0 + 62s);
  EXPECT_TRUE(cache.valid("h", t0 + 62s));
}

TEST(session_cache, capacity_is_bounded) {
  session_cache cache{5s, 3};
  for (int i = 0; i < 10; ++i)
    cache.remember("h" + std::to_string(i), 1h, t0);
  EXPECT_LE(cache.size(), 3u);
  EXPECT_TRUE(cache.valid("h9", t0));
}

} // namespace
