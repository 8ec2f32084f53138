#pragma once

// The rules of the job state machine, apart from the SQL that applies them.
//
// Fencing: a claim is the only thing that changes an item's lease token, so
// the token stored on the item always names its latest lease. A worker's
// report is accepted only with that token; once a newer claim happened (or
// the item was removed) the worker is stale and changes nothing.

#include "commands.hpp"
#include "model.hpp"
#include "retry_policy.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace kumo::queue {

/// Why a user action is not allowed in `status`, or nullopt when it is.
/// pause: pending/downloading; resume: paused; cancel:
/// pending/paused/downloading/failed; set_priority: pending/paused/downloading.
std::optional<std::string> refuse_item_action(item_action action,
                                              item_status status);
std::optional<std::string> refuse_priority_change(item_status status);

/// The status after an allowed user action.
item_status status_after(item_action action);

/// What the store found about the item a report is about.
struct report_facts {
  bool exists = false;
  bool token_matches = false; ///< the report's token is the latest lease's
  item_status status = item_status::pending;
  bool lease_closed = false; ///< this lease already reported its end
  int retries = 0;           ///< retries on the current source
  std::string provider;      ///< the current source's provider
  int source_index = 0;      ///< the current source's position
  int source_count = 1;      ///< sources of the item
};

enum class report_verdict : uint8_t {
  stale,       ///< {ok:false, reason:"stale_lease"}, nothing changes
  acknowledge, ///< {ok:true}; at most the offset of a resting item is kept
  apply,       ///< {ok:true}; the item moves to `next`
};

struct report_plan {
  report_verdict verdict = report_verdict::stale;
  item_status next = item_status::pending;
  std::string event;           ///< queue_events.event when applied
  int64_t retry_delay_ms = -1; ///< >= 0 when a retry is scheduled
  bool record_offset = false;  ///< store bytes_done/validator (acknowledge)
  bool extend_lease = false;   ///< commit
  /// >= 0: the current source failed and is not the last one; the item
  /// moves to the next source, pending for this long (not a retry).
  int64_t failover_delay_ms = -1;
};

/// Delay before the source at `next_index` (>= 1) is tried: `base_ms`
/// doubled for every source tried before, at most 60 s.
int64_t failover_delay_ms(int next_index, int64_t base_ms);

/// Decides what a worker's report does:
/// - stale when the item is gone or the token is not the latest lease's;
/// - commit needs an item still downloading under this lease (extends it);
/// - a lease that already reported its end is only acknowledged (retried
///   reports are idempotent);
/// - completed is applied from any status but completed: the file is in
///   place, whatever the user or the reaper did meanwhile;
/// - failed/paused/cancelled/released move a downloading item (failed:
///   a transient failure is retried on the same source with the policy's
///   delay while `facts.retries` (retries on this source) is below its
///   limit; then, or at once for a permanent failure, the next source after
///   a backoff when the current one is not the last, else failed); for an
///   item that already rests (paused, pending after lease expiry) they are
///   acknowledged and keep the worker's offset.
report_plan plan_report(const report_facts& facts, const std::string& outcome,
                        bool transient, const retry_policy& policy,
                        int64_t failover_base_ms = 1'000);

} // namespace kumo::queue
