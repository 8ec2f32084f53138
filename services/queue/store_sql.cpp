#include "store_sql.hpp"

namespace kumo::queue::sql {

namespace {

std::string iso(const std::string& column) {
  return "to_char(" + column +
         R"( AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))";
}

/// Hands the worker the lease and clears what a claim resets.
const std::string lease_for =
    "lease_expires = now() + $3::double precision * interval '1 millisecond'";

/// A report without a validator keeps the stored one, unless the worker
/// started over from byte 0.
std::string validator_from(const std::string& done,
                           const std::string& validator) {
  return "CASE WHEN " + validator + " <> '' THEN " + validator + " WHEN " +
         done + "::bigint = 0 THEN '' ELSE validator END";
}

const std::string active = "('pending', 'downloading', 'paused')";

const std::string cols = item_columns();

} // namespace

std::string item_columns(const std::string& table) {
  auto t = table.empty() ? std::string{} : table + ".";
  return t + "id::text AS id, " + t + "serie_id, " + t + "serie_folder, " + t +
         "serie_name, " + t + "season, " + t + "episode, " + t + "provider, " +
         t + "source_url, " + t + "source_sha256, " + t + "source_size, " + t +
         "sources::text AS sources, " + t + "source_index, " + t +
         "target_path, " + t + "status, " + t + "priority, " + t +
         "bytes_done, " + t + "bytes_total, " + t + "speed_bps, " + t +
         "error, " + t + "attempts, " + t + "retries, " + t + "validator, " +
         t + "owner, coalesce(" + t +
         "lease_token::text, '') AS lease_token, " + iso(t + "added_at") +
         " AS added_at, " + iso(t + "started_at") + " AS started_at, " +
         iso(t + "completed_at") + " AS completed_at, " + "CASE WHEN " + t +
         "status = 'pending' AND " + t + "not_before > now() THEN " +
         iso(t + "not_before") + " END AS next_attempt_at, " + t +
         "pause_reason, " + t + "series_provider";
}

// -- commands ---------------------------------------------------------------

const statement insert_items{"queue_insert_items", R"(
WITH ins AS (
  INSERT INTO queue_items (serie_id, serie_folder, serie_name, season, episode,
                           provider, source_url, source_sha256, source_size,
                           sources, target_path, priority, bytes_total,
                           series_provider)
  SELECT $1, $2, $3, e.season, e.episode, e.provider, e.url, e.sha256, e.size,
         e.sources, e.target_path, $4,
         CASE WHEN e.size > 0 THEN e.size ELSE -1 END,
         CASE WHEN e.url = '' THEN $6 ELSE '' END
  FROM ROWS FROM (jsonb_to_recordset($5::jsonb)
                  AS (season integer, episode integer, provider text, url text,
                      sha256 text, size bigint, sources jsonb,
                      target_path text))
       WITH ORDINALITY AS e(season, episode, provider, url, sha256, size,
                            sources, target_path, ord)
  ORDER BY e.ord
  ON CONFLICT (serie_id, season, episode) WHERE status IN )" +
                                                       active + R"(
  DO NOTHING
  RETURNING *
), forget_discard AS (
  DELETE FROM queue_discards d USING ins WHERE d.target_path = ins.target_path
), forget_flag AS (
  UPDATE queue_items q SET discard_pending = false
  FROM ins WHERE q.target_path = ins.target_path AND q.discard_pending
), ev AS (
  INSERT INTO queue_events (item_id, event, origin, detail)
  SELECT id, 'added', 'user', jsonb_build_object('priority', priority) FROM ins
)
SELECT )" + cols + " FROM ins ORDER BY seq"};

const statement select_item{"queue_select_item",
                            "SELECT " + cols +
                                " FROM queue_items WHERE id = $1::uuid"};

const statement lock_item{
    "queue_lock_item",
    "SELECT " + cols +
        ", paused_by_queue FROM queue_items WHERE id = $1::uuid FOR UPDATE"};

const statement set_item_status{"queue_set_item_status", R"(
UPDATE queue_items SET
  status = $2,
  owner = '',
  lease_expires = NULL,
  speed_bps = 0,
  paused_by_queue = false,
  pause_reason = '',
  not_before = CASE WHEN $2 = 'pending' THEN now() ELSE not_before END,
  completed_at = CASE WHEN $2 = 'cancelled' THEN now() ELSE completed_at END,
  updated_at = now()
WHERE id = $1::uuid
RETURNING )" + cols};

const statement set_priority{"queue_set_priority",
                             "UPDATE queue_items SET priority = $2, updated_at "
                             "= now() WHERE id = $1::uuid RETURNING " +
                                 cols};

const statement delete_item{"queue_delete_item",
                            "DELETE FROM queue_items WHERE id = $1::uuid"};

