-- The database's own zstd dictionary for papers.body (jobs/store/body_codec.py): trained once from its
-- first papers' text, then every new body is packed with it (about 1.0 KB a paper of real entries
-- instead of zlib's 1.6). Bodies name their dictionary by id in their zstd frame; bodies written
-- before it stay zlib, and both read back the same. A dictionary is never changed or deleted.
CREATE TABLE text_dicts (
    id   INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);
