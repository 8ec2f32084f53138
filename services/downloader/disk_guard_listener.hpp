#pragma once

// Keeps a running downloader's free-space floor in step with the runtime
// configuration: asks a gateway for the current document at start
// (kumo.gateway.config.current), then follows kumo.config.changed ("disk"
// section). Stops when the worker stops.

#include "disk_guard.hpp"
#include "kumo/bus.hpp"
#include "kumo/service.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace kumo::downloader {

bus_listener spawn_disk_guard_listener(caf::actor_system& sys, bus_actor bus,
                                       std::shared_ptr<disk_guard> guard,
                                       const drainable_actor& worker);

} // namespace kumo::downloader
