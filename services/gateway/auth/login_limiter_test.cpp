#include "auth/login_limiter.hpp"

#include <gtest/gtest.h>

using namespace kumo::gateway;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
  login_limiter::time_point now{std::chrono::hours(1000)};
  void advance(std::chrono::milliseconds d) {
    now += d;
  }
};

TEST(login_limiter, allows_four_failures_and_locks_at_the_fifth) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(lim.retry_after("10.0.0.1", t.now), 0s) << "attempt " << i;
    lim.record_failure("10.0.0.1", t.now);
    t.advance(1s);
  }
  auto wait = lim.retry_after("10.0.0.1", t.now);
  // The first failure was 5 s ago and leaves the 300 s window in 295 s.
  EXPECT_EQ(wait, 295s);
}

TEST(login_limiter, other_clients_are_not_affected) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 5; ++i)
    lim.record_failure("10.0.0.1", t.now);
  EXPECT_GT(lim.retry_after("10.0.0.1", t.now), 0s);
  EXPECT_EQ(lim.retry_after("10.0.0.2", t.now), 0s);
}

TEST(login_limiter, unlocks_when_the_window_passes) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 5; ++i)
    lim.record_failure("a", t.now);
  t.advance(299s);
  EXPECT_EQ(lim.retry_after("a", t.now), 1s);
  t.advance(1s);
  EXPECT_EQ(lim.retry_after("a", t.now), 0s);
  EXPECT_EQ(lim.tracked_clients(), 0u);
}

TEST(login_limiter, sliding_window_counts_only_recent_failures) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 4; ++i)
    lim.record_failure("a", t.now);
  t.advance(301s); // those four expire
  for (int i = 0; i < 4; ++i) {
    lim.record_failure("a", t.now);
    EXPECT_EQ(lim.retry_after("a", t.now), 0s);
  }
  lim.record_failure("a", t.now);
  EXPECT_EQ(lim.retry_after("a", t.now), 300s);
}

TEST(login_limiter, failures_while_locked_extend_the_lock) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 5; ++i)
    lim.record_failure("a", t.now);
  t.advance(200s);
  lim.record_failure("a", t.now); // e.g. raced in; the newest 5 count
  EXPECT_EQ(lim.retry_after("a", t.now), 100s);
  t.advance(100s);
  EXPECT_EQ(lim.retry_after("a", t.now), 0s);
}

TEST(login_limiter, reset_forgets_a_client) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 5; ++i)
    lim.record_failure("a", t.now);
  lim.reset("a");
  EXPECT_EQ(lim.retry_after("a", t.now), 0s);
}

TEST(login_limiter, retry_after_is_at_least_one_second) {
  login_limiter lim;
  fake_clock t;
  for (int i = 0; i < 5; ++i)
    lim.record_failure("a", t.now);
  t.advance(299'500ms);
  EXPECT_EQ(lim.retry_after("a", t.now), 1s);
}

TEST(login_limiter, memory_is_bounded) {
  login_limiter::options opts;
  opts.max_clients = 3;
  login_limiter lim{opts};
  fake_clock t;
  for (int i = 0; i < 10; ++i) {
    lim.record_failure("client-" + std::to_string(i), t.now);
    t.advance(1s);
  }
  EXPECT_EQ(lim.tracked_clients(), 3u);
  // The most recent clients are kept.
  for (int i = 0; i < 4; ++i)
    lim.record_failure("client-9", t.now);
  EXPECT_GT(lim.retry_after("client-9", t.now), 0s);
}

TEST(login_limiter, custom_limits) {
  login_limiter::options opts;
  opts.max_failures = 2;
  opts.window = 10s;
  login_limiter lim{opts};
  fake_clock t;
  lim.record_failure("a", t.now);
  EXPECT_EQ(lim.retry_after("a", t.now), 0s);
  lim.record_failure("a", t.now);
  EXPECT_EQ(lim.retry_after("a", t.now), 10s);
}

} // namespace
