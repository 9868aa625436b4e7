-- Papers given back by a message Discord refused in both its forms (issue 19): no longer counted as delivered
-- to the target, so the next plan offers them again, one card each (state planned once it has). A paper
-- released a second time for the same target stays delivered (state given_up): no daily loop of failures.
-- label, topic and post_date keep what its card showed: the subscription that matched it, the appearance.
CREATE TABLE released (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('channel', 'dm')),
    target_id    INTEGER NOT NULL,
    guild_id     INTEGER,
    feed_id      INTEGER,
    paper_id     INTEGER NOT NULL,
    outbox_id    INTEGER NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    topic        TEXT NOT NULL DEFAULT '',
    post_date    TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    released_at  TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'planned', 'given_up'))
);
CREATE INDEX released_target ON released (kind, target_id, paper_id);
CREATE INDEX released_waiting ON released (kind, feed_id) WHERE state = 'waiting';
