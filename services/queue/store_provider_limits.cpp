// The per-provider settings the queue itself applies: `retries` and
// `retry_delay_s` (the retry policy of a failure of a provider's source) and
// `max_concurrent` (downloads of a provider at once, held in the claim
// transaction, so it holds across downloaders and queue replicas).

#include "store_tx.hpp"

#include <algorithm>

namespace kumo::queue::detail {

namespace {

const sql::statement provider_retries{"queue_provider_retries", R"(
SELECT retries, retry_delay_s FROM provider_config WHERE name = $1)"};

const sql::statement limited_providers{"queue_limited_providers", R"(
SELECT name, max_concurrent FROM provider_config
WHERE max_concurrent > 0 ORDER BY name)"};

/// Claims of one limited provider take turns: the lock is held until the
/// claim commits, so the next one counts what this one handed out.
const sql::statement lock_claims_of{"queue_lock_provider_claims", R"(
SELECT pg_advisory_xact_lock(hashtext('kumo.queue.provider_claims.' || $1)))"};

const sql::statement downloading_of{"queue_downloading_per_provider", R"(
SELECT provider, count(*) AS n FROM queue_items
WHERE status = 'downloading' GROUP BY provider)"};

/// Back to pending at once, as if never claimed (the claim is undone).
const sql::statement unclaim{"queue_unclaim_for_limit", R"(
UPDATE queue_items SET status = 'pending', owner = '', lease_expires = NULL,
  attempts = greatest(attempts - 1, 0), updated_at = now()
WHERE id = $1::uuid)"};

} // namespace

retry_policy retry_policy_for(pqxx::work& w, const store_options& o,
                              const std::string& provider) {
  auto process = o.live ? o.live->retries() : o.retries;
  if (o.retries_override || provider.empty())
    return process;
  auto rows = exec(w, provider_retries, provider);
  if (rows.empty())
    return process; // a provider the queue does not know
  return retry_policy::exponential(rows[0]["retry_delay_s"].as<int64_t>() *
                                       1000,
                                   rows[0]["retries"].as<int64_t>());
}

provider_room lock_provider_room(pqxx::work& w) {
  provider_room room;
  for (const auto& r : exec(w, limited_providers)) {
    auto name = r["name"].as<std::string>();
    exec(w, lock_claims_of, name);
    room.free[name] = r["max_concurrent"].as<int64_t>();
  }
  if (room.free.empty())
    return room;
  for (const auto& r : exec(w, downloading_of)) {
    auto i = room.free.find(r["provider"].as<std::string>());
    if (i != room.free.end())
      i->second -= r["n"].as<int64_t>();
  }
  return room;
}

std::string provider_room::full_list() const {
  std::string out = "{";
  for (const auto& [name, free_slots] : free)
    if (free_slots <= 0)
      out += (out.size() > 1 ? "," : "") + name;
  return out + "}";
}

bool take_room(pqxx::work& w, provider_room& room, const queue_item& item) {
  auto i = room.free.find(item.provider);
  if (i == room.free.end() || i->second > 0) {
    if (i != room.free.end())
      --i->second;
    return true;
  }
  exec(w, unclaim, item.id);
  return false;
}

} // namespace kumo::queue::detail
