#pragma once

// Actor interfaces of the progress service.

#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "progress_book.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace kumo {
class metrics;
}

namespace kumo::progress {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using prune_atom = caf::atom_constant<caf::atom("prune")>;

/// Owns the progress book of the whole system. Exactly one progress replica
/// runs: it is the single source of truth for live progress, and the `seq`
/// of its events only means something within its own `epoch`.
using progress_actor = caf::typed_actor<
    // kumo.progress.<kind> updates and kumo.progress.snapshot requests.
    caf::reacts_to<bus_message>,
    // A coalesced event may have fallen due.
    caf::reacts_to<flush_atom>,
    // Periodic sweep of running records whose producer went silent.
    caf::reacts_to<prune_atom>,
    // SIGTERM: publish every coalesced event, then answer.
    caf::replies_to<drain_atom>::with<bool>>;

struct progress_config {
  book_options book;
  std::string epoch;               ///< random per start
  caf::timespan subscribe_timeout; ///< deadline of the bus subscription
};

/// Spawns the progress actor; it subscribes to kumo.progress.* itself.
progress_actor spawn_progress(caf::actor_system& sys, bus_actor bus,
                              progress_config cfg, metrics& m);

/// A fresh random epoch: 16 lowercase hex digits.
std::string make_epoch();

} // namespace kumo::progress
