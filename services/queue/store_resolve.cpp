// Claimed bare references: the sources the series' provider named become
// the item's source list, or the item fails (or waits) with the reason.

#include "notify/notify_events.hpp"
#include "notify/notify_store.hpp"
#include "store_tx.hpp"

namespace kumo::queue::detail {

namespace {

using json = nlohmann::json;

const std::string cols = sql::item_columns();

/// The item while `lease` still holds it unresolved.
const sql::statement lock_claimed{
    "queue_lock_claimed_ref",
    "SELECT " + cols +
        " FROM queue_items WHERE id = $1::uuid AND lease_token = $2::uuid"
        " AND status = 'downloading' AND source_url = '' FOR UPDATE"};

const sql::statement set_sources{"queue_set_sources", R"(
UPDATE queue_items SET sources = $2::jsonb WHERE id = $1::uuid)"};

/// Ends the lease: 'failed' for good, or 'pending' after $4 ms.
const sql::statement end_unresolved{"queue_end_unresolved", R"(
UPDATE queue_items SET status = $2, error = $3, owner = '',
  lease_expires = NULL, speed_bps = 0,
  not_before = now() + $4::double precision * interval '1 millisecond',
  completed_at = CASE WHEN $2 = 'failed' THEN now() ELSE NULL END,
  updated_at = now()
WHERE id = $1::uuid
RETURNING )" + cols};

checked not_resolved(pqxx::work& w, const resolve_command& c,
                     int64_t retry_ms) {
  auto status = c.transient ? "pending" : "failed";
  auto item = read_item(exec(w, end_unresolved, c.id, std::string{status},
                             c.error, c.transient ? retry_ms : 0)[0]);
  add_event(w, c.id, c.transient ? "resolve_retry" : "failed", "queue",
            c.lease_token, "", {{"error", c.error}});
  checked out;
  auto& fx = out.out.fx;
  out.out.reply = {{"job", nullptr}};
  fx.journal.push_back({c.transient ? "resolve_retry" : "resolve_failed",
                        c.id,
                        c.lease_token,
                        {{"error", c.error}}});
  if (c.transient) {
    fx.lifecycle.push_back(
        change(item, "pending",
               {{"reason", "resolve_retry"},
                {"retry_in_seconds", (retry_ms + 999) / 1000},
                {"error", c.error}}));
  } else {
    notify::enqueue(w, "download.failed",
                    notify::failed_payload(item, "permanent_error"));
    fx.lifecycle.push_back(change(item, "failed", {{"error", c.error}}));
  }
  fx.queue_changed = true;
  return out;
}

} // namespace

checked run(pqxx::work& w, const store_options& o, const resolve_command& c) {
  auto rows = exec(w, lock_claimed, c.id, c.lease_token);
  if (rows.empty()) { // cancelled, removed or lease lost meanwhile
    checked out;
    out.out.reply = {{"job", nullptr}};
    return out;
  }
  if (c.sources.empty())
    return not_resolved(w, c, o.resolve_retry_ms);
  exec(w, set_sources, c.id, json(c.sources).dump());
  auto item = read_item(exec(w, sql::use_source, c.id, 0)[0]);
  checked out;
  auto picked = pick_source(w, o, item, out.out.fx);
  if (!picked) { // held for its providers' breakers: claimed again later
    out.out.reply = {{"job", nullptr}};
    return out;
  }
  item = *picked;
  add_event(w, c.id, "resolved", "queue", c.lease_token, item.owner,
            {{"sources", c.sources.size()}, {"provider", item.provider}});
  out.out.fx.journal.push_back(
      {"resolved",
       c.id,
       c.lease_token,
       {{"sources", c.sources.size()}, {"provider", item.provider}}});
  out.out.reply = {{"job", make_job(item, o)}};
  return out;
}

} // namespace kumo::queue::detail
