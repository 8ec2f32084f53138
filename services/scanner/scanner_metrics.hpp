#pragma once

// The scanner's Prometheus metrics.

#include <map>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <string>

namespace kumo {
class metrics;
}

namespace kumo::scanner {

struct scanner_metrics {
  explicit scanner_metrics(kumo::metrics& m);

  /// Counts a finished scan: kumo_scanner_scans_total{outcome}, its
  /// duration, and the gauges.
  void scan_finished(const std::string& outcome, double seconds, double files,
                     double series, double unmatched);

  prometheus::Histogram* duration; ///< kumo_scanner_scan_duration_seconds
  prometheus::Gauge* files;        ///< kumo_scanner_files
  prometheus::Gauge* series;       ///< kumo_scanner_series
  prometheus::Gauge* unmatched;    ///< kumo_scanner_unmatched
  std::map<std::string, prometheus::Counter*> scans; ///< by outcome
};

} // namespace kumo::scanner
