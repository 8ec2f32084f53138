#pragma once

// Applies the runtime configuration to a running queue: asks a gateway for
// the current document at start (kumo.gateway.config.current), then follows
// kumo.config.changed. Stops when the queue service stops.

#include "kumo/bus.hpp"
#include "kumo/service.hpp"
#include "live_settings.hpp"

#include <caf/fwd.hpp>
#include <memory>

namespace kumo::queue {

bus_listener spawn_config_listener(caf::actor_system& sys, bus_actor bus,
                                   std::shared_ptr<live_settings> live,
                                   const drainable_actor& service);

} // namespace kumo::queue
