#include "http_fetch.hpp"
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

/// Checks what the option schema cannot (the library root exists, the
/// allowlist parses) before anything starts. Returns the exit code: 0 to go
/// on, 2 after one clear error line. Problems the schema catches are left to
/// run_service, which reports them the same way.
int check_options(const service_definition& def) {
  auto schema = common_options(def);
  schema.insert(schema.end(), def.options.begin(), def.options.end());
  auto loaded = load_settings(schema, process_env());
  auto* values = std::get_if<settings>(&loaded);
  if (values == nullptr)
    return 0;
  option_problem problem;
  if (read_options(*values, &problem))
    return 0;
  log::init(def.name, log::level::info);
  log::error("invalid configuration: " + problem.message,
             {{"option", problem.key}, {"env", env_name(problem.key)}});
  return 2;
}

job_env make_env(service_context& ctx, const downloader_options& opts) {
  job_env env;
  env.bus = ctx.bus;
  env.worker = opts.worker;
  env.library_root = opts.library_root;
  env.user_agent = opts.user_agent;
  env.connect_timeout = opts.connect_timeout;
  env.stall_timeout = opts.stall_timeout;
  env.request_timeout = opts.request_timeout;
  env.policy = std::make_shared<address_policy>(opts.fetch_allow);
  if (opts.worker_rate_limit > 0)
    env.bucket = std::make_shared<token_bucket>(
        opts.worker_rate_limit,
        std::max<int64_t>(opts.worker_rate_limit / 4, int64_t{64} * 1024));
  env.metrics = downloader_metrics::make(ctx.metrics.registry());
  return env;
}

} // namespace

int main(int argc, char** argv) {
  service_definition def;
  def.name = "downloader";
  def.uses_database = false;
  def.options = option_schema();
  def.migrations = downloader::migrations;
  if (int rc = check_options(def); rc != 0)
    return rc;
  init_curl();
  def.start = [](service_context& ctx) -> drainable_actor {
    option_problem problem;
    auto opts = read_options(ctx.config, &problem);
    if (!opts) // checked above; only a change on disk meanwhile gets here
      log::error("invalid configuration: " + problem.message);
    auto env = make_env(ctx, *opts);
    log::info("worker ready",
              {{"library_root", opts->library_root},
               {"jobs", opts->jobs},
               {"allow", ctx.config.text("fetch_allow_cidrs")}});
    return spawn_worker(ctx.system, *opts, std::move(env));
  };
  return run_service(argc, argv, def);
}
