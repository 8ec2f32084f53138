#pragma once

// The life of every Kumo service process: configuration, logging, the actor
// system, the bus, the database (migrations + readiness probe), the admin
// port, the health responder, and SIGTERM draining. A service's main() only
// declares its options and spawns its actors.

#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "kumo/config.hpp"
#include "kumo/health.hpp"
#include "kumo/metrics.hpp"
#include "kumo/migration.hpp"
#include "kumo/result.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kumo {

/// The actor a service hands back: asked to drain on SIGTERM, it answers
/// once in-flight work is saved (or the grace period ends first).
using drainable_actor =
    caf::typed_actor<caf::replies_to<drain_atom>::with<bool>>;

struct service_context {
  caf::actor_system& system;
  const settings& config;
  bus_actor bus;
  kumo::metrics& metrics;
  kumo::readiness& ready;
  std::string instance; ///< unique per process, e.g. "host-1234"
};

struct service_definition {
  std::string name;
  std::vector<option> options; ///< in addition to the common ones
  bool uses_database = true;
  /// When true, readiness waits until the service sets `ready.serving`
  /// (after binding its own listener).
  bool sets_serving = false;
  std::function<std::vector<migration>()> migrations;
  /// Optional: reads the service's own options once, right after loading,
  /// before anything starts. A failure ends the process with exit code 2 and
  /// one log line naming the option (its `field`, an option key).
  std::function<result<void>(const settings&)> configure;
  std::function<drainable_actor(service_context&)> start;
};

/// Options every service has: nats_url, nats_user, nats_password,
/// database_url (when used), admin_*,
/// log_level, instance, threads, shutdown_grace.
std::vector<option> common_options(const service_definition& def);

/// Runs the service until SIGTERM/SIGINT. `--version` prints the version and
/// returns 0; any other argument is a usage error (2): the configuration
/// comes from the environment. Returns the process exit code:
/// 0 after a clean drain, 2 for configuration or start-up errors, and 3
/// when the service's actor stops on its own (e.g. its port is taken).
int run_service(int argc, char** argv, const service_definition& def);

/// The version compiled into every binary.
const char* version();

} // namespace kumo
