#include "downloader_metrics.hpp"

namespace kumo::downloader {

downloader_metrics downloader_metrics::make(prometheus::Registry& reg) {
  downloader_metrics m;
  m.bytes = &prometheus::BuildCounter()
                 .Name("kumo_downloader_bytes_total")
                 .Help("Bytes received into partial files.")
                 .Register(reg)
                 .Add({});
  m.jobs = &prometheus::BuildCounter()
                .Name("kumo_downloader_jobs_total")
                .Help("Jobs that ended on this worker, by outcome.")
                .Register(reg);
  m.active = &prometheus::BuildGauge()
                  .Name("kumo_downloader_active_jobs")
                  .Help("Jobs running on this worker.")
                  .Register(reg)
                  .Add({});
  auto& resumes = prometheus::BuildCounter()
                      .Name("kumo_downloader_resumes_total")
                      .Help("Jobs continued from earlier data (range) or "
                            "started over (restart).")
                      .Register(reg);
  m.resumes_range = &resumes.Add({{"kind", "range"}});
  m.resumes_restart = &resumes.Add({{"kind", "restart"}});
  m.duration = &prometheus::BuildHistogram()
                    .Name("kumo_downloader_job_duration_seconds")
                    .Help("Time from claim to the end of a job on this worker.")
                    .Register(reg)
                    .Add({}, prometheus::Histogram::BucketBoundaries{
                                 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
                                 1800, 3600});
  m.heartbeat_failures = &prometheus::BuildCounter()
                              .Name("kumo_downloader_heartbeat_failures_total")
                              .Help("Heartbeats that got no answer in time.")
                              .Register(reg)
                              .Add({});
  m.leases_lost = &prometheus::BuildCounter()
                       .Name("kumo_downloader_leases_lost_total")
                       .Help("Running jobs whose lease ran out or was refused.")
                       .Register(reg)
                       .Add({});
  return m;
}

void downloader_metrics::count_job(const std::string& outcome) const {
  jobs->Add({{"outcome", outcome}}).Increment();
}

void downloader_metrics::count_resume(resume_kind kind) const {
  if (kind == resume_kind::range)
    resumes_range->Increment();
  else if (kind == resume_kind::restart)
    resumes_restart->Increment();
}

} // namespace kumo::downloader
