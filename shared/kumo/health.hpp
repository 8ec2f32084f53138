#pragma once

// Readiness of one service process, read by the admin HTTP thread and
// written by the NATS callbacks and the database probe.

#include <atomic>

namespace kumo {

struct readiness {
  std::atomic<bool> nats{false};
  std::atomic<bool> database{false};
  std::atomic<bool> draining{false};
  /// False while a service's own listener (the gateway's HTTP port) is not
  /// accepting yet; services without one leave it true.
  std::atomic<bool> serving{true};
  bool needs_database = true;

  bool ready() const {
    return nats.load() && (!needs_database || database.load()) &&
           serving.load() && !draining.load();
  }
};

} // namespace kumo
