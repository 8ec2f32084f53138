#pragma once

// Readiness of one service process, read by the admin HTTP thread and
// written by the NATS callbacks and the database probe.

#include <atomic>

namespace kumo {

struct readiness {
  std::atomic<bool> nats{false};
  std::atomic<bool> database{false};
  std::atomic<bool> draining{false};
  bool needs_database = true;

  bool ready() const {
    return nats.load() && (!needs_database || database.load())
           && !draining.load();
  }
};

} // namespace kumo
