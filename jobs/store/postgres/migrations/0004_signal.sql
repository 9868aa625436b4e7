-- SQLite's 0014_signal.sql: members' feedback and saved papers, and exclusions on subscriptions and feeds.
CREATE TABLE feedback (
    user_id   BIGINT NOT NULL,
    paper_id  BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    value     TEXT NOT NULL CHECK (value IN ('up', 'down', 'hide')),
    topic     TEXT,
    at        TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX feedback_paper ON feedback (paper_id, value);
CREATE TABLE saved (
    user_id   BIGINT NOT NULL,
    paper_id  BIGINT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    saved_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
ALTER TABLE subscriptions ADD COLUMN excludes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE feeds ADD COLUMN excludes TEXT NOT NULL DEFAULT '[]';
