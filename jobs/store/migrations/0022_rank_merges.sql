-- Which segments each merge of the ranking index merged (jobs/store/rank_index.py), kept for a while after
-- both are gone: a reader holding the arrays from before a merge (jobs/store/rank_snapshot.py: docs_after)
-- moves those papers to the merged segment in memory instead of reading them all again, even when the
-- merged segment was itself merged further since. Without a row (older merges): read, as before.
CREATE TABLE rank_merges (
    target INTEGER NOT NULL,
    source INTEGER NOT NULL,
    PRIMARY KEY (target, source)
);
