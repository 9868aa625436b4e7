-- personal subscriptions, and what we know of each subscriber's DMs.
CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('topic', 'keyword', 'author')),
    value         TEXT NOT NULL,
    folded        TEXT NOT NULL,
    paper_cursor  INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (user_id, kind, folded)
);
CREATE TABLE dm_users (
    user_id        INTEGER PRIMARY KEY,
    dm_channel_id  INTEGER,
    closed_reason  TEXT,
    closed_at      TEXT,
    told           INTEGER NOT NULL DEFAULT 0
);
