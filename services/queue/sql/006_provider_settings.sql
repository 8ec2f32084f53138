-- max_concurrent is now enforced at claim (downloads of a provider at once
-- across every downloader). 0 means unlimited and becomes the default, so
-- batches are not capped unless a limit is set. The former default of 4 was
-- stored but never applied: rows still holding it become unlimited.
ALTER TABLE provider_config DROP CONSTRAINT IF EXISTS provider_config_max_concurrent_check;
ALTER TABLE provider_config ALTER COLUMN max_concurrent SET DEFAULT 0;
ALTER TABLE provider_config ADD CONSTRAINT provider_config_max_concurrent_check
  CHECK (max_concurrent BETWEEN 0 AND 1000);
UPDATE provider_config SET max_concurrent = 0 WHERE max_concurrent = 4;

-- The provider of the series (its library `site`) a bare reference is
-- resolved with, shown while the item has no sources yet; '' otherwise.
ALTER TABLE queue_items ADD COLUMN series_provider text NOT NULL DEFAULT '';