const statement retry_failed{"queue_retry_failed", R"(
WITH pick AS (
  SELECT DISTINCT ON (serie_id, season, episode) id
  FROM queue_items q
  WHERE status = 'failed' AND ($1::boolean OR id = ANY($2::uuid[]))
    AND NOT EXISTS (SELECT 1 FROM queue_items o
                    WHERE o.serie_id = q.serie_id AND o.season = q.season
                      AND o.episode = q.episode AND o.status IN )" +
                                                       active + R"()
  ORDER BY serie_id, season, episode, completed_at DESC NULLS LAST
), upd AS (
  UPDATE queue_items q SET status = 'pending', retries = 0, error = '',
    lease_expirations = 0,
    source_index = 0,
    provider = coalesce(q.sources->0->>'provider', q.provider),
    source_url = coalesce(q.sources->0->>'url', q.source_url),
    source_sha256 = coalesce(q.sources->0->>'sha256', q.source_sha256),
    source_size = coalesce((q.sources->0->>'size')::bigint, q.source_size),
    bytes_done = CASE WHEN q.source_index = 0 THEN q.bytes_done ELSE 0 END,
    validator = CASE WHEN q.source_index = 0 THEN q.validator ELSE '' END,
    not_before = now(), completed_at = NULL, updated_at = now()
  FROM pick WHERE q.id = pick.id AND q.status = 'failed'
  RETURNING q.*
), ev AS (
  INSERT INTO queue_events (item_id, event, origin) SELECT id, 'retried', 'user' FROM upd
)
SELECT )" + cols + " FROM upd"};

const statement clear_completed{"queue_clear_completed", R"(
WITH d AS (DELETE FROM queue_items WHERE status = 'completed' RETURNING id)
SELECT count(*) FROM d)"};

const statement flags{"queue_flags", "SELECT running, paused FROM queue_state"};

const statement set_running{"queue_set_running",
                            "UPDATE queue_state SET running = $1, updated_at = "
                            "now() RETURNING running, paused"};

const statement set_paused{"queue_set_paused",
                           "UPDATE queue_state SET paused = $1, updated_at = "
                           "now() RETURNING running, paused"};

const statement pause_running{"queue_pause_running", R"(
WITH old AS (
  SELECT id, owner FROM queue_items WHERE status = 'downloading' FOR UPDATE
), upd AS (
  UPDATE queue_items q SET status = 'paused', paused_by_queue = true, owner = '',
    lease_expires = NULL, speed_bps = 0, updated_at = now()
  FROM old WHERE q.id = old.id
  RETURNING q.*, old.owner AS old_owner
), ev AS (
  INSERT INTO queue_events (item_id, event, origin, lease_token, worker)
  SELECT id, 'paused', 'queue', lease_token, old_owner FROM upd
)
SELECT )" + cols + " FROM upd"};

const statement resume_queue_paused{"queue_resume_queue_paused", R"(
WITH upd AS (
  UPDATE queue_items SET status = 'pending', paused_by_queue = false,
    not_before = now(), updated_at = now()
  WHERE status = 'paused' AND paused_by_queue
  RETURNING *
), ev AS (
  INSERT INTO queue_events (item_id, event, origin) SELECT id, 'resumed', 'queue' FROM upd
)
SELECT )" + cols + " FROM upd"};

const statement counts{
    "queue_counts", "SELECT status, count(*) FROM queue_items GROUP BY status"};

const statement claimable{"queue_claimable", R"(
SELECT count(*) FROM queue_items
WHERE status = 'pending' AND not_before <= now()
  AND EXISTS (SELECT 1 FROM queue_state WHERE running AND NOT paused))"};

