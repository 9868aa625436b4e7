-- The full-text index without prefix indexes: prefix = '2 3 4' was a third of the file and bought
-- nothing (the query builder never issues 1- or 2-letter prefixes, and a longer prefix read from
-- the terms themselves is as fast: benchmarks/search_latency.py). Rebuilt as 0006 built it (rows as
-- jobs/store/rows.py fts_row makes them), then merged into one segment.
-- pb:rewrite-file (then the file is rewritten with 16 KiB pages: rows of about 3 KB each left a
-- quarter of every 4 KiB page empty)
DROP TABLE papers_fts;
CREATE VIRTUAL TABLE papers_fts USING fts5 (
    title, authors, abstract, summary, takeaways, ids,
    content = '', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids)
SELECT id, title,
    coalesce((SELECT group_concat(value, ', ') FROM json_each(papers.authors)), ''),
    abstract, pb_index_text(summary),
    pb_index_text(coalesce((SELECT group_concat(value, char(10)) FROM json_each(papers.takeaways)), '')),
    arxiv_id || ' ' || replace(arxiv_id, '.', '') || ' arxiv' || arxiv_id
FROM papers;
INSERT INTO papers_fts (papers_fts) VALUES ('optimize');
