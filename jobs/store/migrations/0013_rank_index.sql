-- The ranking index: each term's papers and weighted counts (no positions), so that bm25 for a
-- query of words and prefixes is computed for every match in a few numpy passes
-- (jobs/search_rank.py) instead of one FTS5 bm25() call per match. Written beside papers_fts by
-- jobs/store/rank_index.py in segments: one per batch of papers indexed, merged 16 (then 8) at a
-- time into the next level, so a day's ingest rewrites only small ones. Filled from the papers on the first
-- open after this migration (Store.open: rank_index.rebuild_if_stale).
-- A segment's posting rows are written together in term order, so they hold consecutive rowids
-- (first_row..last_row): a merge reads and deletes them by range.
CREATE TABLE rank_segments (
    seg INTEGER PRIMARY KEY,
    level INTEGER NOT NULL,
    docs INTEGER NOT NULL,
    first_row INTEGER NOT NULL DEFAULT 0,
    last_row INTEGER NOT NULL DEFAULT -1
);
CREATE TABLE rank_postings (
    id INTEGER PRIMARY KEY,  -- the rowid, declared so that VACUUM keeps it (segments are rowid ranges)
    term TEXT NOT NULL,
    seg INTEGER NOT NULL,
    ids BLOB NOT NULL,     -- jobs/posting_codec.py
    counts BLOB NOT NULL
);
CREATE INDEX rank_postings_term ON rank_postings (term, seg);
-- A fresh segment (level 0: one batch of papers indexed) is one row: its terms, sorted and joined
-- by NUL (which no token holds), and their postings as CSR arrays (uint32 starts, ids and counts).
-- Readers keep them in memory; a merge turns them into rank_postings rows.
CREATE TABLE rank_fresh (
    seg INTEGER PRIMARY KEY,
    terms TEXT NOT NULL,
    starts BLOB NOT NULL,
    ids BLOB NOT NULL,
    counts BLOB NOT NULL
);
-- Each indexed paper: the segment holding its live postings (older segments may still hold stale
-- ones until merged) and its length in tokens, as FTS5 counts it.
CREATE TABLE rank_docs (
    id INTEGER PRIMARY KEY,
    seg INTEGER NOT NULL,
    len INTEGER NOT NULL
);
-- Bumped by every write that can change a search's answer (papers indexed, appearances), so
-- readers know when the arrays they hold are stale.
CREATE TABLE rank_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO rank_state (id, generation) VALUES (1, 0);
