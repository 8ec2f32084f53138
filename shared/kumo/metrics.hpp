#pragma once

// Prometheus metrics of one process: a registry every component registers its
// families in, plus process metrics (CPU, memory, fds, start time, build).
// Every name starts with `kumo_` and uses base units.

#include <memory>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <string>

namespace kumo {

class metrics {
public:
  metrics(std::string service, std::string version);

  prometheus::Registry& registry() {
    return *registry_;
  }

  /// The Prometheus text exposition of everything registered.
  std::string serialize() const;

private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_;
};

/// Buckets for latencies in seconds, 0.5 ms .. 30 s.
prometheus::Histogram::BucketBoundaries latency_buckets();

} // namespace kumo
