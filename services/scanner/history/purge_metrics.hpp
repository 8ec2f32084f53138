#pragma once

// The Prometheus metrics of the task `purge` (history/purge_actor.cpp),
// exported by the scanner replica that runs it. Every series exists from
// the start at 0, so a dashboard or an alert sees the purge before its
// first run.

#include "history/history_settings.hpp"

#include <map>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <string>

namespace kumo {
class metrics;
}

namespace kumo::scanner {

struct purge_metrics {
  explicit purge_metrics(kumo::metrics& m);

  /// Counts one ended run: kumo_purge_runs_total{outcome} ("complete",
  /// "failed", "cancelled"; another outcome counts nothing), its rows by
  /// kind, and the last-run gauges. `ended_unix_s` is when it ended (wall
  /// clock, seconds since the epoch).
  void run_ended(const std::string& outcome, const purge_totals& removed,
                 double seconds, double ended_unix_s);

  /// kumo_purge_rows_total by kind: items, events, deliveries, scans.
  std::map<std::string, prometheus::Counter*> rows;
  /// kumo_purge_runs_total by outcome.
  std::map<std::string, prometheus::Counter*> runs;
  prometheus::Gauge* last_run;      ///< kumo_purge_last_run_timestamp_seconds
  prometheus::Gauge* last_success;  ///< ..._last_success_timestamp_seconds
  prometheus::Gauge* last_duration; ///< ..._last_run_duration_seconds
};

} // namespace kumo::scanner
