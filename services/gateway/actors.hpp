#pragma once

// Every typed actor interface of the gateway. The HTTP threads (httplib) own
// no actor state: they reach these actors by blocking requests with
// deadlines (auth_client, bus_client) or through bounded mailboxes.
//
// - gateway_supervisor (main.cpp, kumo::drainable_actor): owns the HTTP
//   server and the route modules; drain_atom stops the streams, then the
//   server, and answers true.
// - auth_store (auth/auth_store.cpp): the users and sessions in PostgreSQL.
// - event_hub (events/event_hub.cpp): fans kumo.events.* out to the SSE
//   streams.

#include "events/sse.hpp"
#include "http/mailbox.hpp"
#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kumo::gateway {

// -- auth_store ---------------------------------------------------------------

using configured_atom = caf::atom_constant<caf::atom("configured")>;
using setup_atom = caf::atom_constant<caf::atom("setup")>;
using credential_atom = caf::atom_constant<caf::atom("credential")>;
using open_session_atom = caf::atom_constant<caf::atom("opensess")>;
using check_session_atom = caf::atom_constant<caf::atom("checksess")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;

/// Owns one PostgreSQL connection. Detached: every handler blocks on the
/// database. Token hashes travel as 64 lowercase hex characters; raw tokens
/// and passwords never reach it.
using auth_store_actor = caf::typed_actor<
    // Whether the master account exists.
    caf::replies_to<configured_atom>::with<bool>,
    // Creates the master account with this password hash; false when an
    // account already exists (nothing changes then).
    caf::replies_to<setup_atom, std::string>::with<bool>,
    // The master account's password hash, "" when there is none.
    caf::replies_to<credential_atom>::with<std::string>,
    // Stores a session (token hash, lifetime in ms); answers its expiry as
    // ISO-8601 UTC.
    caf::replies_to<open_session_atom, std::string, int64_t>::with<std::string>,
    // Milliseconds the session with this token hash has left; 0 when it is
    // unknown, revoked or expired.
    caf::replies_to<check_session_atom, std::string>::with<int64_t>,
    // Deletes the session; true when it existed.
    caf::replies_to<revoke_atom, std::string>::with<bool>,
    // Internal: deletes expired sessions, then schedules the next purge.
    caf::reacts_to<purge_atom>>;

// -- event_hub ----------------------------------------------------------------

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

/// Receives every kumo.events.* message, keeps the recent ones for
/// resumption and hands each to the streams that want its room.
using event_hub_actor = caf::typed_actor<
    // kumo.events.<room> messages from the bus.
    caf::reacts_to<bus_message>,
    // Registers a stream; fails with errc::unavailable once closed.
    caf::replies_to<join_atom, hub_join>::with<hub_welcome>,
    // Forgets stream `id` (its client left).
    caf::reacts_to<leave_atom, uint64_t>,
    // Closes every mailbox (their streams end) and refuses later joins.
    caf::replies_to<close_atom>::with<bool>>;

} // namespace kumo::gateway

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::gateway::hub_join)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::gateway::hub_welcome)
