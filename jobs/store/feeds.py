"""Channel feeds, and the SQL of planning a feed's deliveries into the outbox (the rules: `jobs.plan.feeds`)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiosqlite

from jobs.messages import OutboxMessage
from jobs.models import Paper
from jobs.records import ALL_TOPICS, Feed, ReleasedPaper, Scope
from jobs.store._connection import Connection
from jobs.store.outbox import enqueue
from jobs.store.released import WAITING, released_paper
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
            paused = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
            if paused and paused[0].paused_reason:
                # What failed for the reason it was paused goes out again, in its order; a message that did
                # reach Discord is found by its marker, not sent twice.
                await db.execute(
                    "UPDATE outbox SET status = 'pending', attempts = 0, error = NULL WHERE feed_id = ? "
                    "AND status = 'failed' AND error = ?", (paused[0].id, paused[0].paused_reason))
            await db.execute(
                "UPDATE feeds SET paused_reason = NULL WHERE channel_id = ? AND topic = ?", (channel_id, topic)
            )
            feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
        return feeds[0] if feeds else None

    async def _feed_where(self, where: str, args: tuple[Any, ...]) -> list[Feed]:
        rows = await self._all(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE {where} ORDER BY channel_id, topic", args)
        return [_feed(r) for r in rows]

    @contextlib.asynccontextmanager
    async def feed_planning(self, cycle_id: int, feed: Feed) -> AsyncIterator[_Planning]:
        """A feed's plan in one transaction (the rules: `jobs.plan.feeds.plan_feed`). The feed is read
        again inside it: one removed or paused since the caller listed it (a command between two plans of
        a cycle) gets nothing, and its cursor is the current one."""
        async with self.transaction() as db:
            now = await self._feed_where("id = ?", (feed.id,))
            top = int(await self._one("SELECT coalesce(max(id), 0) FROM appearances") or 0)
            yield _Planning(self, db, cycle_id, now[0] if now else None, top)


class _Planning:
    """FeedPlanning on SQLite: the queries a feed's plan needs, inside its transaction."""

    def __init__(self, store: Feeds, db: aiosqlite.Connection, cycle_id: int, feed: Feed | None, top: int) -> None:
        self.store, self.db, self.cycle_id, self.feed, self.top = store, db, cycle_id, feed, top

    def _topic(self, feed: Feed) -> tuple[str, tuple[Any, ...]]:
        return ("", ()) if feed.topic == ALL_TOPICS else (" AND a.topic = ?", (feed.topic,))

    async def candidates(self, scope: Scope) -> list[tuple[int, Paper]]:
        feed = self.feed
        assert feed is not None
        topic_sql, topic_args = self._topic(feed)
        scope_args: tuple[Any, ...]
        if scope is Scope.NEWEST_DATE:
            where, scope_args = "a.post_date = (SELECT max(post_date) FROM appearances)", ()
        elif scope is Scope.NEWEST_POST:
            where = ("a.post_id = (SELECT post_id FROM appearances WHERE topic = ? "
                     "ORDER BY post_date DESC, post_id DESC LIMIT 1)")
            scope_args = (feed.topic,)
        else:
            where, scope_args = "a.id > ? AND a.id <= ?", (feed.cursor, self.top)
        rows = await self.store._paper_rows(
            f"SELECT a.paper_id, a.topic, a.post_date, {PAPER_COLUMNS} FROM appearances a "
            f"JOIN papers p ON p.id = a.paper_id WHERE {where}{topic_sql} "
            "AND NOT EXISTS (SELECT 1 FROM delivered d WHERE d.kind = 'channel' AND d.target_id = ? "
            "AND d.paper_id = a.paper_id) ORDER BY a.post_date, a.id",
            (*scope_args, *topic_args, feed.channel_id),
        )
        return [(r[0], paper_from_row(r[3:], topic=r[1], date=r[2])) for r in rows]

    async def enqueue(self, message: OutboxMessage, paper_ids: Sequence[int]) -> int:
        feed = self.feed
        assert feed is not None
        oid = await enqueue(self.db, self.cycle_id, "channel", feed.channel_id, feed.guild_id, feed.id,
                            message.to_payload())
        await self.db.executemany(
            "INSERT INTO delivered (kind, target_id, paper_id, outbox_id) VALUES ('channel', ?, ?, ?)",
            [(feed.channel_id, paper_id, oid) for paper_id in paper_ids],
        )
        return oid

    async def released(self) -> list[ReleasedPaper]:
        assert self.feed is not None
        return [released_paper(r) for r in await self.store._all(WAITING.format(where=" AND r.feed_id = ?"),
                                                                 ("channel", self.feed.id))]

    async def settle_released(self, ids: Sequence[int]) -> None:
        await self.db.executemany("UPDATE released SET state = 'planned' WHERE id = ?", [(i,) for i in ids])

    async def topic_has_posts(self) -> bool:
        assert self.feed is not None
        topic_sql, topic_args = self._topic(self.feed)
        return bool(await self.store._one(f"SELECT 1 FROM appearances a WHERE 1{topic_sql} LIMIT 1", topic_args))

    async def move_cursor(self) -> None:
        assert self.feed is not None
        await self.db.execute("UPDATE feeds SET cursor = ? WHERE id = ?", (self.top, self.feed.id))
