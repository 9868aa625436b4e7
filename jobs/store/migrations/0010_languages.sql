-- The language papers read in (zh, en or both): per server for its feeds, per member for their DMs and
-- what Paperboy shows only them. No row means the default (zh, the digests' own language).
CREATE TABLE guild_languages (
    guild_id  INTEGER PRIMARY KEY,
    language  TEXT NOT NULL CHECK (language IN ('zh', 'en', 'both')),
    set_by    INTEGER,
    set_at    TEXT NOT NULL
);
CREATE TABLE member_languages (
    user_id   INTEGER PRIMARY KEY,
    language  TEXT NOT NULL CHECK (language IN ('zh', 'en', 'both')),
    set_at    TEXT NOT NULL
);
