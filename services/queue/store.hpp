#pragma once

// The queue's PostgreSQL store: every command runs in one transaction, and
// every state change appends to queue_events in that same transaction. One
// queue_store owns one connection and is used by one actor or thread only.

#include "commands.hpp"
#include "kumo/store.hpp"
#include "kumo/wire.hpp"
#include "live_settings.hpp"
#include "model.hpp"
#include "progress.hpp"
#include "providers/health/provider_health.hpp"
#include "retry_policy.hpp"
#include "storage_gate.hpp"

#include <caf/expected.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::queue {

struct store_options {
  int64_t lease_ms = 30'000; ///< lease handed out by claims and heartbeats
  retry_policy retries;
  int64_t job_rate_limit_bps = 0;   ///< copied into every job, 0: none
  int64_t discard_retry_ms = 5'000; ///< resend an unacknowledged discard after
  int64_t event_retention_ms = 0;   ///< prune older queue_events, 0: keep
  /// Expired leases after which the reaper fails an item ("the worker
  /// handling it kept dying") instead of returning it to pending.
  int max_lease_expirations = 3;
  int reap_batch = 500; ///< expired leases handled per reaper pass
  providers::health::breaker_options breaker; ///< per provider
  /// Delay before an item's next source after its current one failed,
  /// doubled for every further source (transitions.hpp).
  int64_t failover_backoff_ms = 1'000;
  /// Delay before a claimed bare reference the scanner could not be asked
  /// about is claimable again.
  int64_t resolve_retry_ms = 10'000;
  /// An item whose every source waits for its provider's breaker is
  /// claimable again after this long.
  int64_t breaker_hold_ms = 1'000;
  /// true: `retries` (or the live policy) applies to every failure, the
  /// queue's retry options having been set explicitly; false: a failure of
  /// a known provider's source follows that provider's `retries` and
  /// `retry_delay_s` (store_provider_limits.cpp).
  bool retries_override = false;
  /// When set, replaces `retries` and `job_rate_limit_bps`: the values the
  /// runtime configuration changes while the queue runs.
  std::shared_ptr<live_settings> live;
  /// When set, the library's storage limit holds claims back (null: none).
  std::shared_ptr<storage_gate> storage;
};

/// A provider's breaker moved (kumo.events.provider.breaker).
struct breaker_change {
  std::string provider;
  std::string state; ///< "open", "half_open", "closed"
};

/// One source outcome counted into a provider's health (for the metrics).
struct provider_sample {
  std::string provider;
  bool ok = false;
  int64_t response_ms = 0;
  int64_t bytes = 0;
};

/// One step of a job's story, logged once the transaction committed (with
/// the item id and a fingerprint of the lease token, see kumo/job_trace.hpp).
struct job_note {
  std::string event;       ///< added, claimed, heartbeat, reported, ...
  std::string item;        ///< the item id
  std::string lease_token; ///< the lease concerned, "" for none
  nlohmann::json detail = nlohmann::json::object();
  bool routine = false; ///< logged at debug level (heartbeats, progress)
};

/// What to announce once the transaction committed.
struct effects {
  std::vector<job_note> journal;               ///< log lines about jobs
  std::vector<lifecycle_change> lifecycle;     ///< kumo.progress.download
  std::vector<wire::job_control> controls;     ///< kumo.job.<id>.control
  std::vector<wire::discard_request> discards; ///< kumo.downloader.discard
  int64_t claimable = -1;     ///< >= 0: claimable items after a change that may
                              ///< have made work claimable
  bool queue_changed = false; ///< publish kumo.progress.queue
  int claimed_jobs = 0;
  int retries_scheduled = 0;
  int lease_expirations = 0;
  int poisoned = 0; ///< items failed for too many expired leases
  bool stale_report = false;
  int64_t newly_due = 0; ///< retries whose delay ended since the last reap
  std::optional<status_counts> counts;
  std::optional<queue_flags> flags;
  std::vector<breaker_change> breakers;
  std::vector<provider_sample> samples;
  /// The provider of each source an item left for its next source.
  std::vector<std::string> failovers;
  std::map<std::string, int> breaker_gauges; ///< provider -> gauge value
  /// Set when provider settings changed: publish on kumo.providers.config.
  std::optional<nlohmann::json> provider_config;
};

/// A command's reply (the JSON answered to the requester) and its effects.
struct outcome {
  nlohmann::json reply = nlohmann::json::object();
  effects fx;
};

class queue_store {
public:
  queue_store(std::string database_url, store_options opts);

  /// Runs `cmd` in one transaction. Errors: errc::not_found, errc::conflict
  /// (nothing changed), errc::unavailable (database down), errc::internal.
  caf::expected<outcome> execute(const command& cmd);

  pg_session& session() {
    return db_;
  }

  const store_options& options() const {
    return opts_;
  }

private:
  struct dispatcher;

  pg_session db_;
  store_options opts_;
  std::string last_due_check_ = "-infinity"; ///< db time of the last reap
};

} // namespace kumo::queue
