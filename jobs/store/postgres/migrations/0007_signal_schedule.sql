-- SQLite's 0015_signal_schedule.sql: regex filters, a feed's minimum score, members' DM schedules and held
-- papers, the server of each feedback click, weekly posts and departures.
ALTER TABLE subscriptions ADD COLUMN regex TEXT;
ALTER TABLE feeds ADD COLUMN regex TEXT;
ALTER TABLE feeds ADD COLUMN min_score INTEGER NOT NULL DEFAULT 0;
CREATE TABLE dm_schedules (
    user_id     BIGINT PRIMARY KEY,
    hour        INTEGER CHECK (hour BETWEEN 0 AND 23),
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    frequency   TEXT NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
    weekday     INTEGER NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
    paused      INTEGER NOT NULL DEFAULT 0,
    away_from   TEXT,
    away_until  TEXT,
    catchup     INTEGER NOT NULL DEFAULT 10
);
CREATE TABLE dm_held (
    user_id   BIGINT NOT NULL,
    paper_id  BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    label     TEXT NOT NULL,
    topic     TEXT NOT NULL,
    date      TEXT NOT NULL,
    held_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
ALTER TABLE feedback ADD COLUMN guild_id BIGINT;
CREATE INDEX feedback_guild ON feedback (guild_id, at);
CREATE TABLE week_posts (
    guild_id    BIGINT PRIMARY KEY,
    channel_id  BIGINT NOT NULL,
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour        INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    last_week   TEXT
);
CREATE TABLE departures (
    user_id   BIGINT NOT NULL,
    guild_id  BIGINT NOT NULL,
    left_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, guild_id)
);
CREATE TABLE discuss_threads (
    guild_id   BIGINT NOT NULL,
    arxiv_id   TEXT NOT NULL,
    thread_id  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, arxiv_id)
);
-- A server's journal club (jobs/club.py): papers proposed, members' votes, and the one scheduled.
CREATE TABLE club_papers (
    guild_id     BIGINT NOT NULL,
    arxiv_id     TEXT NOT NULL,
    proposed_by  BIGINT NOT NULL,
    proposed_at  TEXT NOT NULL,
    presenter_id BIGINT,
    starts_at    TEXT,
    event_id     BIGINT,
    thread_id    BIGINT,
    reminded     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, arxiv_id)
);
CREATE TABLE club_votes (
    guild_id  BIGINT NOT NULL,
    arxiv_id  TEXT NOT NULL,
    user_id   BIGINT NOT NULL,
    PRIMARY KEY (guild_id, arxiv_id, user_id)
);
