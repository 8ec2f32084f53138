#pragma once

// Every actor of the queue service and its interface.

#include "commands.hpp"
#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "path_template.hpp"
#include "store.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

namespace kumo {
class metrics;
}

namespace kumo::queue {

using execute_atom = caf::atom_constant<caf::atom("execute")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// Owns one queue_store, i.e. one PostgreSQL connection. Detached: every
/// handler blocks on the database.
using store_actor = caf::typed_actor<
    // Runs one command in one transaction unless the deadline (steady clock,
    // ns since its epoch) already passed: a requester that gave up must not
    // get a lease it never hears of. Fails with the store's errc.
    caf::replies_to<execute_atom, command, int64_t>::with<outcome>>;

/// Spawns `count` detached store actors, each with its own connection.
std::vector<store_actor> spawn_stores(caf::actor_system& sys,
                                      const std::string& database_url,
                                      const store_options& opts, size_t count);

/// A decoded request: what to run and the inbox to answer ("": none).
struct queue_request {
  command cmd;
  std::string reply_to;
};

/// The queue service: runs typed requests (decoded by its bus edge) on the
/// stores, runs the reaper, and publishes wake-ups, job controls, discards
/// and progress after commits.
using queue_actor = caf::typed_actor<
    // A decoded request.
    caf::reacts_to<queue_request>,
    // SIGTERM: stop answering, let in-flight transactions finish, then true.
    caf::replies_to<drain_atom>::with<bool>,
    // One reaper pass (expired leases, due retries, discards, gauges).
    caf::reacts_to<tick_atom>,
    // Publish the coalesced kumo.progress.queue event.
    caf::reacts_to<flush_atom>>;

/// The queue's bus edge: subscribes to kumo.queue.cmd.*, claim, heartbeat
/// and report (queue group "queue", so replicas share the load), decodes
/// every message with the request contracts, answers a malformed one with
/// invalid_argument itself, and hands the queue typed requests only.
using queue_edge_actor = caf::typed_actor<caf::reacts_to<bus_message>>;

struct queue_settings {
  path_template paths = *path_template::parse(path_template::default_text);
  contracts::request_rules rules; ///< what a source URL is checked against
  caf::timespan reap_interval = std::chrono::seconds(1);
  caf::timespan announce_interval = std::chrono::seconds(2);
  caf::timespan store_timeout = std::chrono::seconds(15);
  caf::timespan discard_timeout = std::chrono::seconds(5);
  caf::timespan flush_delay = std::chrono::milliseconds(100);
};

/// Spawns the queue service around `stores` (stores[0] also runs the reaper)
/// and its bus edge, linked to it.
queue_actor spawn_queue(caf::actor_system& sys, queue_settings cfg,
                        std::vector<store_actor> stores, bus_actor bus,
                        kumo::metrics& m);

} // namespace kumo::queue

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::queue::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::queue::outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::queue::queue_request)
