-- SQLite's 0022_rank_merges.sql: which segments each merge merged, so that a reader moves their papers in
-- memory instead of reading them again.
CREATE TABLE rank_merges (
    target BIGINT NOT NULL,
    source BIGINT NOT NULL,
    PRIMARY KEY (target, source)
);
