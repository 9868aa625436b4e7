-- The group's own signal, what was left of issue 22 (and issue 18 item 4). A subscription's or a feed's
-- regex filter (google-re2 syntax; NULL for none) and a feed's minimum score (0: every paper; see
-- jobs/plan/rank.py `day_score`). Each member's DM schedule: the hour their day's DM goes out (NULL:
-- when the day's papers come), in their timezone, daily or weekly (on `weekday`, 0 Monday), paused, away
-- from/until a date (YYYY-MM-DD), and how many papers a catch-up DM after being away shows. Papers matched
-- for a member and held until their hour, their week, or their return (`dm_held`). The server each
-- feedback click came from (NULL: a DM), for a server's weekly top. A server's weekly post of its most
-- reacted papers (`week_posts`), and the Discuss thread each paper has in a server (`discuss_threads`), to
-- link. A member's departure from a server (`departures`): their feedback is deleted 30 days after, unless
-- they come back.
ALTER TABLE subscriptions ADD COLUMN regex TEXT;
ALTER TABLE feeds ADD COLUMN regex TEXT;
ALTER TABLE feeds ADD COLUMN min_score INTEGER NOT NULL DEFAULT 0;
CREATE TABLE dm_schedules (
    user_id     INTEGER PRIMARY KEY,
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
    user_id   INTEGER NOT NULL,
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    label     TEXT NOT NULL,
    topic     TEXT NOT NULL,
    date      TEXT NOT NULL,
    held_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
ALTER TABLE feedback ADD COLUMN guild_id INTEGER;
CREATE INDEX feedback_guild ON feedback (guild_id, at);
CREATE TABLE week_posts (
    guild_id    INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL,
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    hour        INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    last_week   TEXT
);
CREATE TABLE departures (
    user_id   INTEGER NOT NULL,
    guild_id  INTEGER NOT NULL,
    left_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, guild_id)
);
CREATE TABLE discuss_threads (
    guild_id   INTEGER NOT NULL,
    arxiv_id   TEXT NOT NULL,
    thread_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, arxiv_id)
);
-- A server's journal club (jobs/club.py): papers proposed, members' votes, and the one scheduled.
CREATE TABLE club_papers (
    guild_id     INTEGER NOT NULL,
    arxiv_id     TEXT NOT NULL,
    proposed_by  INTEGER NOT NULL,
    proposed_at  TEXT NOT NULL,
    presenter_id INTEGER,
    starts_at    TEXT,
    event_id     INTEGER,
    thread_id    INTEGER,
    reminded     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, arxiv_id)
);
CREATE TABLE club_votes (
    guild_id  INTEGER NOT NULL,
    arxiv_id  TEXT NOT NULL,
    user_id   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, arxiv_id, user_id)
);
