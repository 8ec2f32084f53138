#include "scanner_metrics.hpp"

#include "catalog/catalog_totals.hpp"
#include "history/purge_metrics.hpp"
#include "kumo/metrics.hpp"

#include <prometheus/family.h>

namespace kumo::scanner {

namespace {

prometheus::Gauge* gauge(prometheus::Registry& reg, const char* name,
                         const char* help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(reg).Add({});
}

} // namespace

scanner_metrics::scanner_metrics(kumo::metrics& m) {
  auto& reg = m.registry();
  duration = &prometheus::BuildHistogram()
                  .Name("kumo_scanner_scan_duration_seconds")
                  .Help("Duration of finished scans.")
                  .Register(reg)
                  .Add({}, prometheus::Histogram::BucketBoundaries{
                               0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900,
                               3600});
  files = gauge(reg, "kumo_scanner_files",
                "Episode files found by this replica's last scan.");
  series = gauge(reg, "kumo_scanner_series", "Live series in the catalog.");
  unmatched = gauge(reg, "kumo_scanner_unmatched",
                    "Series folders no catalog series claims.");
  missing_episodes =
      gauge(reg, "kumo_scanner_missing_episodes",
            "Episodes of live series their provider lists that have no file "
            "and are not queued.");
  episodes_on_disk = gauge(reg, "kumo_scanner_episodes_on_disk",
                           "Episodes of live series with a file.");
  auto& family = prometheus::BuildCounter()
                     .Name("kumo_scanner_scans_total")
                     .Help("Scans by outcome (complete, failed, cancelled, "
                           "busy: another replica held a root).")
                     .Register(reg);
  for (const char* o : {"complete", "failed", "cancelled", "busy"})
    scans[o] = &family.Add({{"outcome", o}});
  purge = std::make_shared<purge_metrics>(m);
}

void scanner_metrics::scan_finished(const std::string& outcome, double seconds,
                                    double found_files, double live_series,
                                    double folders) {
  if (auto it = scans.find(outcome); it != scans.end())
    it->second->Increment();
  if (outcome == "busy")
    return;
  duration->Observe(seconds);
  files->Set(found_files);
  series->Set(live_series);
  unmatched->Set(folders);
}

void scanner_metrics::set_episodes(const catalog_totals& totals) {
  missing_episodes->Set(static_cast<double>(totals.missing_episodes));
  episodes_on_disk->Set(static_cast<double>(totals.episodes_on_disk));
}

} // namespace kumo::scanner
