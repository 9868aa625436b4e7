-- The group's own signal (issue 22). Each member's 👍 / 👎 (and "not interested": hide) on a paper, one
-- row a member and paper (a click on the other thumb replaces it); the papers each member saved; and the
-- words a subscription or a feed leaves out (a JSON list of folded words or phrases, [] for none).
-- Feedback and saved papers go with their paper; `/forget-me` deletes a member's rows of both at once.
CREATE TABLE feedback (
    user_id   INTEGER NOT NULL,
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    value     TEXT NOT NULL CHECK (value IN ('up', 'down', 'hide')),
    topic     TEXT,
    at        TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
CREATE INDEX feedback_paper ON feedback (paper_id, value);
CREATE TABLE saved (
    user_id   INTEGER NOT NULL,
    paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    saved_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, paper_id)
);
ALTER TABLE subscriptions ADD COLUMN excludes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE feeds ADD COLUMN excludes TEXT NOT NULL DEFAULT '[]';
