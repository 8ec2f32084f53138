#pragma once

// The queue's Prometheus metrics.

#include "model.hpp"

#include <map>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <string>

namespace kumo {
class metrics;
}

namespace kumo::queue {

struct queue_metrics {
  explicit queue_metrics(kumo::metrics& m);

  /// Sets kumo_queue_items{status} from a fresh count.
  void set_items(const status_counts& counts);

  /// Counts one source outcome of `provider`.
  void count_source(const std::string& provider, bool ok, int64_t response_ms,
                    int64_t bytes);

  /// Sets kumo_provider_breaker_state{provider} (0 closed, 1 half-open, 2
  /// open).
  void set_breaker(const std::string& provider, int value);

  /// Counts kumo_queue_source_failovers_total{provider}: an item left a
  /// failed source of `provider` for its next source.
  void count_failover(const std::string& provider);

  prometheus::Counter* claims;          ///< kumo_queue_claims_total
  prometheus::Counter* claimed_jobs;    ///< kumo_queue_claimed_jobs_total
  prometheus::Histogram* claim_seconds; ///< kumo_queue_claim_duration_seconds
  prometheus::Counter* retries;         ///< kumo_queue_retries_total
  prometheus::Counter* lease_expirations;
  prometheus::Counter* poisoned; ///< kumo_queue_poisoned_jobs_total
  prometheus::Counter* stale_reports;
  prometheus::Counter* announcements; ///< kumo_queue_announcements_total
  std::map<std::string, prometheus::Gauge*> items;

private:
  prometheus::Family<prometheus::Counter>* provider_requests_;
  prometheus::Family<prometheus::Counter>* provider_failures_;
  prometheus::Family<prometheus::Counter>* provider_bytes_;
  prometheus::Family<prometheus::Histogram>* provider_seconds_;
  prometheus::Family<prometheus::Gauge>* provider_breaker_;
  prometheus::Family<prometheus::Counter>* failovers_;
};

} // namespace kumo::queue
