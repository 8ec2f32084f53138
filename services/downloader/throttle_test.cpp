#include "throttle.hpp"

#include <gtest/gtest.h>

using namespace kumo::downloader;
using namespace std::chrono_literals;

namespace {

constexpr int64_t mib = 1 << 20;

steady_time at(std::chrono::milliseconds ms) {
  return steady_time{} + 1h + ms;
}

} // namespace

TEST(progress_throttle, reports_every_mebibyte_of_a_large_file) {
  progress_throttle t;
  int64_t total = 10'000 * mib; // 1 % would be 100 MiB
  t.reported(0, at(0ms));
  EXPECT_FALSE(t.should_report(mib - 1, total, at(1000ms)));
  EXPECT_TRUE(t.should_report(mib, total, at(1000ms)));
  EXPECT_FALSE(t.should_report(2 * mib - 1, total, at(2000ms)));
  EXPECT_TRUE(t.should_report(2 * mib, total, at(2000ms)));
}

TEST(progress_throttle, reports_every_percent_of_a_small_file) {
  progress_throttle t;
  int64_t total = 10'000'000; // 1 % = 100 kB, far below 1 MiB
  t.reported(0, at(0ms));
  EXPECT_FALSE(t.should_report(99'999, total, at(1000ms)));
  EXPECT_TRUE(t.should_report(100'000, total, at(1000ms)));
  EXPECT_FALSE(t.should_report(150'000, total, at(2000ms)));
  EXPECT_TRUE(t.should_report(200'000, total, at(2000ms)));
}

TEST(progress_throttle, unknown_total_uses_the_byte_step_only) {
  progress_throttle t;
  t.reported(0, at(0ms));
  EXPECT_FALSE(t.should_report(mib / 2, -1, at(1000ms)));
  EXPECT_TRUE(t.should_report(mib, -1, at(1000ms)));
}

TEST(progress_throttle, at_most_four_per_second) {
  progress_throttle t;
  t.reported(0, at(0ms));
  int sent = 0;
  // A fast transfer: 10 MiB every 10 ms for two seconds.
  for (int i = 1; i <= 200; ++i)
    if (t.should_report(static_cast<long>(i) * 10 * mib, -1, at(i * 10ms)))
      ++sent;
  EXPECT_EQ(sent, 8);
  EXPECT_FALSE(t.should_report(10'000 * mib, -1, at(2000ms + 100ms)));
  EXPECT_TRUE(t.should_report(10'000 * mib, -1, at(2000ms + 250ms)));
}

TEST(progress_throttle, the_first_update_is_not_delayed) {
  progress_throttle t;
  EXPECT_TRUE(t.should_report(mib, -1, at(0ms)));
}

TEST(progress_throttle, the_last_bytes_are_reported) {
  progress_throttle t;
  t.reported(0, at(0ms));
  EXPECT_TRUE(t.should_report(10, 10, at(300ms)));  // tiny file, complete
  EXPECT_FALSE(t.should_report(10, 10, at(600ms))); // nothing new
}

TEST(speed_meter, measures_a_steady_rate) {
  speed_meter m{500ms};
  m.start(0, at(0ms));
  EXPECT_EQ(m.bytes_per_second(), 0);
  EXPECT_EQ(m.eta_seconds(1000), -1);
  m.update(500'000, at(500ms));
  EXPECT_EQ(m.bytes_per_second(), 1'000'000);
  m.update(600'000, at(600ms)); // shorter than an interval: ignored
  EXPECT_EQ(m.bytes_per_second(), 1'000'000);
  m.update(1'000'000, at(1000ms));
  EXPECT_EQ(m.bytes_per_second(), 1'000'000);
  EXPECT_EQ(m.eta_seconds(3'000'000), 3);
  EXPECT_EQ(m.eta_seconds(-1), -1);
}

TEST(speed_meter, smooths_changes) {
  speed_meter m{500ms};
  m.start(0, at(0ms));
  m.update(500'000, at(500ms));  // 1 MB/s
  m.update(500'000, at(1000ms)); // stalled for a sample
  EXPECT_EQ(m.bytes_per_second(), 700'000);
}
