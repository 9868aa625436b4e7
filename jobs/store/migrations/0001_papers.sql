-- sources, posts with fetch state, papers, appearances, full-text index.
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    format        TEXT NOT NULL,
    location      TEXT NOT NULL,
    listing_etag  TEXT,
    last_run_at   TEXT,
    last_error    TEXT
);
CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    path           TEXT NOT NULL,
    version        TEXT NOT NULL,
    etag           TEXT,
    last_modified  TEXT,
    status         TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error          TEXT,
    topic          TEXT,
    post_date      TEXT,
    paper_count    INTEGER NOT NULL DEFAULT 0,
    fetched_at     TEXT NOT NULL,
    UNIQUE (source_id, path)
);
CREATE TABLE papers (
    id          INTEGER PRIMARY KEY,
    arxiv_id    TEXT NOT NULL UNIQUE,
    version     INTEGER,
    title       TEXT NOT NULL,
    authors     TEXT NOT NULL DEFAULT '[]',
    abstract    TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    takeaways   TEXT NOT NULL DEFAULT '[]',
    comment     TEXT NOT NULL DEFAULT '',
    links       TEXT NOT NULL DEFAULT '{}',
    images      TEXT NOT NULL DEFAULT '[]',
    flags       TEXT NOT NULL DEFAULT '[]',
    first_seen  TEXT NOT NULL
);
CREATE TABLE appearances (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    paper_id   INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    topic      TEXT NOT NULL,
    post_date  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    UNIQUE (paper_id, post_id)
);
CREATE INDEX appearances_post ON appearances (post_id);
CREATE INDEX appearances_topic_date ON appearances (topic, post_date);
CREATE VIRTUAL TABLE papers_fts USING fts5 (
    title, authors, abstract, summary, takeaways, ids,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);
