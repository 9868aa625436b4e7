-- Senders claim the outbox (issue 18): who holds a row and until when (seconds since the epoch, the database's
-- clock). PostgreSQL uses them (several senders); one SQLite process sends alone, and the columns are here so
-- both schemas hold the same outbox (copy-store). A target's next row is found by this index.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until REAL;
CREATE INDEX outbox_target_pending ON outbox (kind, target_id, id) WHERE status = 'pending';
