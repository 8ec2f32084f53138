#pragma once

// The queue's Prometheus metrics.

#include "model.hpp"

#include <map>
#include <prometheus/counter.h>
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

  prometheus::Counter* claims;          ///< kumo_queue_claims_total
  prometheus::Counter* claimed_jobs;    ///< kumo_queue_claimed_jobs_total
  prometheus::Histogram* claim_seconds; ///< kumo_queue_claim_duration_seconds
  prometheus::Counter* retries;         ///< kumo_queue_retries_total
  prometheus::Counter* lease_expirations;
  prometheus::Counter* poisoned; ///< kumo_queue_poisoned_jobs_total
  prometheus::Counter* stale_reports;
  prometheus::Counter* announcements; ///< kumo_queue_announcements_total
  std::map<std::string, prometheus::Gauge*> items;
};

} // namespace kumo::queue
