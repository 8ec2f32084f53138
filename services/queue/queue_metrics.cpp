#include "queue_metrics.hpp"

#include "kumo/metrics.hpp"

#include <prometheus/family.h>

namespace kumo::queue {

namespace {

prometheus::Counter* counter(prometheus::Registry& reg, const char* name,
                             const char* help) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(reg).Add(
      {});
}

} // namespace

queue_metrics::queue_metrics(kumo::metrics& m) {
  auto& reg = m.registry();
  claims = counter(reg, "kumo_queue_claims_total", "Claim requests answered.");
  claimed_jobs =
      counter(reg, "kumo_queue_claimed_jobs_total", "Jobs handed to workers.");
  claim_seconds = &prometheus::BuildHistogram()
                       .Name("kumo_queue_claim_duration_seconds")
                       .Help("Time from a claim request to its answer.")
                       .Register(reg)
                       .Add({}, latency_buckets());
  retries = counter(reg, "kumo_queue_retries_total",
                    "Transient failures scheduled for another attempt.");
  lease_expirations = counter(reg, "kumo_queue_lease_expirations_total",
                              "Leases that expired and put their job back.");
  poisoned = counter(reg, "kumo_queue_poisoned_jobs_total",
                     "Jobs failed because their lease expired "
                     "max_lease_expirations times (their worker kept dying).");
  stale_reports = counter(reg, "kumo_queue_stale_reports_total",
                          "Reports refused because their lease was stale.");
  announcements = counter(reg, "kumo_queue_announcements_total",
                          "kumo.jobs.available wake-ups published.");
  provider_requests_ =
      &prometheus::BuildCounter()
           .Name("kumo_provider_requests_total")
           .Help("Source outcomes reported by downloaders, per provider.")
           .Register(reg);
  provider_failures_ = &prometheus::BuildCounter()
                            .Name("kumo_provider_failures_total")
                            .Help("Failed source outcomes, per provider.")
                            .Register(reg);
  provider_bytes_ = &prometheus::BuildCounter()
                         .Name("kumo_provider_bytes_total")
                         .Help("Bytes received from sources, per provider.")
                         .Register(reg);
  provider_seconds_ =
      &prometheus::BuildHistogram()
           .Name("kumo_provider_response_seconds")
           .Help("Time from a job's start to its source outcome.")
           .Register(reg);
  provider_breaker_ =
      &prometheus::BuildGauge()
           .Name("kumo_provider_breaker_state")
           .Help("Circuit breaker per provider: 0 closed, 1 half-open, 2 open "
                 "(refreshed by the reaper).")
           .Register(reg);
  failovers_ = &prometheus::BuildCounter()
                    .Name("kumo_queue_source_failovers_total")
                    .Help("Items moved from a failed source of this provider "
                          "to their next source.")
                    .Register(reg);
  auto& family = prometheus::BuildGauge()
                     .Name("kumo_queue_items")
                     .Help("Queue items by status (refreshed by the reaper).")
                     .Register(reg);
  for (const auto& [status, n] : complete_counts({})) {
    (void)n;
    items[status] = &family.Add({{"status", status}});
  }
}

void queue_metrics::count_source(const std::string& provider, bool ok,
                                 int64_t response_ms, int64_t bytes) {
  const prometheus::Labels labels{{"provider", provider}};
  provider_requests_->Add(labels).Increment();
  if (!ok)
    provider_failures_->Add(labels).Increment();
  provider_bytes_->Add(labels).Increment(static_cast<double>(bytes));
  provider_seconds_
      ->Add(labels,
            prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 2.5, 5, 10, 30,
                                                    60, 300, 1800})
      .Observe(static_cast<double>(response_ms) / 1000.0);
}

void queue_metrics::set_breaker(const std::string& provider, int value) {
  provider_breaker_->Add({{"provider", provider}})
      .Set(static_cast<double>(value));
}

void queue_metrics::count_failover(const std::string& provider) {
  failovers_->Add({{"provider", provider}}).Increment();
}

void queue_metrics::set_items(const status_counts& counts) {
  for (const auto& [status, n] : counts)
    if (auto i = items.find(status); i != items.end())
      i->second->Set(static_cast<double>(n));
}

} // namespace kumo::queue
