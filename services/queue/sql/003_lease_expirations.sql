-- Leases of an item that expired (its worker died or hung). After
-- max_lease_expirations the reaper fails the item instead of requeueing it,
-- so a job that kills every worker taking it is not handed out forever.
ALTER TABLE queue_items
  ADD COLUMN lease_expirations integer NOT NULL DEFAULT 0;
