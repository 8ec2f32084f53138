#include "transitions.hpp"

#include <gtest/gtest.h>

using namespace kumo::queue;

namespace {

report_facts facts(item_status status, bool token_matches = true,
                   bool closed = false, int retries = 0) {
  report_facts f;
  f.exists = true;
  f.token_matches = token_matches;
  f.status = status;
  f.lease_closed = closed;
  f.retries = retries;
  return f;
}

report_plan plan(const report_facts& f, const std::string& outcome,
                 bool transient = false) {
  return plan_report(f, outcome, transient, retry_policy{});
}

} // namespace

TEST(transitions, user_actions_follow_the_contract) {
  using s = item_status;
  EXPECT_FALSE(refuse_item_action(item_action::pause, s::pending));
  EXPECT_FALSE(refuse_item_action(item_action::pause, s::downloading));
  for (auto st : {s::paused, s::completed, s::failed, s::cancelled})
    EXPECT_TRUE(refuse_item_action(item_action::pause, st)) << to_string(st);
  EXPECT_FALSE(refuse_item_action(item_action::resume, s::paused));
  for (auto st :
       {s::pending, s::downloading, s::completed, s::failed, s::cancelled})
    EXPECT_TRUE(refuse_item_action(item_action::resume, st)) << to_string(st);
  for (auto st : {s::pending, s::paused, s::downloading, s::failed})
    EXPECT_FALSE(refuse_item_action(item_action::cancel, st)) << to_string(st);
  for (auto st : {s::completed, s::cancelled})
    EXPECT_TRUE(refuse_item_action(item_action::cancel, st)) << to_string(st);
  EXPECT_EQ(
      *refuse_item_action(item_action::pause, s::completed),
      "cannot pause a completed item (only pending or downloading items)");
  EXPECT_TRUE(refuse_priority_change(s::completed));
  EXPECT_FALSE(refuse_priority_change(s::downloading));
  EXPECT_EQ(status_after(item_action::resume), s::pending);
}

TEST(transitions, stale_tokens_change_nothing) {
  for (auto outcome :
       {"commit", "completed", "failed", "paused", "cancelled", "released"}) {
    EXPECT_EQ(plan(facts(item_status::downloading, false), outcome).verdict,
              report_verdict::stale)
        << outcome;
    EXPECT_EQ(plan(report_facts{}, outcome).verdict, report_verdict::stale)
        << outcome;
  }
}

TEST(transitions, commit_needs_a_live_lease) {
  auto p = plan(facts(item_status::downloading), "commit");
  EXPECT_EQ(p.verdict, report_verdict::apply);
  EXPECT_TRUE(p.extend_lease);
  EXPECT_EQ(plan(facts(item_status::paused), "commit").verdict,
            report_verdict::stale);
  EXPECT_EQ(plan(facts(item_status::pending), "commit").verdict,
            report_verdict::stale);
  EXPECT_EQ(plan(facts(item_status::cancelled), "commit").verdict,
            report_verdict::stale);
}

TEST(transitions, completion_is_recorded_exactly_once) {
  auto p = plan(facts(item_status::downloading), "completed");
  EXPECT_EQ(p.verdict, report_verdict::apply);
  EXPECT_EQ(p.next, item_status::completed);
  EXPECT_EQ(p.event, "completed");
  // The same report again (its answer was lost): acknowledged, no new event.
  EXPECT_EQ(
      plan(facts(item_status::completed, true, true), "completed").verdict,
      report_verdict::acknowledge);
  // Paused by the user after the file was committed: the file is in place.
  EXPECT_EQ(plan(facts(item_status::paused), "completed").next,
            item_status::completed);
}

