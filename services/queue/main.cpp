// The queue service: owns the download queue tables and hands jobs to
// downloaders under leases.

#include "actors.hpp"
#include "config_listener.hpp"
#include "kumo/address_policy.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"

#include <caf/all.hpp>
#include <memory>

namespace kumo::queue {
std::vector<migration> migrations();
}

namespace {

using namespace kumo;

std::vector<option> queue_options() {
  return {
      {"lease", option_kind::duration, "30s",
       "job lease; workers heartbeat well within it", 1'000, 3'600'000},
      {"reap_interval", option_kind::duration, "1s",
       "how often expired leases and due retries are handled", 50, 60'000},
      {"announce_interval", option_kind::duration, "2s",
       "re-announce kumo.jobs.available while work is claimable", 100,
       3'600'000},
      {"retry_delays", option_kind::text, "5s,15s,45s",
       "delays before retries of transient failures"},
      {"max_retries", option_kind::integer, "3",
       "retries of transient failures before failing", 0, 100},
      {"path_template", option_kind::text, queue::path_template::default_text,
       "target path of a download, relative to the library root"},
      {"job_rate_limit", option_kind::integer, "0",
       "bandwidth limit per job in bytes/s (0: none)", 0, INT64_MAX},
      {"store_connections", option_kind::integer, "4",
       "PostgreSQL connections (store actors)", 1, 16},
      {"event_retention", option_kind::duration, "720h",
       "keep queue_events this long (0: forever)", 0, INT64_MAX},
      {"discard_retry", option_kind::duration, "5s",
       "resend an unanswered partial-file discard after", 100, 3'600'000},
      {"fetch_allow_cidrs", option_kind::text, "",
       "CIDRs a source URL's literal address may lie in despite the address "
       "rules (same as the downloader's)"},
      {"max_lease_expirations", option_kind::integer, "3",
       "expired leases after which an item fails instead of being requeued", 1,
       1000},
  };
}

struct queue_config {
  queue::queue_settings service;
  queue::store_options store;
  size_t connections = 2;
};

/// Reads the options that need more than a type check. Returns the
/// offending option and why, or the parsed values.
result<queue_config> parse_config(const settings& cfg) {
  queue_config out;
  auto paths = queue::path_template::parse(cfg.text("path_template"));
  if (!paths)
    return invalid(paths.error().message, "path_template");
  auto retries = queue::retry_policy::parse(cfg.text("retry_delays"),
                                            cfg.integer("max_retries"));
  if (!retries)
    return invalid(retries.error().message, "retry_delays");
  auto allow = parse_cidr_list(cfg.text("fetch_allow_cidrs"));
  if (!allow)
    return invalid(allow.error().message, "fetch_allow_cidrs");
  out.service.paths = std::move(*paths);
  out.service.rules.addresses = address_policy{std::move(*allow)};
  out.service.reap_interval =
      std::chrono::milliseconds(cfg.millis("reap_interval"));
  out.service.announce_interval =
      std::chrono::milliseconds(cfg.millis("announce_interval"));
  out.store.lease_ms = cfg.millis("lease");
  out.store.retries = std::move(*retries);
  out.store.job_rate_limit_bps = cfg.integer("job_rate_limit");
  out.store.live = std::make_shared<queue::live_settings>(
      out.store.retries, out.store.job_rate_limit_bps);
  out.store.discard_retry_ms = cfg.millis("discard_retry");
  out.store.event_retention_ms = cfg.millis("event_retention");
  out.store.max_lease_expirations =
      static_cast<int>(cfg.integer("max_lease_expirations"));
  out.connections = static_cast<size_t>(cfg.integer("store_connections"));
  return out;
}

} // namespace

int main(int argc, char** argv) {
  // Filled once by `configure`, right after the options are loaded.
  auto config = std::make_shared<queue_config>();
  service_definition def;
  def.name = "queue";
  def.options = queue_options();
  def.uses_database = true;
  def.migrations = queue::migrations;
  def.configure = [config](const settings& values) -> result<void> {
    auto parsed = parse_config(values);
    if (!parsed)
      return parsed.error();
    *config = *std::move(parsed);
    return {};
  };
  def.start = [config](service_context& ctx) {
    auto stores =
        queue::spawn_stores(ctx.system, ctx.config.text("database_url"),
                            config->store, config->connections);
    auto service = queue::spawn_queue(ctx.system, std::move(config->service),
                                      std::move(stores), ctx.bus, ctx.metrics);
    auto handle = caf::actor_cast<drainable_actor>(service);
    queue::spawn_config_listener(ctx.system, ctx.bus, config->store.live,
                                 handle);
    return handle;
  };
  return run_service(argc, argv, def);
}
