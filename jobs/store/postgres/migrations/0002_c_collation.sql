-- Text that is ordered or compared by range sorts by code point, as SQLite's BINARY collation does
-- (C.UTF-8 compares bytes; UTF-8 bytes sort as code points), whatever the database's own collation:
-- topics and names are listed in the same order on both engines, dates and times compare as the
-- fixed-width strings they are, and the ranking index's prefix ranges (term >= t AND term < next)
-- hold exactly the terms that begin with t.
ALTER TABLE sources ALTER COLUMN name TYPE TEXT COLLATE "C";
ALTER TABLE posts ALTER COLUMN path TYPE TEXT COLLATE "C";
ALTER TABLE posts ALTER COLUMN post_date TYPE TEXT COLLATE "C";
ALTER TABLE papers ALTER COLUMN arxiv_id TYPE TEXT COLLATE "C";
ALTER TABLE appearances ALTER COLUMN topic TYPE TEXT COLLATE "C";
ALTER TABLE appearances ALTER COLUMN post_date TYPE TEXT COLLATE "C";
ALTER TABLE cycles ALTER COLUMN finished_at TYPE TEXT COLLATE "C";
ALTER TABLE feeds ALTER COLUMN topic TYPE TEXT COLLATE "C";
ALTER TABLE outbox ALTER COLUMN created_at TYPE TEXT COLLATE "C";
ALTER TABLE subscriptions ALTER COLUMN folded TYPE TEXT COLLATE "C";
ALTER TABLE rank_postings ALTER COLUMN term TYPE TEXT COLLATE "C";
