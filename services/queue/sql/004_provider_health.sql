-- Queue items with an ordered list of sources, and the providers' runtime
-- settings and health, kept here so every queue replica agrees on them.

-- Every source of an item in the order they are tried; provider, source_url,
-- source_sha256 and source_size stay the current one (sources[source_index]),
-- so readers of those columns keep working.
ALTER TABLE queue_items
  ADD COLUMN sources      jsonb   NOT NULL DEFAULT '[]',
  ADD COLUMN source_index integer NOT NULL DEFAULT 0 CHECK (source_index >= 0);

UPDATE queue_items SET sources = jsonb_build_array(jsonb_build_object(
  'provider', provider, 'url', source_url, 'sha256', source_sha256,
  'size', source_size));

-- Runtime settings of each provider (0 bandwidth: unlimited). The failover
-- chain is the providers with in_failover, by priority.
CREATE TABLE provider_config (
  name                text        PRIMARY KEY,
  enabled             boolean     NOT NULL DEFAULT true,
  priority            integer     NOT NULL DEFAULT 1 CHECK (priority BETWEEN 1 AND 1000),
  timeout_s           integer     NOT NULL DEFAULT 30 CHECK (timeout_s BETWEEN 1 AND 86400),
  retries             integer     NOT NULL DEFAULT 3 CHECK (retries BETWEEN 0 AND 100),
  retry_delay_s       integer     NOT NULL DEFAULT 5 CHECK (retry_delay_s BETWEEN 0 AND 3600),
  max_concurrent      integer     NOT NULL DEFAULT 4 CHECK (max_concurrent BETWEEN 1 AND 1000),
  bandwidth_limit_bps bigint      NOT NULL DEFAULT 0 CHECK (bandwidth_limit_bps >= 0),
  max_connections     integer     NOT NULL DEFAULT 4 CHECK (max_connections BETWEEN 1 AND 64),
  in_failover         boolean     NOT NULL DEFAULT true,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

INSERT INTO provider_config (name, priority) VALUES
  ('direct', 1), ('rss', 2), ('hls', 3), ('ytdlp', 4);

-- Health figures and circuit breaker of each provider, as the JSON state of
-- shared/providers/health (counts, minute buckets, breaker state and times
-- in ms since the epoch). Rows are locked while a report or a claim moves
-- them.
CREATE TABLE provider_health (
  name       text        PRIMARY KEY REFERENCES provider_config (name),
  state      jsonb       NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO provider_health (name) SELECT name FROM provider_config;