const statement list_page{"queue_list_page", "SELECT " + cols + R"(,
  priority AS cursor_rank, seq AS cursor_seq,
  to_char(queued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    AS cursor_queued_at
FROM queue_items
WHERE status = $1
  AND ($2::boolean OR priority < $3::smallint
       OR (priority = $3::smallint
           AND (queued_at, seq) > ($4::timestamptz, $5::bigint)))
ORDER BY priority DESC, queued_at, seq
LIMIT $6)"};

const statement claim_path{"queue_claim_path", R"(
INSERT INTO queue_path_owners (path_key, serie_id, season, episode)
VALUES (queue_path_key($1), $2, $3, $4)
ON CONFLICT (path_key) DO NOTHING)"};

const statement path_owner{"queue_path_owner", R"(
SELECT o.serie_id, o.season, o.episode,
       coalesce(i.id::text, '') AS item_id, coalesce(i.status, '') AS item_status
FROM queue_path_owners o
LEFT JOIN LATERAL (
  SELECT id, status FROM queue_items q
  WHERE queue_path_key(q.target_path) = o.path_key
  ORDER BY q.added_at DESC LIMIT 1) i ON true
WHERE o.path_key = queue_path_key($1))"};

const statement add_event{"queue_add_event", R"(
INSERT INTO queue_events (item_id, event, origin, lease_token, worker, detail)
VALUES (NULLIF($1, '')::uuid, $2, $3, NULLIF($4, '')::uuid, $5, $6::jsonb))"};

const statement add_discard{"queue_add_discard", R"(
WITH d AS (
  INSERT INTO queue_discards (item_id, target_path, attempts, last_attempt_at)
  VALUES ($1::uuid, $2, 1, now())
  ON CONFLICT (item_id) DO UPDATE SET attempts = queue_discards.attempts + 1,
    last_attempt_at = now()
)
UPDATE queue_items SET discard_pending = true WHERE id = $1::uuid)"};

const statement drop_discard{"queue_drop_discard", R"(
WITH d AS (DELETE FROM queue_discards WHERE item_id = $1::uuid RETURNING item_id),
     f AS (UPDATE queue_items SET discard_pending = false WHERE id = $1::uuid)
SELECT count(*) FROM d)"};

const statement drop_discards_for_path{
    "queue_drop_discards_for_path",
    "DELETE FROM queue_discards WHERE target_path = $1"};

// -- workers ----------------------------------------------------------------

const statement claim{"queue_claim", R"(
WITH gate AS (
  SELECT 1 FROM queue_state WHERE running AND NOT paused FOR SHARE
), next AS (
  SELECT id FROM queue_items
  WHERE status = 'pending' AND not_before <= now() AND EXISTS (SELECT 1 FROM gate)
    AND provider <> ALL ($4::text[])
  ORDER BY priority DESC, queued_at, seq
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), upd AS (
  UPDATE queue_items q SET status = 'downloading', owner = $1,
    lease_token = gen_random_uuid(), )" + lease_for +
                                         R"(,
    attempts = attempts + 1, speed_bps = 0, paused_by_queue = false,
    pause_reason = '', started_at = coalesce(started_at, now()), updated_at = now()
  FROM next WHERE q.id = next.id
  RETURNING q.*
), ev AS (
  INSERT INTO queue_events (item_id, event, origin, lease_token, worker)
  SELECT id, 'claimed', 'worker', lease_token, owner FROM upd
)
SELECT )" + cols + " FROM upd ORDER BY priority DESC, queued_at, seq"};

const statement heartbeat{"queue_heartbeat", R"(
WITH upd AS (
  UPDATE queue_items SET )" + lease_for + R"(,
    bytes_done = $4,
    bytes_total = CASE WHEN $5::bigint >= 0 THEN $5::bigint ELSE bytes_total END,
    speed_bps = $6, validator = )" + validator_from("$4", "$7") +
                                                 R"(, updated_at = now()
  WHERE id = $1::uuid AND lease_token = $2::uuid AND status = 'downloading'
  RETURNING id
)
SELECT (SELECT count(*) FROM upd) AS extended,
       (SELECT status FROM queue_items WHERE id = $1::uuid) AS status)"};

const statement report_facts{"queue_report_facts", R"(
SELECT status, coalesce(lease_token = $2::uuid, false) AS token_matches, retries,
       provider, source_index, greatest(jsonb_array_length(sources), 1) AS source_count,
       EXISTS (SELECT 1 FROM queue_events e
               WHERE e.item_id = $1::uuid AND e.lease_token = $2::uuid
                 AND e.origin = 'worker'
                 AND e.event IN ('completed', 'failed', 'retry_scheduled', 'source_failed',
                                 'paused', 'cancelled', 'released')) AS lease_closed
FROM queue_items WHERE id = $1::uuid FOR UPDATE)"};

const statement extend_lease{"queue_extend_lease", R"(
UPDATE queue_items SET lease_expires = now() + $2::double precision * interval '1 millisecond',
  bytes_done = $3,
  bytes_total = CASE WHEN $4::bigint >= 0 THEN $4::bigint ELSE bytes_total END,
  validator = )" + validator_from("$3", "$5") + R"(, updated_at = now()
WHERE id = $1::uuid
RETURNING )" + cols};

const statement finish_lease{"queue_finish_lease", R"(
UPDATE queue_items SET
  status = $2,
  bytes_done = $3,
  bytes_total = CASE WHEN $4::bigint >= 0 THEN $4::bigint
                     WHEN $2 = 'completed' THEN $3::bigint
                     ELSE bytes_total END,
  validator = )" + validator_from("$3", "$5") + R"(,
  error = $6,
  speed_bps = 0,
  owner = '',
  lease_expires = NULL,
  paused_by_queue = false,
  not_before = now() + $7::double precision * interval '1 millisecond',
  retries = retries + $8,
  completed_at = CASE WHEN $2 IN ('completed', 'failed', 'cancelled') THEN now()
                      ELSE NULL END,
  updated_at = now()
WHERE id = $1::uuid
RETURNING )" + cols};

