-- Senders claim the outbox (issue 18): a row is leased to one sender (claimed_by) until lease_until (seconds
-- since the epoch, the server's clock); a sender that dies stops renewing, and another takes the row after it.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until DOUBLE PRECISION;
-- A target's first pending row: the one a sender may claim (its later rows wait, to keep their order).
CREATE INDEX outbox_target_pending ON outbox (kind, target_id, id) WHERE status = 'pending';

-- The bot token's one request budget, shared by every sender: a token bucket in one row.
CREATE TABLE send_budget (
    name    TEXT PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    at      DOUBLE PRECISION NOT NULL
);

-- Senders LISTEN on paperboy_outbox: woken when a transaction that queued messages commits.
CREATE FUNCTION paperboy_outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('paperboy_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_queued AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION paperboy_outbox_queued();
