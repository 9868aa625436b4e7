-- A search's in-memory arrays of the ranking index take in a commit instead of reloading everything
-- (jobs/store/rank_snapshot.py): the papers a commit indexed are those of segments newer than the
-- newest a reader holds (rank_docs_seg finds them), and the appearances those of higher ids. What is not
-- such an addition (a paper forgotten, the index rebuilt; a post's appearances changed or dropped) bumps
-- an epoch, and a reader holding an older one loads that part whole.
CREATE INDEX rank_docs_seg ON rank_docs (seg);
ALTER TABLE rank_state ADD COLUMN docs_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rank_state ADD COLUMN appearances_epoch INTEGER NOT NULL DEFAULT 0;
