-- Storage: per-series retention and the series' history.
--
-- `keep_last` (null: keep every episode, the default) makes a series
-- rolling: the retention task keeps its last N episode files (by episode
-- order) and removes the older ones. Only series with a rule are ever
-- evicted when the library is over its storage limit.
ALTER TABLE scanner_series ADD COLUMN keep_last integer
  CHECK (keep_last BETWEEN 1 AND 10000);

-- What happened to a series' files: one row per removal (and later other
-- actions), read by GET /api/series/{key}/history, newest first.
CREATE TABLE scanner_series_history (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  series_id  bigint      NOT NULL REFERENCES scanner_series (id) ON DELETE CASCADE,
  at         timestamptz NOT NULL DEFAULT now(),
  action     text        NOT NULL CHECK (action IN ('evicted', 'imported')),
  season     integer,
  episode    integer,
  path       text        NOT NULL DEFAULT '' CHECK (length(path) <= 4096),
  bytes      bigint      NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  reason     text        NOT NULL DEFAULT ''
             CHECK (reason IN ('', 'retention', 'storage_limit'))
);
CREATE INDEX scanner_series_history_series
  ON scanner_series_history (series_id, id DESC);
