#pragma once

// The "history" section of the runtime configuration as the scanner reads
// it (kumo.gateway.config.current at start, then kumo.config.changed):
// how long finished history is kept, and how often the task `purge` runs.
// And the bookkeeping of one purge run: what it asks the queue, what the
// answers add up to. Pure: nlohmann_json and kumo::result only.

#include "kumo/result.hpp"

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace kumo::scanner {

/// history.keep_days and history.purge_interval_s, with their defaults.
struct history_settings {
  std::int64_t keep_days = 30;            ///< 1..3650
  std::int64_t purge_interval_s = 86'400; ///< 0..31536000, 0: on demand only

  /// The purge cutoff: what finished longer ago than this goes.
  std::chrono::seconds keep() const {
    return std::chrono::seconds(keep_days * 86'400);
  }

  bool operator==(const history_settings& other) const {
    return keep_days == other.keep_days &&
           purge_interval_s == other.purge_interval_s;
  }
};

/// `current` with the fields of `doc`'s "history" section that it holds
/// (absent fields keep their value). A bad value changes nothing and fails
/// naming the field ("history.keep_days"); a document without the section
/// answers `current`.
result<history_settings> apply_history(const nlohmann::json& doc,
                                       history_settings current);

/// Rows deleted by one purge run so far.
struct purge_totals {
  std::int64_t items = 0;
  std::int64_t events = 0;
  std::int64_t deliveries = 0;
  std::int64_t scans = 0; ///< the scanner's own finished scan records
  int requests = 0;       ///< queue requests answered

  /// Adds one reply of kumo.queue.cmd.purge ({"items", "events",
  /// "deliveries", "more"}); answers whether more may remain, or a failure
  /// for an error reply or one of another shape (the totals unchanged).
  result<bool> add_reply(const nlohmann::json& reply);

  /// The run's result: {"items", "events", "deliveries", "scans",
  /// "keep_days"}.
  nlohmann::json summary(const history_settings& settings) const;
};

/// The body of one kumo.queue.cmd.purge request.
nlohmann::json purge_request(const history_settings& settings,
                             std::int64_t batch);

} // namespace kumo::scanner
