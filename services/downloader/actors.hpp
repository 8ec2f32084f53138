#pragma once

// Every actor interface of the downloader.

#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>

namespace kumo::downloader {

using beat_atom = caf::atom_constant<caf::atom("beat")>;

/// The worker of one process: claims jobs while it has free slots, runs each
/// job on its own thread (a blocking actor), keeps their leases alive with
/// heartbeats, and forwards pause/cancel to them.
using worker_actor = caf::typed_actor<
    // SIGTERM: stop claiming; every job saves its offset and releases its
    // lease; answers true once every job ended (or the grace period is over).
    caf::replies_to<drain_atom>::with<bool>,
    // Wake-ups (kumo.jobs.available) and job control (kumo.job.<id>.control).
    caf::reacts_to<bus_message>,
    // Poll timer: claim when slots are free, even without a wake-up.
    caf::reacts_to<tick_atom>,
    // Heartbeat timer of the given generation (older generations are ignored).
    caf::reacts_to<beat_atom, uint64_t>,
    // The drain deadline passed.
    caf::reacts_to<timeout_atom>>;

/// Deletes the partial file of a job cancelled while it was not running
/// (kumo.downloader.discard, queue group "downloader"). A bus listener that
/// answers every request.
using discard_actor = bus_listener;

} // namespace kumo::downloader
