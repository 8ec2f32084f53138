#pragma once

// The notification part of the queue service: its actors and settings.
// A bus edge answers kumo.queue.notify.<op> (the webhook API, queue group
// "queue") and records events heard on the bus; a detached store actor owns
// the API's connection; a detached sender claims due deliveries and sends
// them.

#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "notify_logic.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <string>

namespace kumo::queue::notify {

using api_atom = caf::atom_constant<caf::atom("notify_api")>;
using record_atom = caf::atom_constant<caf::atom("notify_rec")>;

/// Owns one notify_store (one connection). Detached: blocks on the database.
using notify_store_actor = caf::typed_actor<
    // One API operation on its JSON body; answers the reply JSON.
    caf::replies_to<api_atom, std::string, std::string>::with<std::string>,
    // Records an event (name, payload JSON, dedupe key or "").
    caf::reacts_to<record_atom, std::string, std::string, std::string>>;

/// Claims and sends due deliveries on every tick. Detached: blocks on
/// PostgreSQL and HTTP.
using notify_sender_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

struct notify_settings {
  std::string database_url;
  address_policy targets{}; ///< what a target may connect to
  retry_rules retries;
  std::chrono::milliseconds poll{1000};     ///< sender's idle interval
  std::chrono::milliseconds timeout{10000}; ///< one HTTP call
  int64_t lease_ms = 60'000;                ///< a claimed delivery's lease
  int batch = 4;                            ///< deliveries per claim
};

/// Spawns the notification actors; the edge links itself to `owner` (the
/// queue service), so either stopping stops the other.
void spawn_notify(caf::actor_system& sys, notify_settings cfg, bus_actor bus,
                  const caf::actor_addr& owner);

} // namespace kumo::queue::notify
