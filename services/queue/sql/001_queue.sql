-- The download queue. The queue service is the only writer of these tables.
-- Times are PostgreSQL's now(), so every replica agrees on leases and delays.

CREATE TABLE queue_items (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  serie_id        text        NOT NULL,                 -- series key
  serie_folder    text        NOT NULL,
  serie_name      text        NOT NULL,
  season          integer     NOT NULL CHECK (season BETWEEN 0 AND 1000),
  episode         integer     NOT NULL CHECK (episode BETWEEN 0 AND 10000),
  provider        text        NOT NULL,
  source_url      text        NOT NULL,
  source_sha256   text        NOT NULL DEFAULT '',
  source_size     bigint      NOT NULL DEFAULT -1,
  target_path     text        NOT NULL,                 -- relative to the library root
  status          text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'downloading', 'paused',
                                    'completed', 'failed', 'cancelled')),
  priority        smallint    NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2), -- 2 high, 1 normal, 0 low
  progress        double precision GENERATED ALWAYS AS (   -- percent 0..100
                    CASE WHEN status = 'completed' THEN 100
                         WHEN bytes_total > 0 THEN least(100.0, 100.0 * bytes_done / bytes_total)
                         ELSE 0 END) STORED,
  bytes_done      bigint      NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),  -- durable offset of the .part file
  bytes_total     bigint      NOT NULL DEFAULT -1,
  speed_bps       bigint      NOT NULL DEFAULT 0,
  error           text        NOT NULL DEFAULT '',
  attempts        integer     NOT NULL DEFAULT 0,       -- claims
  retries         integer     NOT NULL DEFAULT 0,       -- transient failures retried
  validator       text        NOT NULL DEFAULT '',      -- ETag / Last-Modified of the partial data
  owner           text        NOT NULL DEFAULT '',      -- worker holding the lease
  lease_token     uuid,                                 -- latest lease; only a claim changes it
  lease_expires   timestamptz,                          -- set while downloading
  not_before      timestamptz NOT NULL DEFAULT now(),   -- a scheduled retry waits until then
  discard_pending boolean     NOT NULL DEFAULT false,   -- its .part still has to be deleted
  paused_by_queue boolean     NOT NULL DEFAULT false,   -- resumed by a queue-level resume
  added_at        timestamptz NOT NULL DEFAULT now(),
  queued_at       timestamptz NOT NULL DEFAULT now(),   -- orders equal priorities
  seq             bigint      GENERATED ALWAYS AS IDENTITY, -- insertion order within one instant
  started_at      timestamptz,
  completed_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'downloading' OR (lease_token IS NOT NULL AND lease_expires IS NOT NULL))
);

-- Claim order: priority, then time queued (as the jellyfin download queue).
CREATE INDEX queue_items_queue ON queue_items (status, priority DESC, queued_at, seq)
  WHERE status IN ('pending', 'downloading');

-- The reaper's scan of running leases.
CREATE INDEX queue_items_leases ON queue_items (lease_expires)
  WHERE status = 'downloading';

CREATE INDEX queue_items_finished ON queue_items (status, completed_at DESC)
  WHERE status IN ('completed', 'failed', 'cancelled');

-- One active item per episode of a series.
CREATE UNIQUE INDEX queue_items_active_episode ON queue_items (serie_id, season, episode)
  WHERE status IN ('pending', 'downloading', 'paused');

-- Queue-level switches: exactly one row.
CREATE TABLE queue_state (
  singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  running    boolean     NOT NULL DEFAULT true,   -- stop: no new claims, running jobs finish
  paused     boolean     NOT NULL DEFAULT false,  -- pause: no claims and running jobs paused
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO queue_state (singleton) VALUES (true);

-- Partial files still to be deleted by a downloader (cancelled or removed
-- items). Kept apart from queue_items so a removed item's file is not
-- forgotten.
CREATE TABLE queue_discards (
  item_id         uuid        PRIMARY KEY,
  target_path     text        NOT NULL,
  requested_at    timestamptz NOT NULL DEFAULT now(),
  attempts        integer     NOT NULL DEFAULT 0,
  last_attempt_at timestamptz
);
CREATE INDEX queue_discards_path ON queue_discards (target_path);

-- Audit trail of every state change, written in the same transaction.
CREATE TABLE queue_events (
  id          bigserial   PRIMARY KEY,
  item_id     uuid,                               -- NULL for queue-level events
  event       text        NOT NULL,               -- added, claimed, completed, failed, retry_scheduled, ...
  origin      text        NOT NULL DEFAULT 'queue' CHECK (origin IN ('user', 'worker', 'queue')),
  lease_token uuid,
  worker      text        NOT NULL DEFAULT '',
  detail      jsonb       NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX queue_events_item ON queue_events (item_id, lease_token);
CREATE INDEX queue_events_at ON queue_events (at);
