-- A target path belongs to one (series, season, episode): two items of
-- different episodes must never write the same file. The owner of every
-- normalized path (case folded, repeated slashes collapsed) is kept while
-- any item holds the path; the primary key makes concurrent adds of one
-- path by different episodes wait for each other, and the later one is
-- refused. Items of the same episode (a re-add after completion or
-- failure) share the path.
CREATE FUNCTION queue_path_key(path text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(regexp_replace(path, '/+', '/', 'g')) $$;

CREATE TABLE queue_path_owners (
  path_key text    PRIMARY KEY,   -- queue_path_key(target_path)
  serie_id text    NOT NULL,
  season   integer NOT NULL,
  episode  integer NOT NULL
);

CREATE INDEX queue_items_path_key ON queue_items (queue_path_key(target_path));

-- Existing items: the earliest holder of a path owns it.
INSERT INTO queue_path_owners (path_key, serie_id, season, episode)
SELECT DISTINCT ON (queue_path_key(target_path))
       queue_path_key(target_path), serie_id, season, episode
FROM queue_items
ORDER BY queue_path_key(target_path), added_at, seq;

-- A path is released when the last item holding it is removed.
CREATE FUNCTION queue_release_path() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM queue_path_owners o
  WHERE o.path_key = queue_path_key(OLD.target_path)
    AND NOT EXISTS (SELECT 1 FROM queue_items i
                    WHERE queue_path_key(i.target_path) = o.path_key);
  RETURN NULL;
END $$;

CREATE TRIGGER queue_items_release_path AFTER DELETE ON queue_items
  FOR EACH ROW EXECUTE FUNCTION queue_release_path();
