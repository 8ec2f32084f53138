#include "token_bucket.hpp"

#include <atomic>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

using namespace kumo::downloader;
using namespace std::chrono_literals;

namespace {

/// A clock the test moves by hand.
struct fake_clock {
  token_bucket::clock::time_point now{token_bucket::clock::time_point{} + 1h};

  token_bucket::now_fn fn() {
    return [this] { return now; };
  }
};

} // namespace

TEST(token_bucket, a_full_bucket_lets_a_burst_through) {
  fake_clock clock;
  token_bucket b{1000, 500, clock.fn()};
  EXPECT_EQ(b.reserve(500), 0ns);
}

TEST(token_bucket, callers_wait_for_borrowed_tokens) {
  fake_clock clock;
  token_bucket b{1000, 500, clock.fn()};
  EXPECT_EQ(b.reserve(500), 0ns);
  EXPECT_EQ(b.reserve(250), 250ms);
  // A second caller queues behind the debt of the first.
  EXPECT_EQ(b.reserve(250), 500ms);
}

TEST(token_bucket, refills_at_the_rate_up_to_the_burst) {
  fake_clock clock;
  token_bucket b{1000, 500, clock.fn()};
  EXPECT_EQ(b.reserve(500), 0ns);
  clock.now += 200ms;
  EXPECT_EQ(b.reserve(200), 0ns);
  clock.now += 10s; // idle: saves up only `burst`
  EXPECT_EQ(b.reserve(500), 0ns);
  EXPECT_EQ(b.reserve(100), 100ms);
}

TEST(token_bucket, refunds_return_unused_tokens) {
  fake_clock clock;
  token_bucket b{1000, 500, clock.fn()};
  EXPECT_EQ(b.reserve(1500), 1s);
  b.refund(1000);
  EXPECT_EQ(b.reserve(0), 0ns);
}

TEST(token_bucket, long_run_rate_holds_across_threads) {
  fake_clock clock;
  token_bucket b{1'000'000, 64'000, clock.fn()};
  std::vector<std::thread> threads;
  std::atomic<int64_t> longest{0};
  threads.reserve(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto wait = b.reserve(10'000).count();
        int64_t seen = longest.load();
        while (wait > seen && !longest.compare_exchange_weak(seen, wait)) {
        }
      }
    });
  for (auto& t : threads)
    t.join();
  // 4 MB at 1 MB/s with a 64 kB head start: the last reservation waits
  // until 3.936 s after the start.
  EXPECT_EQ(longest.load(), std::chrono::nanoseconds(3936ms).count());
}
