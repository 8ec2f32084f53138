#pragma once

// Feeds the queue's storage gate (storage_gate.hpp): asks a gateway for the
// configuration and a scanner for the library's usage at start, then
// follows kumo.config.changed ("library" section) and kumo.library.usage.
// Each time the gate fills or frees it publishes one progress event
// (kumo.progress.storage_limit, {used_bytes, limit_bytes}); once freed it
// announces pending work so workers claim at once. Stops with the queue.

#include "kumo/bus.hpp"
#include "kumo/service.hpp"
#include "storage_gate.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace kumo::queue {

bus_listener spawn_storage_listener(caf::actor_system& sys, bus_actor bus,
                                    std::shared_ptr<storage_gate> gate,
                                    const drainable_actor& service);

} // namespace kumo::queue
