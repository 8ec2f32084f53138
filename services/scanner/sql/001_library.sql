-- Owned by the scanner: the series of the library and their episodes.
CREATE TABLE scanner_series (
  id          bigserial   PRIMARY KEY,
  key         text        NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name        text        NOT NULL,
  folder      text        NOT NULL,
  site        text        NOT NULL DEFAULT '',
  link        text        NOT NULL DEFAULT '',
  monitored   boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scanner_episodes (
  id          bigserial   PRIMARY KEY,
  series_id   bigint      NOT NULL REFERENCES scanner_series (id) ON DELETE CASCADE,
  season      integer     NOT NULL CHECK (season >= 0),
  episode     integer     NOT NULL CHECK (episode >= 0),
  title       text        NOT NULL DEFAULT '',
  file_path   text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (series_id, season, episode)
);
