-- The ranking index gains pair terms (jobs/search/pairs.py: a phrase of two common tokens is counted
-- from the index): its segments are emptied here, and the open that runs this migration writes them
-- again from the papers' text (rank_index.is_stale), as when the index was first made.
DELETE FROM rank_postings;
DELETE FROM rank_fresh;
DELETE FROM rank_docs;
DELETE FROM rank_segments;
UPDATE rank_state SET docs_epoch = docs_epoch + 1, generation = generation + 1 WHERE id = 1;
