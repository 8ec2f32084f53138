#pragma once

// The scanner's Prometheus metrics.

#include <map>
#include <memory>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <string>

namespace kumo {
class metrics;
}

namespace kumo::scanner {

struct catalog_totals;
struct purge_metrics;

struct scanner_metrics {
  explicit scanner_metrics(kumo::metrics& m);

  /// Counts a finished scan: kumo_scanner_scans_total{outcome}, its
  /// duration, and the gauges.
  void scan_finished(const std::string& outcome, double seconds, double files,
                     double series, double unmatched);

  /// Sets the episode gauges (after a scan and after a provider listing
  /// was merged).
  void set_episodes(const catalog_totals& totals);

  prometheus::Histogram* duration;     ///< kumo_scanner_scan_duration_seconds
  prometheus::Gauge* files;            ///< kumo_scanner_files
  prometheus::Gauge* series;           ///< kumo_scanner_series
  prometheus::Gauge* unmatched;        ///< kumo_scanner_unmatched
  prometheus::Gauge* missing_episodes; ///< kumo_scanner_missing_episodes
  prometheus::Gauge* episodes_on_disk; ///< kumo_scanner_episodes_on_disk
  std::map<std::string, prometheus::Counter*> scans; ///< by outcome
  std::shared_ptr<purge_metrics> purge; ///< the task purge's, kumo_purge_*
};

} // namespace kumo::scanner
