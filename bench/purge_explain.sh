#!/bin/bash
# The plans of the history purge statements (services/queue/purge_store.cpp)
# on 100 000 queue items (90 000 finished over 120 days, 10 000 active),
# 5 events each and 20 000 notification deliveries:
#
#   python3 tests/harness/with_servers.py --pg -- bench/purge_explain.sh
#
# prints the scan each statement uses and its time: the first batch, the
# last batch after every old item is gone, and the orphaned-events
# statement at that point.
set -e
cd "$(dirname "$0")/.."
U="$KUMO_TEST_DATABASE_URL"
psql "$U" -q -c "CREATE EXTENSION IF NOT EXISTS pgcrypto" >/dev/null 2>&1 || true
for f in services/queue/sql/00*.sql; do psql "$U" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null; done
psql "$U" -q -v ON_ERROR_STOP=1 <<'SQL'
-- 100 000 items: 90 000 finished (a third of each kind, finished 0..120 days ago),
-- 10 000 pending/paused; 5 events each; 20 000 deliveries.
INSERT INTO queue_items (serie_id, serie_folder, serie_name, season, episode, provider,
  source_url, target_path, status, completed_at)
SELECT 's' || (g / 5000), 'F', 'N', 1, g % 5000, 'direct', 'http://x/' || g, 'p/' || g,
  CASE WHEN g < 90000 THEN (ARRAY['completed','failed','cancelled'])[1 + g % 3]
       WHEN g % 2 = 0 THEN 'pending' ELSE 'paused' END,
  CASE WHEN g < 90000 THEN now() - (g % 120) * interval '1 day' END
FROM generate_series(0, 99999) g;
INSERT INTO queue_events (item_id, event, at)
SELECT id, 'e' || k, coalesce(completed_at, now()) FROM queue_items, generate_series(1, 5) k;
INSERT INTO notify_targets (name, kind, url, secret) VALUES ('t', 'webhook', 'http://x/', 's');
INSERT INTO notify_deliveries (target_id, event, event_key, status, finished_at)
SELECT (SELECT id FROM notify_targets), 'e', 'k' || g,
  CASE WHEN g % 10 = 0 THEN 'pending' WHEN g % 3 = 0 THEN 'failed' ELSE 'delivered' END,
  CASE WHEN g % 10 <> 0 THEN now() - (g % 120) * interval '1 day' END
FROM generate_series(1, 20000) g;
ANALYZE queue_items; ANALYZE queue_events; ANALYZE notify_deliveries;
SQL
# The statements as services/queue/purge_store.cpp runs them: a 30-day
# cutoff, batches of 500.
CUTOFF="now() - make_interval(secs => 2592000::double precision)"
ITEMS="WITH old AS (SELECT id FROM queue_items WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at < $CUTOFF LIMIT 500 FOR UPDATE SKIP LOCKED), gone AS (DELETE FROM queue_items q USING old WHERE q.id = old.id RETURNING q.id), events AS (DELETE FROM queue_events e USING gone WHERE e.item_id = gone.id RETURNING 1) SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM events)"
ORPHANS="WITH old AS (SELECT e.id FROM queue_events e WHERE e.at < $CUTOFF AND (e.item_id IS NULL OR NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.id = e.item_id)) ORDER BY e.at LIMIT 500), gone AS (DELETE FROM queue_events e USING old WHERE e.id = old.id RETURNING 1) SELECT count(*) FROM gone"
DELIVERIES="WITH old AS (SELECT id FROM notify_deliveries WHERE status IN ('delivered', 'failed') AND finished_at < $CUTOFF LIMIT 500 FOR UPDATE SKIP LOCKED), gone AS (DELETE FROM notify_deliveries d USING old WHERE d.id = old.id RETURNING 1) SELECT count(*) FROM gone"

# explain TITLE STATEMENT LINES: runs STATEMENT under EXPLAIN ANALYZE (it
# deletes what it plans) and prints the plan lines matching LINES.
explain() {
  echo "== $1"
  psql "$U" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) $2" | grep -E "$3"
}

explain "items, first batch" "$ITEMS" "Scan on queue_items \(|Execution Time"
explain "orphaned events while old items remain (why the store runs it only once they are gone)" \
  "$ORPHANS" "Scan|Rows Removed|Execution Time"
explain "deliveries, first batch" "$DELIVERIES" "Scan on notify|Rows Removed|Execution Time"
for i in $(seq 1 200); do
  n=$(psql "$U" -tA -c "$ITEMS" | cut -d'|' -f1)
  [ "$n" -lt 500 ] && break
done
explain "items, last batch (after $i batches)" "$ITEMS" "Scan on queue_items|Rows Removed|Execution Time"
explain "orphan events once the old items are gone" "$ORPHANS" "Scan|Rows Removed|Execution Time"
psql "$U" -q -c "VACUUM queue_events"
explain "the same after VACUUM queue_events (autovacuum's work after a mass delete)" \
  "$ORPHANS" "Scan|Rows Removed|Execution Time"
psql "$U" -tA -c "SELECT 'items left', count(*) FROM queue_items"
