#pragma once

#include "actors.hpp"
#include "downloader_metrics.hpp"
#include "job.hpp"
#include "options.hpp"

namespace kumo::downloader {

/// Spawns the worker (see worker_actor). `env` is the template every job
/// receives.
worker_actor spawn_worker(caf::actor_system& sys, downloader_options opts,
                          job_env env);

/// Spawns the discard responder (see discard_actor).
discard_actor spawn_discard(caf::actor_system& sys, const bus_actor& bus,
                            const std::string& library_root);

/// Answers one discard request: deletes `<root>/<target_path>.part` after
/// the containment checks. Returns the JSON reply.
std::string handle_discard(const std::string& library_root,
                           const std::string& payload);

/// The lease margin: writing stops this long before the queue's lease
/// would end, counted from when the heartbeat that extended it was sent.
std::chrono::milliseconds lease_margin(int64_t lease_ms);

} // namespace kumo::downloader
