#include "transitions.hpp"

#include <algorithm>

namespace kumo::queue {

namespace {

std::string refusal(const char* verb, item_status status, const char* allowed) {
  return std::string{"cannot "} + verb + " a " + to_string(status) + " item (" +
         allowed + ")";
}

bool is_resting(item_status s) {
  return s == item_status::pending || s == item_status::paused;
}

report_plan acknowledge(const report_facts& facts) {
  report_plan plan;
  plan.verdict = report_verdict::acknowledge;
  plan.record_offset = is_resting(facts.status);
  return plan;
}

report_plan apply(item_status next, std::string event) {
  report_plan plan;
  plan.verdict = report_verdict::apply;
  plan.next = next;
  plan.event = std::move(event);
  return plan;
}

} // namespace

std::optional<std::string> refuse_item_action(item_action action,
                                              item_status status) {
  switch (action) {
  case item_action::pause:
    if (status == item_status::pending || status == item_status::downloading)
      return std::nullopt;
    return refusal("pause", status, "only pending or downloading items");
  case item_action::resume:
    if (status == item_status::paused)
      return std::nullopt;
    return refusal("resume", status, "only paused items");
  case item_action::cancel:
    if (status == item_status::pending || status == item_status::paused ||
        status == item_status::downloading || status == item_status::failed)
      return std::nullopt;
    return refusal("cancel", status,
                   "only pending, paused, downloading or failed items");
  }
  return std::string{"unknown action"};
}

std::optional<std::string> refuse_priority_change(item_status status) {
  if (status == item_status::pending || status == item_status::paused ||
      status == item_status::downloading)
    return std::nullopt;
  return refusal("change the priority of", status,
                 "only pending, paused or downloading items");
}

item_status status_after(item_action action) {
  switch (action) {
  case item_action::pause:
    return item_status::paused;
  case item_action::resume:
    return item_status::pending;
  case item_action::cancel:
    return item_status::cancelled;
  }
  return item_status::pending;
}

int64_t failover_delay_ms(int next_index, int64_t base_ms) {
  constexpr int64_t cap_ms = 60'000;
  int64_t delay = std::max<int64_t>(0, base_ms);
  for (int i = 1; i < next_index && delay < cap_ms; ++i)
    delay *= 2;
  return std::min(delay, cap_ms);
}

report_plan plan_report(const report_facts& facts, const std::string& outcome,
                        bool transient, const retry_policy& policy,
                        int64_t failover_base_ms) {
  if (!facts.exists || !facts.token_matches)
    return {};
  bool downloading = facts.status == item_status::downloading;
  if (outcome == "commit") {
    if (!downloading || facts.lease_closed)
      return {};
    auto plan = apply(item_status::downloading, "commit");
    plan.extend_lease = true;
    return plan;
  }
  if (facts.lease_closed)
    return acknowledge(facts);
  if (outcome == "completed")
    return facts.status == item_status::completed
               ? acknowledge(facts)
               : apply(item_status::completed, "completed");
  if (!downloading)
    return acknowledge(facts);
  if (outcome == "failed") {
    if (auto delay = policy.next_delay_ms(facts.retries, transient)) {
      auto plan = apply(item_status::pending, "retry_scheduled");
      plan.retry_delay_ms = *delay;
      return plan;
    }
    if (facts.source_index + 1 >= facts.source_count)
      return apply(item_status::failed, "failed");
    auto plan = apply(item_status::pending, "source_failed");
    plan.failover_delay_ms =
        failover_delay_ms(facts.source_index + 1, failover_base_ms);
    return plan;
  }
  if (outcome == "paused")
    return apply(item_status::paused, "paused");
  if (outcome == "cancelled")
    return apply(item_status::cancelled, "cancelled");
  if (outcome == "released")
    return apply(item_status::pending, "released");
  return {};
}

} // namespace kumo::queue
