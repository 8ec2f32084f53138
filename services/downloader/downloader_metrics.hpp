#pragma once

// The downloader's Prometheus series. Counters and histograms are
// thread-safe, so job threads update them directly.

#include "resume.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string>

namespace kumo::downloader {

struct downloader_metrics {
  prometheus::Counter* bytes = nullptr;
  prometheus::Family<prometheus::Counter>* jobs = nullptr;
  prometheus::Gauge* active = nullptr;
  prometheus::Counter* resumes_range = nullptr;
  prometheus::Counter* resumes_restart = nullptr;
  prometheus::Histogram* duration = nullptr;
  prometheus::Counter* heartbeat_failures = nullptr;
  prometheus::Counter* leases_lost = nullptr;

  /// Registers every family in `registry`.
  static downloader_metrics make(prometheus::Registry& registry);

  /// kumo_downloader_jobs_total{outcome}.
  void count_job(const std::string& outcome) const;

  /// kumo_downloader_resumes_total{kind} for a resumed or restarted job.
  void count_resume(resume_kind kind) const;
};

} // namespace kumo::downloader
