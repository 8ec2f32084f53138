#pragma once

// Every actor of the scanner service and its interface.

#include "catalog/requests.hpp"
#include "kumo/address_policy.hpp"
#include "kumo/atoms.hpp"
#include "kumo/bus.hpp"
#include "scan/scan_run.hpp"
#include "scanner_config.hpp"
#include "tasks/task_plan.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <memory>
#include <string>

namespace kumo {
class metrics;
}

namespace kumo::scanner {

struct scanner_metrics;
struct purge_metrics;

using execute_atom = caf::atom_constant<caf::atom("execute")>;
using scan_done_atom = caf::atom_constant<caf::atom("scan_done")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using run_task_atom = caf::atom_constant<caf::atom("run_task")>;
using task_done_atom = caf::atom_constant<caf::atom("task_done")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using download_atom = caf::atom_constant<caf::atom("download")>;
using monitor_atom = caf::atom_constant<caf::atom("monitor")>;
using task_every_atom = caf::atom_constant<caf::atom("task_every")>;

/// Owns one catalog_store (one PostgreSQL connection). Detached: every
/// handler blocks on the database. Answers the reply body (JSON text),
/// success or {"error": ...}.
using catalog_actor = caf::typed_actor<
    caf::replies_to<execute_atom, scanner_request>::with<std::string>>;

/// Spawns the detached catalog actor.
catalog_actor spawn_catalog(caf::actor_system& sys, std::string database_url,
                            library_roots roots);

/// What a scan needs besides its spec, shared with its runner thread.
struct scan_context {
  std::string database_url;
  bus_actor bus;
  std::shared_ptr<scanner_metrics> metrics;
  std::shared_ptr<scan_memory> memory;     ///< used by one scan at a time
  std::shared_ptr<std::atomic<bool>> stop; ///< set on drain
};

/// Runs one scan on a thread of its own (a blocking actor), answers
/// `reply_to` (when not empty) with the rescan reply once the scan started
/// or was refused, publishes kumo.progress.scan, and sends (scan_done_atom,
/// outcome, final scan JSON) to `parent` at the end. A non-empty `reply_body`
/// is answered instead of the rescan reply, once the scan is recorded (or could
/// not run): a series add is answered only when the scan of its folder shows in
/// scan_status.
void spawn_scan(caf::actor_system& sys, const caf::actor& parent,
                const scan_context& ctx, scan_spec spec, std::string reply_to,
                std::string reply_body = {});

/// Watches `root` (library_watch) on a thread of its own until `stop` is
/// set; sends (watch_atom, root, events) to `parent` for every batch of
/// changes. A root that cannot be watched, or a degraded watch, is logged
/// once; the periodic scan covers it.
void spawn_watch(caf::actor_system& sys, const caf::actor& parent,
                 std::string root, std::shared_ptr<std::atomic<bool>> stop);

/// The task scheduler (tasks/tasks_actor.cpp): detached, one database
/// connection; claims due tasks of `defs` for `instance` and sends
/// (run_task_atom, name) to `runner`, which answers each with
/// (task_done_atom, name, outcome, summary JSON, error); answers the bus
/// messages kumo.scanner.cmd.tasks and kumo.scanner.cmd.task_run;
/// (task_every_atom, name, seconds) changes a task's interval.
caf::actor spawn_tasks(caf::actor_system& sys, std::string database_url,
                       std::vector<task_definition> defs, std::string instance,
                       bus_actor bus, caf::actor runner);

/// The task `purge` (history/purge_actor.cpp): detached, follows the
/// "history" section of the runtime configuration (sends (task_every_atom,
/// "purge", seconds) to `tasks` when history.purge_interval_s is known or
/// changes); on (run_task_atom, name) deletes the queue's old history over
/// kumo.queue.cmd.purge and the scanner's old scan records, then answers
/// `tasks` with (task_done_atom, name, outcome, summary JSON, error).
/// Each ended run is counted in `metrics`.
caf::actor spawn_purge_task(caf::actor_system& sys, std::string database_url,
                            bus_actor bus, caf::actor tasks,
                            std::shared_ptr<purge_metrics> metrics);

/// What the feeds actor needs.
struct feeds_settings {
  std::string database_url;
  bus_actor bus;
  std::shared_ptr<const address_policy> policy; ///< provider requests
  std::chrono::milliseconds monitor_interval{3'600'000};
  std::chrono::milliseconds feed_timeout{15'000};
  /// The episode gauges, set after every merged listing (may be null).
  std::shared_ptr<scanner_metrics> metrics;
};

/// Spawns a detached feeds actor (its own PostgreSQL connection). It
/// handles (refresh_atom, key, reply_to): lists the series at its provider
/// and merges the episodes; (download_atom, request, reply_to): queues
/// missing episodes with kumo.queue.cmd.add; (monitor_atom): one round over
/// the monitored series that are due, then the next round is scheduled
/// (every min(monitor_interval, 30 s)). Replies go to `reply_to` when it is
/// not empty.
caf::actor spawn_feeds(caf::actor_system& sys, feeds_settings cfg);

/// The scanner service: subscribes to kumo.scanner.cmd.* (queue group
/// "scanner"), validates each request, answers reads and edits through the
/// catalog actor, starts scans on start, every scan_interval and on rescan.
struct scanner_settings {
  scanner_config config;
  std::string database_url;
  std::string instance;
};

caf::actor spawn_scanner(caf::actor_system& sys, scanner_settings cfg,
                         bus_actor bus, kumo::metrics& m);

} // namespace kumo::scanner

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kumo::scanner::scanner_request)
