#pragma once

// The library's storage limit as the queue applies it (docs/operations.md,
// "Storage"): with a limit set and eviction off, no new download starts
// while the library's used bytes (the scanner's catalog, heard on
// kumo.library.usage) plus the bytes active downloads still have to write
// reach the limit. Items stay pending; nothing fails. Shared by the store
// actors and the storage listener; thread-safe. Pure: no CAF, NATS or pqxx.

#include "kumo/result.hpp"

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kumo::queue {

/// How many of the next pending items (their known sizes in claim order,
/// <= 0 when unknown) may start: each starts while `used + reserve` (plus
/// the sizes of the items started before it) is under `limit`. A limit of
/// 0 holds nothing back. An item may take the library past the limit by at
/// most its own size; an item of unknown size counts 0.
int storage_slots(std::int64_t used, std::int64_t reserve, std::int64_t limit,
                  const std::vector<std::int64_t>& next_sizes);

/// What the gate knows.
struct storage_view {
  bool usage_known = false; ///< no usage heard yet: nothing is held back
  std::int64_t used_bytes = 0;
  std::int64_t limit_bytes = 0; ///< 0: no limit
  bool evict_when_full = false;

  /// True when downloads wait: a limit, eviction off, usage at or over it.
  bool full() const;
  /// The limit claims apply: limit_bytes, or 0 when nothing is held back
  /// (no limit, eviction on, usage unknown).
  std::int64_t claim_limit() const;
};

class storage_gate {
public:
  /// Applies the "library" section of a configuration document
  /// (storage_limit_bytes >= 0, evict_when_full 0|1); absent fields keep
  /// their value. A bad value changes nothing and fails naming the field.
  /// Answers the names of the fields whose value changed.
  result<std::vector<std::string>> apply_config(const nlohmann::json& doc);

  /// Applies a usage document {"used_bytes": N, ...}; fails on anything
  /// else and changes nothing.
  result<void> apply_usage(const nlohmann::json& doc);

  storage_view view() const;

  /// The new value of full() when it changed since the last call (the
  /// first call reports true only), else nullopt: one event per transition.
  std::optional<bool> take_transition();

private:
  mutable std::mutex mutex_;
  storage_view view_;
  bool reported_full_ = false;
};

/// The storage fields of GET /api/queue/status: "paused_reason"
/// ("storage_limit" or null) and "storage" {used_bytes (null while
/// unknown), limit_bytes, evict_when_full, full}.
void add_storage_status(nlohmann::json& reply, const storage_view& view);

} // namespace kumo::queue
