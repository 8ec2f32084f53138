#include "disk_guard_listener.hpp"
#include "http_fetch.hpp"
#include "kumo/local_addresses.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"
#include "options.hpp"
#include "worker.hpp"

#include <caf/all.hpp>

namespace kumo::downloader {
std::vector<migration> migrations();
}

namespace {

using namespace kumo;
using namespace kumo::downloader;

job_env make_env(service_context& ctx, const downloader_options& opts,
                 const std::shared_ptr<disk_guard>& disk) {
  job_env env;
  env.bus = ctx.bus;
  env.worker = opts.worker;
  env.library_root = opts.library_root;
  env.user_agent = opts.user_agent;
  env.connect_timeout = opts.connect_timeout;
  env.stall_timeout = opts.stall_timeout;
  env.media = opts.media;
  env.request_timeout = opts.request_timeout;
  // Interfaces are read again at most once a second: connects are rare
  // next to the bytes they carry.
  env.policy = std::make_shared<address_policy>(
      opts.fetch_allow, cached_interface_addresses(std::chrono::seconds(1)));
  if (opts.worker_rate_limit > 0)
    env.bucket = std::make_shared<token_bucket>(
        opts.worker_rate_limit,
        std::max<int64_t>(opts.worker_rate_limit / 4, int64_t{64} * 1024));
  env.providers = std::make_shared<provider_limits>(opts.max_connections,
                                                    opts.timeouts_set);
  env.segment_min_size = opts.segment_min_size;
  env.metrics = downloader_metrics::make(ctx.metrics.registry());
  env.disk = disk;
  return env;
}

} // namespace

int main(int argc, char** argv) {
  // Filled once by `configure`, right after the options are loaded: the
  // options checked there are the ones the worker runs with.
  auto opts = std::make_shared<downloader_options>();
  service_definition def;
  def.name = "downloader";
  def.uses_database = false;
  def.options = option_schema();
  def.migrations = downloader::migrations;
  def.configure = [opts](const settings& values) -> result<void> {
    auto checked = read_options(values);
    if (!checked)
      return checked.error();
    *opts = *std::move(checked);
    return {};
  };
  def.start = [opts](service_context& ctx) -> drainable_actor {
    // The floor starts from the options and follows the configuration.
    auto disk = std::make_shared<disk_guard>(opts->library_root, opts->disk);
    auto env = make_env(ctx, *opts, disk);
    log::info("worker ready",
              {{"library_root", opts->library_root},
               {"jobs", opts->jobs},
               {"allow", ctx.config.text("fetch_allow_cidrs")}});
    drainable_actor worker = spawn_worker(ctx.system, *opts, std::move(env));
    spawn_disk_guard_listener(ctx.system, ctx.bus, disk, worker);
    return worker;
  };
  init_curl();
  return run_service(argc, argv, def);
}
