-- Episodes from a provider (a feed): where each can be fetched from, its
-- stable guid, and what the monitor decided about it.
--
-- scanner_series: `check_interval_s` overrides the global monitor_interval
-- for this series (null: the global value); `checked_at` is when a replica
-- last claimed the series for a check, `check_error` why the last check
-- failed ('' when it did not); `listed_at` is when the provider first
-- answered for the series: episodes it lists after that are "newly
-- published".
ALTER TABLE scanner_series
  ADD COLUMN check_interval_s integer
    CHECK (check_interval_s IS NULL OR check_interval_s BETWEEN 60 AND 2592000),
  ADD COLUMN checked_at timestamptz,
  ADD COLUMN check_error text NOT NULL DEFAULT '' CHECK (length(check_error) <= 1000),
  ADD COLUMN listed_at timestamptz;

-- scanner_episodes: `guid` as the provider names the episode; `fresh`:
-- first listed by the provider after the series' first listing while the
-- series was monitored, so the monitor queues it by itself; `auto_queued_at`:
-- when a monitor round decided to queue it (written in the transaction that
-- decides, so it is decided once); `auto_added_at`: when the queue accepted
-- that add. A fresh episode is queued automatically at most once.
ALTER TABLE scanner_episodes
  ADD COLUMN guid text CHECK (length(guid) <= 500),
  ADD COLUMN fresh boolean NOT NULL DEFAULT false,
  ADD COLUMN auto_queued_at timestamptz,
  ADD COLUMN auto_added_at timestamptz;
CREATE INDEX scanner_episodes_guid ON scanner_episodes (series_id, guid)
  WHERE guid IS NOT NULL;
CREATE INDEX scanner_episodes_fresh ON scanner_episodes (series_id)
  WHERE fresh AND auto_queued_at IS NULL;

-- Where an episode can be fetched from, first tried first (position 0).
-- Replaced as a whole by every listing of the provider.
CREATE TABLE scanner_episode_sources (
  episode_id  bigint   NOT NULL REFERENCES scanner_episodes (id) ON DELETE CASCADE,
  position    smallint NOT NULL CHECK (position BETWEEN 0 AND 7),
  provider    text     NOT NULL CHECK (length(provider) BETWEEN 1 AND 32),
  url         text     NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  sha256      text     NOT NULL DEFAULT '' CHECK (sha256 ~ '^([0-9a-f]{64})?$'),
  size        bigint   NOT NULL DEFAULT -1 CHECK (size >= -1),
  PRIMARY KEY (episode_id, position)
);
