-- The ranking index without long pauses (jobs/store/rank_index.py, jobs/store/rank_snapshot.py).
-- A search's in-memory arrays take in each write instead of reloading everything: the papers a write indexed
-- are those of segments newer than the newest a reader holds (rank_docs_seg finds them), and the
-- appearances those of higher ids. What is not such an addition (a paper forgotten, the index rebuilt; a
-- post's appearances changed or dropped) bumps an epoch, and a reader holding an older one loads that part whole.
CREATE INDEX rank_docs_seg ON rank_docs (seg);
ALTER TABLE rank_state ADD COLUMN docs_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rank_state ADD COLUMN appearances_epoch INTEGER NOT NULL DEFAULT 0;
-- A level merge goes a range of terms at a time, one step an ingest: its target has merged_upto (the last
-- term merged so far; NULL once done) and each of its sources merging_into (the target).
ALTER TABLE rank_segments ADD COLUMN merging_into INTEGER;
ALTER TABLE rank_segments ADD COLUMN merged_upto TEXT;
