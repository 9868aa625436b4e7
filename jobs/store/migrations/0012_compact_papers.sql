-- A paper's long text compressed: abstract, summary, takeaways and links in one zlib stream (column
-- body, made as jobs/store/rows.py pack_body makes it: 1.6 KB instead of 2.7 KB a paper), and when it
-- was first seen in Unix seconds (4 bytes instead of 27). The full-text index is unchanged (its rowids
-- are the papers' ids, kept). The table is rebuilt as SQLite's ALTER TABLE guide does it:
-- pb:foreign-keys-off (dropping the old table must not delete the appearances that refer to it)
-- pb:rewrite-file (the old table's pages are given back)
CREATE TABLE papers_new (
    id          INTEGER PRIMARY KEY,
    arxiv_id    TEXT NOT NULL UNIQUE,
    version     INTEGER,
    title       TEXT NOT NULL,
    authors     TEXT NOT NULL DEFAULT '[]',
    comment     TEXT NOT NULL DEFAULT '',
    images      TEXT NOT NULL DEFAULT '[]',
    flags       TEXT NOT NULL DEFAULT '[]',
    first_seen  INTEGER NOT NULL,
    body        BLOB NOT NULL
);
INSERT INTO papers_new (id, arxiv_id, version, title, authors, comment, images, flags, first_seen, body)
SELECT id, arxiv_id, version, title, authors, comment, images, flags,
    coalesce(CAST(strftime('%s', first_seen) AS INTEGER), 0), pb_pack(abstract, summary, takeaways, links)
FROM papers ORDER BY id;
DROP TABLE papers;
ALTER TABLE papers_new RENAME TO papers;
