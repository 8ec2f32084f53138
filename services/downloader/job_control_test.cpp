#include "job_control.hpp"

#include <gtest/gtest.h>

using namespace kumo::downloader;
using namespace std::chrono_literals;
using clock_type = job_control::clock;

TEST(job_control, stop_requests_only_escalate) {
  job_control c{clock_type::now() + 10s, {}};
  EXPECT_EQ(c.stop(), stop_reason::none);
  c.request_stop(stop_reason::pause);
  EXPECT_EQ(c.stop(), stop_reason::pause);
  c.request_stop(stop_reason::drain); // weaker: ignored
  EXPECT_EQ(c.stop(), stop_reason::pause);
  c.request_stop(stop_reason::lost);
  EXPECT_EQ(c.stop(), stop_reason::lost);
  c.request_stop(stop_reason::cancel);
  EXPECT_EQ(c.stop(), stop_reason::lost);
  c.request_stop(stop_reason::lost_cancelled);
  EXPECT_EQ(c.stop(), stop_reason::lost_cancelled);
}

TEST(job_control, remembers_why_the_lease_was_lost) {
  job_control paused{clock_type::now(), {}};
  paused.mark_lost("paused");
  EXPECT_EQ(paused.stop(), stop_reason::lost);
  EXPECT_EQ(paused.lost_status(), "paused");
  job_control cancelled{clock_type::now(), {}};
  cancelled.request_stop(stop_reason::pause);
  cancelled.mark_lost("cancelled");
  EXPECT_EQ(cancelled.stop(), stop_reason::lost_cancelled);
  EXPECT_EQ(cancelled.lost_status(), "cancelled");
}

TEST(job_control, the_lease_only_moves_forward) {
  auto t0 = clock_type::now();
  job_control c{t0 + 10s, {}};
  EXPECT_TRUE(c.lease_valid(t0 + 9s));
  EXPECT_FALSE(c.lease_valid(t0 + 10s));
  c.extend_lease(t0 + 5s);
  EXPECT_EQ(c.lease_deadline(), t0 + 10s);
  c.extend_lease(t0 + 20s);
  EXPECT_TRUE(c.lease_valid(t0 + 19s));
  EXPECT_FALSE(c.lease_valid(t0 + 21s));
}

TEST(job_control, carries_the_durable_state) {
  job_control c{clock_type::now(), {100, 1000, 0, "\"e\""}};
  auto s = c.snapshot();
  EXPECT_EQ(s.bytes_done, 100);
  EXPECT_EQ(s.validator, "\"e\"");
  c.set_durable(400, 1000, "\"f\"");
  c.set_speed(1234);
  s = c.snapshot();
  EXPECT_EQ(s.bytes_done, 400);
  EXPECT_EQ(s.bytes_total, 1000);
  EXPECT_EQ(s.speed_bps, 1234);
  EXPECT_EQ(s.validator, "\"f\"");
  EXPECT_EQ(c.shutdown_deadline(), clock_type::time_point::max());
}