TEST(transitions, failures_retry_only_when_transient_and_under_the_limit) {
  auto t =
      plan(facts(item_status::downloading, true, false, 1), "failed", true);
  EXPECT_EQ(t.next, item_status::pending);
  EXPECT_EQ(t.event, "retry_scheduled");
  EXPECT_EQ(t.retry_delay_ms, 15'000);
  auto exhausted =
      plan(facts(item_status::downloading, true, false, 3), "failed", true);
  EXPECT_EQ(exhausted.next, item_status::failed);
  EXPECT_EQ(exhausted.retry_delay_ms, -1);
  auto permanent = plan(facts(item_status::downloading), "failed", false);
  EXPECT_EQ(permanent.next, item_status::failed);
  EXPECT_EQ(permanent.event, "failed");
  // A retried failure report of a lease already handled changes nothing.
  EXPECT_EQ(
      plan(facts(item_status::pending, true, true), "failed", true).verdict,
      report_verdict::acknowledge);
}

TEST(transitions, resting_items_only_keep_the_offset) {
  auto p = plan(facts(item_status::paused), "paused");
  EXPECT_EQ(p.verdict, report_verdict::acknowledge);
  EXPECT_TRUE(p.record_offset);
  auto c = plan(facts(item_status::cancelled), "released");
  EXPECT_EQ(c.verdict, report_verdict::acknowledge);
  EXPECT_FALSE(c.record_offset);
  EXPECT_EQ(plan(facts(item_status::downloading), "released").next,
            item_status::pending);
  EXPECT_EQ(plan(facts(item_status::downloading), "paused").next,
            item_status::paused);
  EXPECT_EQ(plan(facts(item_status::downloading), "cancelled").next,
            item_status::cancelled);
}

TEST(transitions, failed_source_that_is_not_the_last_moves_to_the_next) {
  auto f = facts(item_status::downloading);
  f.source_count = 3;
  auto p = plan(f, "failed", false); // even a permanent failure
  EXPECT_EQ(p.verdict, report_verdict::apply);
  EXPECT_EQ(p.next, item_status::pending);
  EXPECT_EQ(p.event, "source_failed");
  EXPECT_EQ(p.failover_delay_ms, 1'000);
  EXPECT_EQ(p.retry_delay_ms, -1) << "not counted as a retry";
  f.source_index = 1;
  f.retries = 3; // its retries used up
  EXPECT_EQ(plan(f, "failed", true).failover_delay_ms, 2'000);
  f.retries = 0;
  // The last source: the retry policy decides again.
  f.source_index = 2;
  auto last = plan(f, "failed", false);
  EXPECT_EQ(last.next, item_status::failed);
  EXPECT_EQ(last.failover_delay_ms, -1);
  // A finished file is never started again.
  f.source_index = 0;
  auto done = facts(item_status::completed);
  done.source_count = 3;
  EXPECT_EQ(plan(done, "failed").verdict, report_verdict::acknowledge);
  EXPECT_EQ(plan(f, "completed").next, item_status::completed);
}

TEST(transitions, failover_backoff_doubles_up_to_a_minute) {
  EXPECT_EQ(failover_delay_ms(1, 1'000), 1'000);
  EXPECT_EQ(failover_delay_ms(2, 1'000), 2'000);
  EXPECT_EQ(failover_delay_ms(4, 1'000), 8'000);
  EXPECT_EQ(failover_delay_ms(7, 1'000), 60'000);
  EXPECT_EQ(failover_delay_ms(3, 0), 0);
}

TEST(transitions, transient_failure_is_retried_on_its_source_before_failover) {
  auto f = facts(item_status::downloading);
  f.source_count = 2;
  auto policy = retry_policy::exponential(2'000, 1);
  auto first = plan_report(f, "failed", true, policy);
  EXPECT_EQ(first.event, "retry_scheduled") << "same source again first";
  EXPECT_EQ(first.retry_delay_ms, 2'000);
  EXPECT_EQ(first.failover_delay_ms, -1);
  f.retries = 1;
  auto second = plan_report(f, "failed", true, policy);
  EXPECT_EQ(second.event, "source_failed") << "retries used: next source";
  EXPECT_EQ(second.retry_delay_ms, -1);
  auto none = plan_report(facts(item_status::downloading), "failed", true,
                          retry_policy::exponential(2'000, 0));
  EXPECT_EQ(none.next, item_status::failed) << "retries 0, last source";
}
