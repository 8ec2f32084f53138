#pragma once

// The history purge of the queue (kumo.queue.cmd.purge): finished items
// (completed, failed, cancelled) older than a cutoff, their events, old
// queue-level and orphaned events and finished notification deliveries are
// deleted in bounded batches, one transaction per request. Pure: the
// request's checks and the reply's shape.

#include "kumo/result.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace kumo::queue {

/// The shortest history a purge keeps: one day (history.keep_days >= 1).
constexpr int64_t min_purge_age_s = 86'400;
/// The longest: 3650 days.
constexpr int64_t max_purge_age_s = 3650 * min_purge_age_s;
/// Rows of each kind deleted by one request at most, and by default.
constexpr int64_t max_purge_batch = 10'000;
constexpr int64_t default_purge_batch = 500;

/// cmd.purge: delete what finished more than `older_than_s` seconds ago,
/// at most `batch` rows of each kind (items, orphaned events, deliveries).
struct purge_command {
  int64_t older_than_s = 30 * min_purge_age_s;
  int64_t batch = default_purge_batch;
};

/// Reads {"older_than_s": N, "batch": N}: `older_than_s` (required) an
/// integer in [min_purge_age_s, max_purge_age_s], `batch` (optional) an
/// integer in [1, max_purge_batch]. Fails naming the field; unknown fields
/// are refused.
result<purge_command> parse_purge(const nlohmann::json& body);

/// What one request deleted.
struct purge_counts {
  int64_t items = 0;         ///< finished items
  int64_t events = 0;        ///< their events, and old orphaned ones
  int64_t deliveries = 0;    ///< delivered or given-up notifications
  int64_t orphan_events = 0; ///< of `events`: queue-level or of gone items
};

/// True when a batch limit was reached, so more old rows may remain.
bool purge_may_have_more(const purge_counts& counts, int64_t batch);

/// The reply: {"items", "events", "deliveries", "more", "older_than_s"}.
nlohmann::json purge_reply(const purge_counts& counts,
                           const purge_command& cmd);

} // namespace kumo::queue
