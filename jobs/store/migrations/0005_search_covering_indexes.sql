-- Search: the papers a topic/date filter selects, read from an index alone (these
-- replace the narrower appearances_topic_date and appearances_date).
CREATE INDEX appearances_topic_date_paper ON appearances (topic, post_date, paper_id);
DROP INDEX appearances_topic_date;
CREATE INDEX appearances_date_paper ON appearances (post_date, paper_id);
DROP INDEX appearances_date;
