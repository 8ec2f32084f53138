#pragma once

// One claimed job, run to its end on its own thread: a blocking actor, since
// libcurl's easy interface blocks. It talks to the queue itself (reports are
// retried here, where waiting is allowed) and hears the worker only through
// its job_control.

#include "disk_guard.hpp"
#include "downloader_metrics.hpp"
#include "hls_options.hpp"
#include "job_control.hpp"
#include "kumo/address_policy.hpp"
#include "kumo/bus.hpp"
#include "kumo/wire.hpp"
#include "provider_limits.hpp"
#include "token_bucket.hpp"

#include <caf/fwd.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace kumo::downloader {

/// What every job of a worker shares.
struct job_env {
  bus_actor bus;
  std::string worker;
  std::string library_root; ///< real path
  std::string user_agent;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds stall_timeout{30'000};
  std::chrono::milliseconds request_timeout{5'000};
  std::chrono::milliseconds sync_interval{1'000};
  std::shared_ptr<const address_policy> policy;
  std::shared_ptr<token_bucket> bucket; ///< null: no worker-wide limit
  /// Runtime provider settings (kumo.providers.config); null: none.
  std::shared_ptr<provider_limits> providers;
  int64_t segment_min_size = int64_t{16} << 20; ///< smaller: one connection
  std::shared_ptr<const disk_guard> disk;       ///< null: no free-space floor
  downloader_metrics metrics;
  media_settings media; ///< sources of provider hls and ytdlp
};

/// Downloads `job` into `<root>/<target_path>.part`, then commits, renames
/// and reports it; or saves the offset and reports the stop the worker asked
/// for through `control`; or reports the failure. Returns when the job's
/// last report was answered (or can no longer be).
void run_job(caf::blocking_actor* self, job_env env, wire::job job,
             std::shared_ptr<job_control> control);

/// "<serie name> S01E02", the title progress updates carry.
std::string episode_title(const wire::job& job);

} // namespace kumo::downloader
