-- A file records the episodes it holds; the link table goes.
--
-- scanner_files gains `season` and `episodes` (a file of season numbering:
-- S01E01E02 is season 1, episodes {1,2}) and `absolutes` (absolute numbers,
-- for files named without a season). A file holds an episode of its series
-- when (f.season = e.season AND e.episode = ANY (f.episodes)) OR
-- e.absolute = ANY (f.absolutes): the same match the scan used to make the
-- links, now made when the catalog is read. Every link of
-- scanner_episode_files is converted, and the migration stops (changing
-- nothing) should one not be reproduced by the match.
ALTER TABLE scanner_files
  ADD COLUMN season integer CHECK (season BETWEEN 0 AND 10000),
  ADD COLUMN episodes integer[] NOT NULL DEFAULT '{}',
  ADD COLUMN absolutes integer[] NOT NULL DEFAULT '{}',
  ADD CHECK (season IS NOT NULL OR episodes = '{}');

UPDATE scanner_files f SET season = l.season,
  episodes = coalesce(l.episodes, '{}'), absolutes = coalesce(l.absolutes, '{}')
FROM (SELECT l.file_id, min(e.season) AS season,
        array_agg(DISTINCT e.episode ORDER BY e.episode)
          FILTER (WHERE e.season IS NOT NULL) AS episodes,
        array_agg(DISTINCT e.absolute ORDER BY e.absolute)
          FILTER (WHERE e.season IS NULL) AS absolutes
      FROM scanner_episode_files l JOIN scanner_episodes e ON e.id = l.episode_id
      GROUP BY l.file_id) l
WHERE f.id = l.file_id;

DO $$
DECLARE lost bigint;
BEGIN
  SELECT count(*) INTO lost FROM scanner_episode_files l
    JOIN scanner_episodes e ON e.id = l.episode_id
    JOIN scanner_files f ON f.id = l.file_id
    WHERE NOT ((f.season = e.season AND e.episode = ANY (f.episodes))
               OR e.absolute = ANY (f.absolutes));
  IF lost > 0 THEN
    RAISE EXCEPTION '% episode-file links hold episodes of several seasons in one file; migration 008 would lose them', lost;
  END IF;
END $$;

DROP TABLE scanner_episode_files;

-- (series_id, path) is unique and indexed: it serves lookups by series.
DROP INDEX scanner_files_series;

-- The series of a file or an episode: checked once per statement instead of
-- once per row (a row-level foreign key cost twice the rest of a bulk
-- insert). The guarantees stay those of the foreign keys they replace:
-- a row is written only for a series row that exists (locked FOR KEY SHARE
-- until the writing transaction ends, so it cannot be deleted meanwhile);
-- a row never moves to another series; deleting or truncating series
-- deletes their files and episodes.
CREATE FUNCTION scanner_series_exists() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted bigint;
  found bigint;
BEGIN
  SELECT count(DISTINCT series_id) INTO wanted FROM new_rows;
  SELECT count(*) INTO found FROM (SELECT 1 FROM scanner_series s
    WHERE s.id IN (SELECT series_id FROM new_rows) FOR KEY SHARE) l;
  IF found <> wanted THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'insert into %s: series_id names no series', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION scanner_series_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.series_id IS DISTINCT FROM OLD.series_id THEN
    RAISE foreign_key_violation USING MESSAGE = format(
      'update of %s: series_id cannot change', TG_TABLE_NAME);
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION scanner_series_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM scanner_files;
    DELETE FROM scanner_episodes;
  ELSE
    DELETE FROM scanner_files WHERE series_id IN (SELECT id FROM old_rows);
    DELETE FROM scanner_episodes WHERE series_id IN (SELECT id FROM old_rows);
  END IF;
  RETURN NULL;
END $$;

ALTER TABLE scanner_files DROP CONSTRAINT scanner_files_series_id_fkey;
ALTER TABLE scanner_episodes DROP CONSTRAINT scanner_episodes_series_id_fkey;
CREATE TRIGGER scanner_files_series_exists AFTER INSERT ON scanner_files
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION scanner_series_exists();
CREATE TRIGGER scanner_episodes_series_exists AFTER INSERT ON scanner_episodes
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION scanner_series_exists();
CREATE TRIGGER scanner_files_series_fixed BEFORE UPDATE OF series_id
  ON scanner_files FOR EACH ROW EXECUTE FUNCTION scanner_series_fixed();
CREATE TRIGGER scanner_episodes_series_fixed BEFORE UPDATE OF series_id
  ON scanner_episodes FOR EACH ROW EXECUTE FUNCTION scanner_series_fixed();
CREATE TRIGGER scanner_series_cascade AFTER DELETE ON scanner_series
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION scanner_series_cascade();
CREATE TRIGGER scanner_series_truncate AFTER TRUNCATE ON scanner_series
  FOR EACH STATEMENT EXECUTE FUNCTION scanner_series_cascade();
