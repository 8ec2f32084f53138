#pragma once

// The retention task's runner (retention_run.hpp) as an actor of its own.

#include "catalog/library_roots.hpp"
#include "kumo/bus.hpp"
#include "retention/retention_plan.hpp"

#include <caf/fwd.hpp>

namespace kumo::scanner {

/// Runs the retention task once on a thread of its own over the series of
/// `roots` with `limits`, then sends (task_done_atom, "retention", outcome,
/// summary JSON, error) to `tasks` and publishes the library's usage after
/// it on kumo.library.usage.
void spawn_retention(caf::actor_system& sys, std::string database_url,
                     library_roots roots, storage_limits limits,
                     caf::actor tasks, bus_actor bus);

} // namespace kumo::scanner
