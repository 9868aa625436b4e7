-- search: a paper's appearances by date (latest matching appearance, date filters).
CREATE INDEX appearances_paper_date ON appearances (paper_id, post_date, topic);
CREATE INDEX appearances_date ON appearances (post_date);
