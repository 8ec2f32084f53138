#include "history/purge_metrics.hpp"

#include "kumo/metrics.hpp"

#include <prometheus/family.h>

namespace kumo::scanner {

namespace {

prometheus::Gauge* gauge(prometheus::Registry& reg, const char* name,
                         const char* help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(reg).Add({});
}

std::map<std::string, prometheus::Counter*>
counters(prometheus::Registry& reg, const char* name, const char* help,
         const char* label, std::initializer_list<const char*> values) {
  auto& family = prometheus::BuildCounter().Name(name).Help(help).Register(reg);
  std::map<std::string, prometheus::Counter*> out;
  for (const char* v : values)
    out[v] = &family.Add({{label, v}});
  return out;
}

} // namespace

purge_metrics::purge_metrics(kumo::metrics& m) {
  auto& reg = m.registry();
  rows = counters(reg, "kumo_purge_rows_total",
                  "History rows deleted by the task purge, by kind: queue "
                  "items, queue events, notification deliveries, scan "
                  "records.",
                  "kind", {"items", "events", "deliveries", "scans"});
  runs = counters(reg, "kumo_purge_runs_total",
                  "Runs of the task purge on this replica, by outcome.",
                  "outcome", {"complete", "failed", "cancelled"});
  last_run = gauge(reg, "kumo_purge_last_run_timestamp_seconds",
                   "When this replica's last purge run ended (Unix time; 0: "
                   "none yet).");
  last_success = gauge(reg, "kumo_purge_last_success_timestamp_seconds",
                       "When this replica's last complete purge run ended "
                       "(Unix time; 0: none yet).");
  last_duration = gauge(reg, "kumo_purge_last_run_duration_seconds",
                        "How long this replica's last purge run took.");
}

void purge_metrics::run_ended(const std::string& outcome,
                              const purge_totals& removed, double seconds,
                              double ended_unix_s) {
  auto it = runs.find(outcome);
  if (it == runs.end())
    return;
  it->second->Increment();
  rows["items"]->Increment(static_cast<double>(removed.items));
  rows["events"]->Increment(static_cast<double>(removed.events));
  rows["deliveries"]->Increment(static_cast<double>(removed.deliveries));
  rows["scans"]->Increment(static_cast<double>(removed.scans));
  last_run->Set(ended_unix_s);
  last_duration->Set(seconds);
  if (outcome == "complete")
    last_success->Set(ended_unix_s);
}

} // namespace kumo::scanner
