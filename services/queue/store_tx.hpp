#pragma once

// Internals of queue_store shared by its translation units: statement
// execution, row decoding, and one function per command that runs inside an
// open transaction.

#include "store.hpp"
#include "store_sql.hpp"

#include <caf/error.hpp>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <utility>

namespace kumo::queue::detail {

/// A command's result inside the transaction. A refusal (not_found,
/// conflict) is returned before anything was written.
struct checked {
  outcome out;
  caf::error refusal;
};

inline checked refuse(errc code, std::string message) {
  checked c;
  c.refusal = make_error(code, std::move(message));
  return c;
}

/// Executes a named prepared statement, (re)defining it on this connection
/// first; pqxx ignores a definition it already has.
template <class... Args>
pqxx::result exec(pqxx::work& w, const sql::statement& s, Args&&... args) {
  w.conn().prepare(s.name, s.text);
  return w.exec_prepared(s.name, std::forward<Args>(args)...);
}

queue_item read_item(const pqxx::row& row);

std::vector<queue_item> read_items(const pqxx::result& rows);

/// Appends to queue_events. `item` and `token` may be "".
void add_event(pqxx::work& w, const std::string& item, const std::string& event,
               const char* origin, const std::string& token,
               const std::string& worker,
               const nlohmann::json& detail = nlohmann::json::object());

int64_t claimable_count(pqxx::work& w);
status_counts count_items(pqxx::work& w);
queue_flags read_flags(pqxx::work& w);

/// Queues the deletion of a partial file and adds it to `fx.discards`.
void request_discard(pqxx::work& w, const queue_item& item, effects& fx);

lifecycle_change change(const queue_item& item, std::string status,
                        nlohmann::json metadata = nlohmann::json::object());

// -- commands (store.cpp) -----------------------------------------------------
checked run(pqxx::work& w, const store_options& o, const add_command& c);
checked run(pqxx::work& w, const store_options& o, const status_command& c);
checked run(pqxx::work& w, const store_options& o, const get_command& c);
checked run(pqxx::work& w, const store_options& o, const remove_command& c);
checked run(pqxx::work& w, const store_options& o, const switch_command& c);
checked run(pqxx::work& w, const store_options& o, const item_command& c);
checked run(pqxx::work& w, const store_options& o, const priority_command& c);
checked run(pqxx::work& w, const store_options& o, const retry_command& c);
checked run(pqxx::work& w, const store_options& o, const clear_command& c);
checked run(pqxx::work& w, const store_options& o, const snapshot_command& c);
checked run(pqxx::work& w, const store_options& o,
            const discard_done_command& c);

// -- workers and reaper (store_jobs.cpp)
// ----------------------------------------
checked run(pqxx::work& w, const store_options& o,
            const wire::claim_request& c);
checked run(pqxx::work& w, const store_options& o, const wire::heartbeat& c);
checked run(pqxx::work& w, const store_options& o, const wire::report& c);
// -- history purge (purge_store.cpp)
checked run(pqxx::work& w, const store_options& o, const purge_command& c);
/// The job handed to a worker for a claimed `item`.
wire::job make_job(const queue_item& item, const store_options& o);

// -- bare references (store_resolve.cpp)
checked run(pqxx::work& w, const store_options& o, const resolve_command& c);

// -- providers (store_providers.cpp)
// -------------------------------------------
checked run(pqxx::work& w, const store_options& o, const provider_command& c);

/// Counts a source outcome into its provider's health and moves its breaker.
void record_source_outcome(pqxx::work& w, const store_options& o,
                           const wire::source_outcome& so, effects& fx);

/// At claim: the first source from the current one on whose provider is
/// enabled (a source after the first: and in the failover chain) and whose
/// breaker lets a request through (half-open: takes its one probe). Makes
/// it current and returns the item as handed out. When no source is usable
/// because breakers are open (or probes taken), the item goes back to
/// pending for `breaker_hold_ms` and nullopt is returned; when only
/// disabled providers are in the way, the current source is kept.
std::optional<queue_item> pick_source(pqxx::work& w, const store_options& o,
                                      const queue_item& item, effects& fx);

/// Reaper: open breakers whose cool-down ended become half-open; notes every
/// breaker's gauge.
void refresh_breakers(pqxx::work& w, const store_options& o, effects& fx);

// -- per-provider limits (store_provider_limits.cpp)
/// The retry policy of a failure of `provider`'s source: the process's
/// policy (options, runtime configuration) when `o.retries_override` is set
/// or the provider is unknown, else the provider's `retries` and
/// `retry_delay_s` (retry_policy::exponential).
retry_policy retry_policy_for(pqxx::work& w, const store_options& o,
                              const std::string& provider);

/// Free download slots of the providers with a `max_concurrent` limit.
struct provider_room {
  std::map<std::string, int64_t> free; ///< <= 0: full

  /// The full providers as a PostgreSQL text[] literal ("{a,b}"; provider
  /// names need no quoting).
  std::string full_list() const;
};

/// At claim, before any item is claimed: takes the claim lock of every
/// limited provider (in name order, held until commit) and counts their
/// downloads. Empty, and no lock taken, while no provider is limited.
provider_room lock_provider_room(pqxx::work& w);

/// Whether claimed `item` may be handed out under its provider's limit
/// (then takes one slot); when not, undoes its claim.
bool take_room(pqxx::work& w, provider_room& room, const queue_item& item);

/// `last_due` is the database time of the previous pass; updated.
checked run_reap(pqxx::work& w, const store_options& o, std::string& last_due);

} // namespace kumo::queue::detail
