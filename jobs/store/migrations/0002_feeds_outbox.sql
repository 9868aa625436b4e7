-- channel feeds, digest cycles, and the outbox every delivery goes through before Discord.
CREATE TABLE cycles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger      TEXT NOT NULL,
    guild_id     INTEGER,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    summary      TEXT
);
CREATE TABLE feeds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    topic          TEXT NOT NULL,
    keywords       TEXT NOT NULL DEFAULT '[]',
    cursor         INTEGER,
    paused_reason  TEXT,
    created_by     INTEGER,
    created_at     TEXT NOT NULL,
    UNIQUE (channel_id, topic)
);
CREATE INDEX feeds_guild ON feeds (guild_id);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cycle_id    INTEGER NOT NULL REFERENCES cycles(id),
    kind        TEXT NOT NULL CHECK (kind IN ('channel', 'dm')),
    target_id   INTEGER NOT NULL,
    guild_id    INTEGER,
    feed_id     INTEGER,
    payload     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,
    error       TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_pending ON outbox (status, id);
CREATE TABLE delivered (
    kind       TEXT NOT NULL,
    target_id  INTEGER NOT NULL,
    paper_id   INTEGER NOT NULL,
    outbox_id  INTEGER NOT NULL,
    PRIMARY KEY (kind, target_id, paper_id)
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
