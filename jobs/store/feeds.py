"""Channel feeds, and planning a feed's deliveries into the outbox (the rules: `jobs.plan.feeds`)."""

from __future__ import annotations

import json
from typing import Any

from jobs.plan import feeds as feed_plan
from jobs.records import ALL_TOPICS, Feed, FeedPlan
from jobs.store._connection import Connection
from jobs.store.outbox import enqueue
from jobs.store.rows import PAPER_COLUMNS, j, paper_from_row, utcnow

_FEED_COLUMNS = ("id, guild_id, channel_id, topic, keywords, cursor, paused_reason, created_at, style, excludes, "
                 "regex, min_score")


def _feed(r: Any) -> Feed:
    return Feed(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7], r[8], json.loads(r[9]), r[10], int(r[11]))


class Feeds(Connection):
    async def add_feed(self, guild_id: int, channel_id: int, topic: str, keywords: list[str],
                       created_by: int | None, style: str | None = None) -> tuple[Feed, bool]:
        """Add a feed (style `digest` unless told), or update the keywords (and the style, when given)
        of the same channel+topic. Returns (feed, created)."""
        async with self.transaction() as db:
            existing = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
            if existing:
                await db.execute(
                    "UPDATE feeds SET keywords = ?, paused_reason = NULL, style = coalesce(?, style) WHERE id = ?",
                    (j(keywords), style, existing[0].id),
                )
                return (await self._feed_where("id = ?", (existing[0].id,)))[0], False
            await db.execute(
                "INSERT INTO feeds (guild_id, channel_id, topic, keywords, created_by, created_at, style) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, channel_id, topic, j(keywords), created_by, utcnow(), style or "digest"),
            )
            return (await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic)))[0], True

    async def remove_feed(self, channel_id: int, topic: str) -> Feed | None:
        async with self.transaction() as db:
            feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
            if not feeds:
                return None
            feed = feeds[0]
            # What was planned and not sent goes too, and may be planned again by another feed.
            await db.execute(
                "DELETE FROM delivered WHERE outbox_id IN (SELECT id FROM outbox WHERE feed_id = ? "
                "AND status = 'pending')", (feed.id,),
            )
            await db.execute("DELETE FROM outbox WHERE feed_id = ? AND status = 'pending'", (feed.id,))
            await db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
        return feed

    async def set_feed_style(self, channel_id: int, topic: str, style: str) -> Feed | None:
        """Change how a feed posts from its next delivery on; None when there is no such feed."""
        async with self.transaction() as db:
            await db.execute("UPDATE feeds SET style = ? WHERE channel_id = ? AND topic = ?",
                             (style, channel_id, topic))
            feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
        return feeds[0] if feeds else None

    async def feeds(self, guild_id: int | None = None) -> list[Feed]:
        if guild_id is None:
            return await self._feed_where("1", ())
        return await self._feed_where("guild_id = ?", (guild_id,))

    async def pause_feeds_of_channel(self, channel_id: int, reason: str) -> list[Feed]:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE feeds SET paused_reason = ? WHERE channel_id = ? AND paused_reason IS NULL",
                (reason, channel_id),
            )
            return await self._feed_where("channel_id = ?", (channel_id,))

    async def resume_feed(self, channel_id: int, topic: str) -> Feed | None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE feeds SET paused_reason = NULL WHERE channel_id = ? AND topic = ?", (channel_id, topic)
            )
            feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
        return feeds[0] if feeds else None

    async def _feed_where(self, where: str, args: tuple[Any, ...]) -> list[Feed]:
        rows = await self._all(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE {where} ORDER BY channel_id, topic", args)
        return [_feed(r) for r in rows]

    async def plan_feed(self, cycle_id: int, feed: Feed, max_per_cycle: int) -> FeedPlan:
        """Put a feed's new papers into the outbox, in one transaction with the feed's cursor. What
        is chosen and how it is queued: `jobs.plan.feeds`.

        The feed is read again inside the transaction: one removed or paused since the caller listed
        it (a command between two plans of a cycle) gets nothing, and its cursor is the current one."""
        async with self.transaction() as db:
            now = await self._feed_where("id = ?", (feed.id,))
            if not now or now[0].paused_reason:
                return FeedPlan(feed=now[0] if now else feed, papers=[], more=0)
            feed = now[0]
            top = int(await self._one("SELECT coalesce(max(id), 0) FROM appearances") or 0)
            topic_sql, topic_args = ("", ()) if feed.topic == ALL_TOPICS else (" AND a.topic = ?", (feed.topic,))
            scope = feed_plan.scope(feed)
            scope_args: tuple[Any, ...]
            if scope is feed_plan.Scope.NEWEST_DATE:
                where, scope_args = "a.post_date = (SELECT max(post_date) FROM appearances)", ()
            elif scope is feed_plan.Scope.NEWEST_POST:
                where = ("a.post_id = (SELECT post_id FROM appearances WHERE topic = ? "
                         "ORDER BY post_date DESC, post_id DESC LIMIT 1)")
                scope_args = (feed.topic,)
            else:
                where, scope_args = "a.id > ? AND a.id <= ?", (feed.cursor, top)
            rows = await self._all(
                f"SELECT a.paper_id, a.topic, a.post_date, {PAPER_COLUMNS} FROM appearances a "
                f"JOIN papers p ON p.id = a.paper_id WHERE {where}{topic_sql} "
                "AND NOT EXISTS (SELECT 1 FROM delivered d WHERE d.kind = 'channel' AND d.target_id = ? "
                "AND d.paper_id = a.paper_id) ORDER BY a.post_date, a.id",
                (*scope_args, *topic_args, feed.channel_id),
            )
            taken, more = feed_plan.choose(
                feed, ((r[0], paper_from_row(r[3:], topic=r[1], date=r[2])) for r in rows), max_per_cycle
            )
            papers = [p for _, p in taken]
            if taken:
                for payload, members in feed_plan.payloads(feed, papers, more):
                    oid = await enqueue(db, cycle_id, "channel", feed.channel_id, feed.guild_id, feed.id, payload)
                    await db.executemany(
                        "INSERT INTO delivered (kind, target_id, paper_id, outbox_id) VALUES ('channel', ?, ?, ?)",
                        [(feed.channel_id, taken[i][0], oid) for i in members],
                    )
            has_posts = feed.cursor is not None or bool(
                await self._one(f"SELECT 1 FROM appearances a WHERE 1{topic_sql} LIMIT 1", topic_args)
            )
            if feed_plan.cursor_moves(feed, has_posts):
                await db.execute("UPDATE feeds SET cursor = ? WHERE id = ?", (top, feed.id))
        return FeedPlan(feed=feed, papers=papers, more=more)
