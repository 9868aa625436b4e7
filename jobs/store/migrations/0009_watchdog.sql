-- The source watchdog and the operator's view: each source's last success, failed runs in a row and
-- watchdog state (jobs/watchdog.py WatchState as JSON); each server's alert channel; and when this
-- database was made (a new one is healthy for a grace period before its first cycle completes).
ALTER TABLE sources ADD COLUMN last_ok_at TEXT;
ALTER TABLE sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN watch TEXT;
CREATE TABLE alert_channels (
    guild_id    INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    set_by      INTEGER,
    set_at      TEXT NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'));
