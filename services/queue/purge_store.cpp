// The history purge inside one transaction (purge.hpp). Each statement
// deletes a bounded batch; rows another transaction holds are skipped
// (SKIP LOCKED), so a purge never waits on the hot queue rows and never
// holds many of them for long. Items that are pending, downloading or
// paused are never selected, whatever their age.

#include "store_tx.hpp"

namespace kumo::queue::detail {

namespace {

/// The cutoff: $1 seconds before the transaction's time.
const std::string cutoff =
    " now() - make_interval(secs => $1::double precision)";

/// $1 age s, $2 batch -> items, events: finished items older than the
/// cutoff (by the time they finished) and every event of theirs.
const sql::statement purge_items{"queue_purge_items", std::string(R"(
WITH old AS (
  SELECT id FROM queue_items
  WHERE status IN ('completed', 'failed', 'cancelled')
    AND completed_at <)") + cutoff + R"(
  LIMIT $2
  FOR UPDATE SKIP LOCKED),
gone AS (
  DELETE FROM queue_items q USING old WHERE q.id = old.id RETURNING q.id),
events AS (
  DELETE FROM queue_events e USING gone WHERE e.item_id = gone.id RETURNING 1)
SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM events))"};

/// $1 age s, $2 batch -> events: queue-level events and events of items
/// that no longer exist (removed or cleared), older than the cutoff. An
/// event of an existing item goes only with its item.
const sql::statement purge_orphan_events{"queue_purge_orphan_events",
                                         std::string(R"(
WITH old AS (
  SELECT e.id FROM queue_events e
  WHERE e.at <)") + cutoff + R"(
    AND (e.item_id IS NULL
         OR NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.id = e.item_id))
  ORDER BY e.at
  LIMIT $2),
gone AS (
  DELETE FROM queue_events e USING old WHERE e.id = old.id RETURNING 1)
SELECT count(*) FROM gone)"};

/// $1 age s, $2 batch -> deliveries: notifications delivered or given up
/// before the cutoff; pending and sending ones stay.
const sql::statement purge_deliveries{"queue_purge_deliveries", std::string(R"(
WITH old AS (
  SELECT id FROM notify_deliveries
  WHERE status IN ('delivered', 'failed')
    AND finished_at <)") + cutoff + R"(
  LIMIT $2
  FOR UPDATE SKIP LOCKED),
gone AS (
  DELETE FROM notify_deliveries d USING old WHERE d.id = old.id RETURNING 1)
SELECT count(*) FROM gone)"};

} // namespace

checked run(pqxx::work& w, const store_options&, const purge_command& c) {
  auto age = static_cast<double>(c.older_than_s);
  purge_counts counts;
  auto items = exec(w, purge_items, age, c.batch);
  counts.items = items[0][0].as<int64_t>();
  counts.events = items[0][1].as<int64_t>();
  // Old events of items still waiting for their purge are skipped by this
  // scan one by one: it runs once the old items are gone.
  if (counts.items < c.batch)
    counts.orphan_events =
        exec(w, purge_orphan_events, age, c.batch)[0][0].as<int64_t>();
  counts.events += counts.orphan_events;
  counts.deliveries =
      exec(w, purge_deliveries, age, c.batch)[0][0].as<int64_t>();
  checked out;
  out.out.reply = purge_reply(counts, c);
  if (counts.items + counts.events + counts.deliveries > 0)
    add_event(w, "", "purged", "queue", "", "",
              {{"items", counts.items},
               {"events", counts.events},
               {"deliveries", counts.deliveries},
               {"older_than_s", c.older_than_s}});
  out.out.fx.queue_changed = counts.items > 0;
  return out;
}

} // namespace kumo::queue::detail
