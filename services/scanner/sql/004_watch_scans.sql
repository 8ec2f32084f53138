-- Scans started by the live watch (scan_watch) are recorded as kind
-- 'watch': an incremental walk of every root after a batch of changes.
ALTER TABLE scanner_scans DROP CONSTRAINT scanner_scans_kind_check;
ALTER TABLE scanner_scans ADD CONSTRAINT scanner_scans_kind_check
  CHECK (kind IN ('full', 'series', 'watch'));
