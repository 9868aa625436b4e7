-- SQLite's 0021_learned_phrases.sql: phrases that searches asked for, counted in every paper
-- (jobs/store/learned_phrases.py).
CREATE TABLE rank_phrases (
    phrase  TEXT COLLATE "C" PRIMARY KEY,
    learned DOUBLE PRECISION NOT NULL  -- when it was learned, or last searched
);
CREATE TABLE rank_phrase_parts (
    id     BIGINT PRIMARY KEY,
    phrase TEXT COLLATE "C" NOT NULL,
    ids    BYTEA NOT NULL,
    counts BYTEA NOT NULL
);
CREATE INDEX rank_phrase_parts_phrase ON rank_phrase_parts (phrase, id);
