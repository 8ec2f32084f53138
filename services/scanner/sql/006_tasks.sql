-- Scheduled tasks (library rescan, monitor check, ...): one row per task.
-- A replica runs a task by claiming its row (UPDATE ... SKIP LOCKED), so one
-- occurrence runs on one replica only; `lease_expires` frees the claim of a
-- replica that died while running it.
CREATE TABLE scanner_tasks (
  name             text        PRIMARY KEY
                   CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
  interval_s       integer     NOT NULL CHECK (interval_s >= 0), -- 0: on demand only
  next_run_at      timestamptz,                                  -- null: not scheduled
  run_requested_at timestamptz,                                  -- "run now", until claimed
  running_on       text        NOT NULL DEFAULT '',              -- replica running it
  lease_expires    timestamptz,
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  last_outcome     text        NOT NULL DEFAULT ''
                   CHECK (last_outcome IN ('', 'complete', 'failed', 'skipped', 'cancelled', 'lost')),
  last_summary     jsonb       NOT NULL DEFAULT '{}',
  last_error       text        NOT NULL DEFAULT '' CHECK (length(last_error) <= 1000),
  runs             bigint      NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((running_on = '') = (lease_expires IS NULL))
);
