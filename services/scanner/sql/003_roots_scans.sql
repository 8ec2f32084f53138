-- Several library roots, the scan records and the unmatched folders.
--
-- A series lives in one root (`root`, the root's path as configured; '' for
-- rows written before roots existed, read as the main library root). File
-- paths stay relative to their series' root, so the same relative path may
-- exist once per series (two roots may hold equal paths).
ALTER TABLE scanner_series ADD COLUMN root text NOT NULL DEFAULT ''
  CHECK (length(root) <= 4096);
ALTER TABLE scanner_files DROP CONSTRAINT scanner_files_path_key;
CREATE UNIQUE INDEX scanner_files_series_path ON scanner_files (series_id, path);

-- One scan. `running` rows belong to the replica holding the roots'
-- advisory locks (`owner`, its PostgreSQL session `backend_pid`); a running
-- row whose session no longer holds an advisory lock was left by a dead
-- replica: it reads as failed, and the next scan marks it so. `cancel_requested` is how any
-- replica asks the scanning one to stop.
CREATE TABLE scanner_scans (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text        NOT NULL CHECK (kind IN ('full', 'series')),
  key         text        NOT NULL DEFAULT '',
  state       text        NOT NULL DEFAULT 'running'
              CHECK (state IN ('running', 'complete', 'failed', 'cancelled')),
  owner       text        NOT NULL DEFAULT '',
  backend_pid integer     NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  counters    jsonb       NOT NULL DEFAULT '{}'::jsonb,
  error       text        NOT NULL DEFAULT '',
  CHECK ((state = 'running') = (finished_at IS NULL))
);
CREATE INDEX scanner_scans_running ON scanner_scans (id) WHERE state = 'running';

-- Series folders on disk that no catalog series claims, as of the last
-- complete walk of their root. `series_add {"from_unmatched": folder}`
-- turns one into a series.
CREATE TABLE scanner_unmatched (
  root        text        NOT NULL,
  folder      text        NOT NULL,
  name        text        NOT NULL,
  year        integer,
  files       integer     NOT NULL DEFAULT 0,
  seen_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (root, folder)
);