const statement record_offset{"queue_record_offset", R"(
UPDATE queue_items SET bytes_done = $2,
  bytes_total = CASE WHEN $3::bigint >= 0 THEN $3::bigint ELSE bytes_total END,
  validator = )" + validator_from("$2", "$4") + R"(, updated_at = now()
WHERE id = $1::uuid)"};

const statement use_source{"queue_use_source", R"(
UPDATE queue_items SET
  source_index = $2::int,
  retries = 0,
  provider = sources->($2::int)->>'provider',
  source_url = sources->($2::int)->>'url',
  source_sha256 = coalesce(sources->($2::int)->>'sha256', ''),
  source_size = coalesce((sources->($2::int)->>'size')::bigint, -1),
  bytes_done = 0,
  bytes_total = CASE WHEN coalesce((sources->($2::int)->>'size')::bigint, -1) > 0
                     THEN (sources->($2::int)->>'size')::bigint ELSE -1 END,
  validator = '',
  updated_at = now()
WHERE id = $1::uuid AND jsonb_array_length(sources) > $2::int
RETURNING )" + cols};

// -- reaper -----------------------------------------------------------------

const statement expire_leases{"queue_expire_leases", R"(
WITH old AS (
  SELECT id, owner FROM queue_items
  WHERE status = 'downloading' AND lease_expires < now()
  ORDER BY lease_expires
  LIMIT $1
  FOR UPDATE SKIP LOCKED
), upd AS (
  UPDATE queue_items q SET
    lease_expirations = q.lease_expirations + 1,
    status = CASE WHEN q.lease_expirations + 1 >= $2 THEN 'failed'
                  ELSE 'pending' END,
    error = CASE WHEN q.lease_expirations + 1 >= $2
                 THEN 'lease expired ' || (q.lease_expirations + 1)
                      || ' times: the worker handling it kept dying'
                 ELSE q.error END,
    completed_at = CASE WHEN q.lease_expirations + 1 >= $2 THEN now()
                        ELSE q.completed_at END,
    owner = '', lease_expires = NULL,
    speed_bps = 0, not_before = now(), updated_at = now()
  FROM old WHERE q.id = old.id
  RETURNING q.*, old.owner AS old_owner
), expired AS (
  INSERT INTO queue_events (item_id, event, origin, lease_token, worker, detail)
  SELECT id, 'lease_expired', 'queue', lease_token, old_owner,
         jsonb_build_object('lease_expirations', lease_expirations)
  FROM upd
), poisoned AS (
  INSERT INTO queue_events (item_id, event, origin, lease_token, worker, detail)
  SELECT id, 'failed', 'queue', lease_token, old_owner,
         jsonb_build_object('reason', 'lease_expirations',
                            'lease_expirations', lease_expirations,
                            'error', error)
  FROM upd WHERE status = 'failed'
)
SELECT )" + cols + ", lease_expirations FROM upd"};

const statement due{"queue_due", R"(
SELECT count(*) FILTER (WHERE not_before <= now()) AS claimable,
       count(*) FILTER (WHERE not_before > $1::timestamptz AND not_before <= now()) AS newly_due,
       now()::text AS db_now,
       (SELECT running AND NOT paused FROM queue_state) AS open
FROM queue_items WHERE status = 'pending')"};

const statement due_discards{"queue_due_discards", R"(
UPDATE queue_discards SET attempts = attempts + 1, last_attempt_at = now()
WHERE item_id IN (
  SELECT item_id FROM queue_discards
  WHERE last_attempt_at IS NULL OR last_attempt_at < now() - $1::double precision * interval '1 millisecond'
  ORDER BY requested_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED)
RETURNING item_id::text, target_path)"};

const statement prune_events{"queue_prune_events", R"(
DELETE FROM queue_events WHERE id IN (
  SELECT id FROM queue_events
  WHERE at < now() - $1::double precision * interval '1 millisecond'
  ORDER BY at
  LIMIT $2))"};

// -- free-space guard ---------------------------------------------------------

const statement hold_for_disk{"queue_hold_for_disk", R"(
UPDATE queue_items SET pause_reason = 'disk_full'
WHERE id = $1::uuid AND status = 'paused')"};

const statement release_disk_holds{"queue_release_disk_holds", R"(
WITH upd AS (
  UPDATE queue_items SET status = 'pending', pause_reason = '',
    not_before = now(), updated_at = now()
  WHERE status = 'paused' AND pause_reason = 'disk_full'
  RETURNING id
), ev AS (
  INSERT INTO queue_events (item_id, event, origin, detail)
  SELECT id, 'resumed', 'worker', '{"reason": "disk_space"}' FROM upd
)
SELECT count(*) FROM upd)"};

} // namespace kumo::queue::sql
