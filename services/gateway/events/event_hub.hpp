#pragma once

// The gateway's end of the progress stream. Every gateway instance receives
// every kumo.events.* message, keeps the most recent ones for resumption, and
// hands each to the SSE streams that want its room. Streams run on HTTP
// threads; the hub reaches them only through their bounded mailboxes.

#include "actors.hpp"
#include "kumo/bus.hpp"

#include <caf/fwd.hpp>

namespace kumo {
class metrics;
}

namespace kumo::gateway {

struct hub_config {
  size_t replay = 4096;            ///< events kept for resumption
  caf::timespan subscribe_timeout; ///< deadline of the bus subscription
};

event_hub_actor spawn_event_hub(caf::actor_system& sys, bus_actor bus,
                                hub_config cfg, metrics& m);

} // namespace kumo::gateway
