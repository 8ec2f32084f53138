-- Notifications: admin-configured targets (webhooks, Jellyfin/Emby and Plex
-- library refreshes) and the durable delivery queue. A delivery row is
-- written in the transaction of the state change it reports (item completed
-- or failed) or when an event arrives over the bus; senders claim rows with
-- SKIP LOCKED under a lease, so several queue replicas share the work and a
-- row outlives any restart. Its id is sent with every attempt (idempotency).

CREATE TABLE notify_targets (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text        NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('webhook', 'jellyfin', 'plex')),
  url        text        NOT NULL,
  secret     text        NOT NULL,                -- HMAC key, API key or token; never returned
  section    text        NOT NULL DEFAULT '',     -- Plex library section
  events     text[]      NOT NULL DEFAULT '{}',   -- empty: every event
  enabled    boolean     NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notify_deliveries (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  target_id     uuid        NOT NULL REFERENCES notify_targets (id) ON DELETE CASCADE,
  event         text        NOT NULL,
  event_key     text        NOT NULL,             -- one delivery per target and event
  payload       jsonb       NOT NULL DEFAULT '{}',
  status        text        NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts      integer     NOT NULL DEFAULT 0,
  last_error    text        NOT NULL DEFAULT '',
  response_code integer,
  not_before    timestamptz NOT NULL DEFAULT now(),
  lease_token   uuid,
  lease_expires timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (target_id, event_key)
);

CREATE INDEX notify_deliveries_due ON notify_deliveries (not_before)
  WHERE status = 'pending';
CREATE INDEX notify_deliveries_leases ON notify_deliveries (lease_expires)
  WHERE status = 'sending';
CREATE INDEX notify_deliveries_target ON notify_deliveries (target_id, created_at DESC);

-- Why a paused item rests: '' (the user or the queue paused it) or
-- 'disk_full' (a downloader's free-space guard handed it back; claimable
-- again once a downloader sees enough free space).
ALTER TABLE queue_items ADD COLUMN pause_reason text NOT NULL DEFAULT '';
