-- The outbox: when a send was first tried. A forum post takes no nonce, so a row tried before a crash
-- may already be on Discord: the sender looks for it before posting again.
ALTER TABLE outbox ADD COLUMN tried_at TEXT;
