-- The series catalog: what the library holds on disk and what a provider
-- says exists. Replaces the placeholder tables of 001 (never written to by
-- any code), which are dropped here; 001 itself stays as shipped. Should
-- they hold rows after all, the migration stops instead of dropping them.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM scanner_series) OR EXISTS (SELECT 1 FROM scanner_episodes) THEN
    RAISE EXCEPTION 'scanner_series/scanner_episodes of migration 001 hold rows; move them before migration 002';
  END IF;
END $$;
DROP TABLE IF EXISTS scanner_episodes;
DROP TABLE IF EXISTS scanner_series;

-- One series. `key` is its identifier in every API and event (a slug);
-- `id` is internal (foreign keys only); `folder` is where it lives under the
-- library root (file-system metadata, never an identifier). A soft-deleted
-- series keeps its rows and frees its key and folder for a new series.
CREATE TABLE scanner_series (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key         text        NOT NULL
              CHECK (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(key) <= 100),
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
  year        integer     CHECK (year BETWEEN 1880 AND 2199),
  folder      text        NOT NULL
              CHECK (length(folder) BETWEEN 1 AND 255 AND folder !~ '[/\x01-\x1f]'
                     AND folder NOT IN ('.', '..')),
  site        text        NOT NULL DEFAULT '' CHECK (length(site) <= 100),
  link        text        NOT NULL DEFAULT '' CHECK (length(link) <= 2000),
  monitored   boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  CHECK (deleted_at IS NULL OR deleted_at >= created_at)
);
CREATE UNIQUE INDEX scanner_series_key ON scanner_series (key)
  WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX scanner_series_folder ON scanner_series (folder)
  WHERE deleted_at IS NULL;
CREATE INDEX scanner_series_monitored ON scanner_series (id)
  WHERE monitored AND deleted_at IS NULL;

-- One episode of a series, known from the provider, from a file on disk, or
-- both. `provider` says whether the provider lists it (a file may hold an
-- episode the provider does not know yet). Specials are season 0. An
-- episode known only by its absolute number has no season/episode yet.
CREATE TABLE scanner_episodes (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  series_id   bigint      NOT NULL REFERENCES scanner_series (id) ON DELETE CASCADE,
  season      integer     CHECK (season BETWEEN 0 AND 10000),
  episode     integer     CHECK (episode BETWEEN 0 AND 100000),
  absolute    integer     CHECK (absolute BETWEEN 0 AND 1000000),
  title       text        NOT NULL DEFAULT '' CHECK (length(title) <= 1000),
  air_date    date,
  state       text        NOT NULL DEFAULT 'missing'
              CHECK (state IN ('missing', 'on_disk', 'queued', 'downloading')),
  provider    boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((season IS NULL) = (episode IS NULL)),
  CHECK (season IS NOT NULL OR absolute IS NOT NULL)
);
CREATE UNIQUE INDEX scanner_episodes_number
  ON scanner_episodes (series_id, season, episode) WHERE season IS NOT NULL;
CREATE UNIQUE INDEX scanner_episodes_absolute
  ON scanner_episodes (series_id, absolute) WHERE absolute IS NOT NULL;
CREATE INDEX scanner_episodes_missing ON scanner_episodes (series_id)
  WHERE state = 'missing';

-- One video file on disk, relative to the library root. A file may hold
-- several episodes (S01E01E02) and an episode may have several files (two
-- qualities), hence the link table below.
CREATE TABLE scanner_files (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  series_id   bigint      NOT NULL REFERENCES scanner_series (id) ON DELETE CASCADE,
  path        text        NOT NULL UNIQUE
              CHECK (length(path) BETWEEN 1 AND 4096 AND path !~ '^/'
                     AND path !~ '(^|/)\.\.(/|$)'),
  size        bigint      NOT NULL CHECK (size >= 0),
  mtime       timestamptz NOT NULL,
  resolution  text        NOT NULL DEFAULT '' CHECK (length(resolution) <= 20),
  quality     text        NOT NULL DEFAULT '' CHECK (length(quality) <= 50),
  release_group text      NOT NULL DEFAULT '' CHECK (length(release_group) <= 100),
  seen_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scanner_files_series ON scanner_files (series_id);

CREATE TABLE scanner_episode_files (
  episode_id  bigint NOT NULL REFERENCES scanner_episodes (id) ON DELETE CASCADE,
  file_id     bigint NOT NULL REFERENCES scanner_files (id) ON DELETE CASCADE,
  PRIMARY KEY (episode_id, file_id)
);
CREATE INDEX scanner_episode_files_file ON scanner_episode_files (file_id);
