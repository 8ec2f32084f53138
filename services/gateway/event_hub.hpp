#pragma once

// The gateway's end of the progress stream. Every gateway instance receives
// every kumo.events.* message, keeps the most recent ones for resumption, and
// hands each to the SSE streams that want its room. Streams run on HTTP
// threads; the hub reaches them only through their bounded mailboxes.

#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "mailbox.hpp"
#include "sse.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kumo {
class metrics;
}

namespace kumo::gateway {

using sse_mailbox = bounded_mailbox<sse::event_ptr>;

/// A stream asking to receive events.
struct hub_join {
  uint64_t id = 0;
  std::set<std::string> rooms;              ///< empty: every room
  std::optional<sse::position> resume_from; ///< the client's last event id
  std::shared_ptr<sse_mailbox> mailbox;
};

/// The hub's answer: `replay` holds the events missed since `resume_from`
/// when the hub still has all of them; nullopt means the stream needs an
/// init. Either way every later event goes to the mailbox.
struct hub_welcome {
  std::optional<std::vector<sse::event_ptr>> replay;
};

using join_atom = caf::atom_constant<caf::atom("sse_join")>;
using leave_atom = caf::atom_constant<caf::atom("sse_leave")>;
using close_atom = caf::atom_constant<caf::atom("sse_close")>;

using event_hub_actor = caf::typed_actor<
    // kumo.events.<room> messages from the bus.
    caf::reacts_to<bus_message>,
    // Registers a stream; fails with errc::unavailable once closed.
    caf::replies_to<join_atom, hub_join>::with<hub_welcome>,
    // Forgets stream `id` (its client left).
    caf::reacts_to<leave_atom, uint64_t>,
    // Closes every mailbox (their streams end) and refuses later joins.
    caf::replies_to<close_atom>::with<bool>>;

struct hub_config {
  size_t replay = 4096;            ///< events kept for resumption
  caf::timespan subscribe_timeout; ///< deadline of the bus subscription
};

event_hub_actor spawn_event_hub(caf::actor_system& sys, bus_actor bus,
                                hub_config cfg, metrics& m);

} // namespace kumo::gateway

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::gateway::hub_join)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::gateway::hub_welcome)
