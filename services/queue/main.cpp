// The queue service: owns the download queue tables and hands jobs to
// downloaders under leases.

#include "actors.hpp"
#include "config_listener.hpp"
#include "kumo/address_policy.hpp"
#include "kumo/local_addresses.hpp"
#include "kumo/log.hpp"
#include "kumo/service.hpp"
#include "notify/notify_actors.hpp"
#include "storage_listener.hpp"

#include <caf/all.hpp>
#include <memory>

namespace kumo::queue {
std::vector<migration> migrations();
}

namespace {

using namespace kumo;

constexpr const char* default_retry_delays = "5s,15s,45s";
constexpr const char* default_max_retries = "3";

/// Whether the retry options were set (environment or configuration
/// file): then they hold for every failure, whatever the providers' own
/// retries and retry_delay_s say.
bool retries_set(const settings& cfg) {
  auto env = process_env();
  return env(env_name("retry_delays")) || env(env_name("max_retries")) ||
         cfg.text("retry_delays") != default_retry_delays ||
         cfg.text("max_retries") != default_max_retries;
}

std::vector<option> queue_options() {
  return {
      {"lease", option_kind::duration, "30s",
       "job lease; workers heartbeat well within it", 1'000, 3'600'000},
      {"reap_interval", option_kind::duration, "1s",
       "how often expired leases and due retries are handled", 50, 60'000},
      {"announce_interval", option_kind::duration, "2s",
       "re-announce kumo.jobs.available while work is claimable", 100,
       3'600'000},
      {"retry_delays", option_kind::text, default_retry_delays,
       "delays before retries of transient failures; set: every provider's "
       "retry_delay_s is overridden"},
      {"max_retries", option_kind::integer, default_max_retries,
       "retries of transient failures before failing; set: every "
       "provider's retries is overridden",
       0, 100},
      {"path_template", option_kind::text, queue::path_template::default_text,
       "target path of a download, relative to the library root"},
      {"job_rate_limit", option_kind::integer, "0",
       "bandwidth limit per job in bytes/s (0: none)", 0, INT64_MAX},
      {"store_connections", option_kind::integer, "4",
       "PostgreSQL connections (store actors)", 1, 16},
      {"event_retention", option_kind::duration, "0",
       "prune every queue_events row older than this at each reaper pass, "
       "whatever its item (0: never; the task purge removes history after "
       "history.keep_days)",
       0, INT64_MAX},
      {"discard_retry", option_kind::duration, "5s",
       "resend an unanswered partial-file discard after", 100, 3'600'000},
      {"fetch_allow_cidrs", option_kind::text, "",
       "CIDRs a source URL's literal address may lie in despite the address "
       "rules (same as the downloader's)"},
      {"max_lease_expirations", option_kind::integer, "3",
       "expired leases after which an item fails instead of being requeued", 1,
       1000},
      {"breaker_threshold", option_kind::integer, "5",
       "consecutive failures of a provider that open its circuit breaker", 1,
       1000},
      {"breaker_cooldown", option_kind::duration, "60s",
       "how long an open breaker waits before letting one probe through", 0,
       86'400'000},
      {"failover_backoff", option_kind::duration, "1s",
       "delay before an item's next source after its current one failed "
       "(doubled per further source, at most 60s)",
       0, 60'000},
      {"notify_allow_cidrs", option_kind::text, "",
       "CIDRs a notification target may connect to despite the address rules "
       "(a LAN Jellyfin/Plex, a local receiver)"},
      {"notify_retry_delay", option_kind::duration, "5s",
       "delay before the second attempt of a notification; doubles after "
       "each failure",
       10, 3'600'000},
      {"notify_max_delay", option_kind::duration, "1h",
       "longest delay between two attempts of a notification", 10, 86'400'000},
      {"notify_max_attempts", option_kind::integer, "10",
       "attempts of a notification before it fails", 1, 1000},
      {"notify_max_age", option_kind::duration, "24h",
       "no new attempt of a notification older than this", 1'000,
       2'592'000'000},
      {"notify_timeout", option_kind::duration, "10s",
       "one notification HTTP call, connect included", 100, 120'000},
      {"notify_poll", option_kind::duration, "1s",
       "how often due notifications are looked for", 50, 60'000},
  };
}

struct queue_config {
  queue::queue_settings service;
  queue::store_options store;
  queue::notify::notify_settings notify;
  size_t connections = 2;
};

/// The notification options (see queue_options).
result<queue::notify::notify_settings> parse_notify(const settings& cfg) {
  auto allow = parse_cidr_list(cfg.text("notify_allow_cidrs"));
  if (!allow)
    return invalid(allow.error().message, "notify_allow_cidrs");
  queue::notify::notify_settings n;
  n.targets = address_policy{
      std::move(*allow), cached_interface_addresses(std::chrono::seconds(1))};
  n.retries.base_delay_ms = cfg.millis("notify_retry_delay");
  n.retries.max_delay_ms = cfg.millis("notify_max_delay");
  n.retries.max_attempts = static_cast<int>(cfg.integer("notify_max_attempts"));
  n.retries.max_age_ms = cfg.millis("notify_max_age");
  n.timeout = std::chrono::milliseconds(cfg.millis("notify_timeout"));
  n.poll = std::chrono::milliseconds(cfg.millis("notify_poll"));
  // A claimed batch is sent one call after the other: its lease covers
  // every call taking its whole timeout, plus margin.
  n.lease_ms = (n.batch + 2) * cfg.millis("notify_timeout");
  return n;
}

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
  out.store.retries_override = retries_set(cfg);
  out.store.job_rate_limit_bps = cfg.integer("job_rate_limit");
  out.store.live = std::make_shared<queue::live_settings>(
      out.store.retries, out.store.job_rate_limit_bps);
  out.store.storage = std::make_shared<queue::storage_gate>();
  out.store.discard_retry_ms = cfg.millis("discard_retry");
  out.store.event_retention_ms = cfg.millis("event_retention");
  out.store.max_lease_expirations =
      static_cast<int>(cfg.integer("max_lease_expirations"));
  out.store.breaker.failure_threshold =
      static_cast<int>(cfg.integer("breaker_threshold"));
  out.store.breaker.cooldown_ms = cfg.millis("breaker_cooldown");
  out.store.failover_backoff_ms = cfg.millis("failover_backoff");
  out.connections = static_cast<size_t>(cfg.integer("store_connections"));
  auto notify = parse_notify(cfg);
  if (!notify)
    return notify.error();
  out.notify = std::move(*notify);
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
    config->notify.database_url = ctx.config.text("database_url");
    queue::notify::spawn_notify(ctx.system, config->notify, ctx.bus,
                                service.address());
    auto handle = caf::actor_cast<drainable_actor>(service);
    queue::spawn_config_listener(ctx.system, ctx.bus, config->store.live,
                                 handle);
    queue::spawn_storage_listener(ctx.system, ctx.bus, config->store.storage,
                                  handle);
    return handle;
  };
  return run_service(argc, argv, def);
}
