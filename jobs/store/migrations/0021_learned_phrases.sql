-- Learned phrases (jobs/store/learned_phrases.py): phrases of several tokens that searches asked for,
-- counted in every paper, so that the next search for one is ranked like a word instead of by FTS5
-- reading the positions of every paper holding its tokens. A part holds (paper id, weighted count)
-- entries; a later part's entry for a paper replaces an earlier one's.
CREATE TABLE rank_phrases (
    phrase  TEXT PRIMARY KEY,
    learned REAL NOT NULL  -- when it was learned, or last searched: the least recent makes room first
);
CREATE TABLE rank_phrase_parts (
    id     INTEGER PRIMARY KEY,
    phrase TEXT NOT NULL,
    ids    BLOB NOT NULL,
    counts BLOB NOT NULL
);
CREATE INDEX rank_phrase_parts_phrase ON rank_phrase_parts (phrase, id);
