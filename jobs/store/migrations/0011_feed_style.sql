-- how a feed posts: 'cards' (a message per paper) or 'digest' (one paged message per topic and day).
-- Feeds made before this keep the cards they had; new feeds are digests (jobs.store.feeds.add_feed).
ALTER TABLE feeds ADD COLUMN style TEXT NOT NULL DEFAULT 'cards' CHECK (style IN ('cards', 'digest'));
