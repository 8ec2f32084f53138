-- The series' history records imports too: a file that came into a series
-- the scanner had already scanned once (a download, a copy), found by a scan
-- (`reason` 'scan') or by the live watch ('watch').
ALTER TABLE scanner_series_history DROP CONSTRAINT scanner_series_history_reason_check;
ALTER TABLE scanner_series_history ADD CONSTRAINT scanner_series_history_reason_check
  CHECK (reason IN ('', 'retention', 'storage_limit', 'scan', 'watch'));
