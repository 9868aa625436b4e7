-- The full-text index keeps no copy of the text (contentless): the papers table has it, and
-- search reads only rowids and bm25 from the index. About a quarter of the file on real posts.
-- Rows are rebuilt exactly as jobs/store/rows.py fts_row makes them, so a later 'delete' matches.
DROP TABLE papers_fts;
CREATE VIRTUAL TABLE papers_fts USING fts5 (
    title, authors, abstract, summary, takeaways, ids,
    content = '', tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
);
INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids)
SELECT id, title,
    coalesce((SELECT group_concat(value, ', ') FROM json_each(papers.authors)), ''),
    abstract, pb_index_text(summary),
    pb_index_text(coalesce((SELECT group_concat(value, char(10)) FROM json_each(papers.takeaways)), '')),
    arxiv_id || ' ' || replace(arxiv_id, '.', '') || ' arxiv' || arxiv_id
FROM papers;
