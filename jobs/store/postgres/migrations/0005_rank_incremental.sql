-- SQLite's 0015_rank_incremental.sql: what a reader needs to take in each write to the ranking index, and a
-- level merge done a range of terms at a time.
CREATE INDEX rank_docs_seg ON rank_docs (seg);
ALTER TABLE rank_state ADD COLUMN docs_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rank_state ADD COLUMN appearances_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rank_segments ADD COLUMN merging_into BIGINT;
ALTER TABLE rank_segments ADD COLUMN merged_upto TEXT COLLATE "C";
