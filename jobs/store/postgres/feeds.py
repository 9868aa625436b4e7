"""FeedsArea on PostgreSQL: channel feeds and planning them (jobs/store/feeds.py), digest cycles, the
outbox and delivery records (jobs/store/outbox.py). The same rules (`jobs.plan.feeds`) and the same
guarantees: a plan's outbox rows, its delivery records and the feed's cursor commit together or not at
all; a paper already delivered (or planned) to a target is never queued again (the delivered table's
primary key, ON CONFLICT DO NOTHING where SQLite says INSERT OR IGNORE); rows come out in id order."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from jobs.messages import OutboxMessage
from jobs.models import Paper
from jobs.records import ALL_TOPICS, DmMessage, Feed, OutboxItem, ReleasedPaper, Scope
from jobs.store.postgres._connection import PgConnection, affected, paper_rows
from jobs.store.postgres.bridge import numbered
from jobs.store.released import WAITING, released_paper
from jobs.store.rows import (
    OUTBOX_COLUMNS,
    PAPER_COLUMNS,
    TIME_FORMAT,
    j,
    outbox_item_from_row,
    outbox_scope,
    paper_from_row,
    utcnow,
)

_FEED_COLUMNS = ("id, guild_id, channel_id, topic, keywords, cursor, paused_reason, created_at, style, excludes, "
                 "regex, min_score")



def _feed(r: Any) -> Feed:
    return Feed(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7], r[8], json.loads(r[9]), r[10], int(r[11]))


async def enqueue(conn: asyncpg.Connection, cycle_id: int, kind: str, target_id: int, guild_id: int | None,
                  feed_id: int | None, payload: dict[str, Any]) -> int:
    """One outbox row, inside the caller's transaction; its id."""
    return int(await conn.fetchval(
        "INSERT INTO outbox (cycle_id, kind, target_id, guild_id, feed_id, payload, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        cycle_id, kind, target_id, guild_id, feed_id, j(payload), utcnow()))


class PgFeeds(PgConnection):
    """FeedsArea (jobs/store/feeds.py and jobs/store/outbox.py)."""

    # ---- channel feeds ---------------------------------------------------------------------------

    async def add_feed(self, guild_id: int, channel_id: int, topic: str, keywords: list[str],
                       created_by: int | None, style: str | None = None) -> tuple[Feed, bool]:
        async with self.transaction() as conn:
            existing = await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic)
            if existing:
                await conn.execute("UPDATE feeds SET keywords = $1, paused_reason = NULL, "
                                   "style = coalesce($2, style) WHERE id = $3", j(keywords), style, existing[0].id)
                return (await self._feed_where("id = $1", existing[0].id))[0], False
            await conn.execute(
                "INSERT INTO feeds (guild_id, channel_id, topic, keywords, created_by, created_at, style) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                guild_id, channel_id, topic, j(keywords), created_by, utcnow(), style or "digest")
            return (await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic))[0], True

    async def remove_feed(self, channel_id: int, topic: str) -> Feed | None:
        async with self.transaction() as conn:
            feeds = await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic)
            if not feeds:
                return None
            feed = feeds[0]
            # What was planned and not sent goes too, and may be planned again by another feed.
            await conn.execute("DELETE FROM delivered WHERE outbox_id IN (SELECT id FROM outbox WHERE feed_id = $1 "
                               "AND status = 'pending')", feed.id)
            await conn.execute("DELETE FROM outbox WHERE feed_id = $1 AND status = 'pending'", feed.id)
            await conn.execute("DELETE FROM feeds WHERE id = $1", feed.id)
        return feed

    async def set_feed_style(self, channel_id: int, topic: str, style: str) -> Feed | None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE feeds SET style = $1 WHERE channel_id = $2 AND topic = $3",
                               style, channel_id, topic)
            feeds = await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic)
        return feeds[0] if feeds else None

    async def feeds(self, guild_id: int | None = None) -> list[Feed]:
        if guild_id is None:
            return await self._feed_where("true")
        return await self._feed_where("guild_id = $1", guild_id)

    async def pause_feeds_of_channel(self, channel_id: int, reason: str) -> list[Feed]:
        async with self.transaction() as conn:
            await conn.execute("UPDATE feeds SET paused_reason = $1 WHERE channel_id = $2 AND paused_reason IS NULL",
                               reason, channel_id)
            return await self._feed_where("channel_id = $1", channel_id)

    async def resume_feed(self, channel_id: int, topic: str) -> Feed | None:
        async with self.transaction() as conn:
            paused = await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic)
            if paused and paused[0].paused_reason:  # what failed for that reason goes out again (jobs/store/feeds.py)
                await conn.execute(
                    "UPDATE outbox SET status = 'pending', attempts = 0, error = NULL WHERE feed_id = $1 "
                    "AND status = 'failed' AND error = $2", paused[0].id, paused[0].paused_reason)
            await conn.execute("UPDATE feeds SET paused_reason = NULL WHERE channel_id = $1 AND topic = $2",
                               channel_id, topic)
            feeds = await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic)
        return feeds[0] if feeds else None

    async def _feed_where(self, where: str, *args: Any) -> list[Feed]:
        rows = await self._all(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE {where} ORDER BY channel_id, topic", *args)
        return [_feed(r) for r in rows]

    @contextlib.asynccontextmanager
    async def feed_planning(self, cycle_id: int, feed: Feed) -> AsyncIterator[_PgPlanning]:
        """As jobs/store/feeds.py plans it: the feed read again inside one transaction that holds its
        outbox rows, their delivery records and its cursor."""
        async with self.transaction() as conn:
            now = await self._feed_where("id = $1", feed.id)
            top = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM appearances") or 0)
            yield _PgPlanning(conn, cycle_id, now[0] if now else None, top)

    # ---- digest cycles -------------------------------------------------------------------------

    async def start_cycle(self, trigger: str, guild_id: int | None = None) -> int:
        async with self.transaction() as conn:
            return int(await conn.fetchval("INSERT INTO cycles (trigger, guild_id, started_at) VALUES ($1, $2, $3) "
                                           "RETURNING id", trigger, guild_id, utcnow()))

    async def finish_cycle(self, cycle_id: int, summary: str) -> None:
        # No ANALYZE here (SQLite runs PRAGMA optimize): autovacuum keeps PostgreSQL's statistics.
        async with self.transaction() as conn:
            await conn.execute("UPDATE cycles SET finished_at = $1, summary = $2 WHERE id = $3",
                               utcnow(), summary, cycle_id)

    async def last_completed_cycle(self) -> datetime | None:
        last = await self._one("SELECT max(finished_at) FROM cycles WHERE guild_id IS NULL AND finished_at IS NOT NULL")
        return None if last is None else datetime.strptime(last, TIME_FORMAT).replace(tzinfo=UTC)

    # ---- the outbox ----------------------------------------------------------------------------

    async def pending(self, guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        where, args = outbox_scope(guild_id, kind, start=1)
        rows = await self._all(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending'{where} ORDER BY id",
                               *args)
        return [outbox_item_from_row(r) for r in rows]

    async def mark_trying(self, outbox_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE outbox SET tried_at = coalesce(tried_at, $1) WHERE id = $2", utcnow(), outbox_id)

    async def outbox_item(self, outbox_id: int) -> OutboxItem | None:
        rows = await self._all(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1", outbox_id)
        return next((outbox_item_from_row(r) for r in rows), None)

    async def mark_sent(self, outbox_id: int, message_id: int | None) -> None:
        await self.mark_sent_many([(outbox_id, message_id)])

    async def mark_sent_many(self, sent: Sequence[tuple[int, int | None]]) -> None:
        self.fresh_claims.forget(i for i, _ in sent)
        # Not waiting for the disk (on a busy machine a flush a record was a third of a sender's time): every
        # row recorded here was marked tried durably before its send (its claim; mark_trying before a send
        # outside claims), so a server crash that loses this record leaves it pending and tried, to be found
        # by its marker and adopted, as when a sender dies before its record. The sender's next claim, which
        # is durable, flushes the record with it (the WAL is written in order).
        async with self.transaction(durable=False) as conn:  # one statement for the batch: one round trip
            await conn.execute("UPDATE outbox SET status = 'sent', message_id = s.message_id, sent_at = $3, "
                               "attempts = attempts + 1, error = NULL "
                               "FROM unnest($1::bigint[], $2::bigint[]) AS s(id, message_id) WHERE outbox.id = s.id",
                               [i for i, _ in sent], [m for _, m in sent], utcnow())

    async def mark_failed(self, outbox_ids: list[int], error: str, *, final: bool) -> None:
        status = "failed" if final else "pending"
        self.fresh_claims.forget(outbox_ids)
        async with self.transaction() as conn:
            # The claim goes with it: a row kept for later may be taken by any sender (jobs/store/postgres/claims.py).
            await conn.executemany("UPDATE outbox SET status = $1, error = $2, attempts = attempts + 1, "
                                   "claimed_by = NULL, lease_until = NULL WHERE id = $3",
                                   [(status, error, i) for i in outbox_ids])

    async def prune(self, dm_cursor: int, keep_days: int = 30) -> tuple[int, int]:
        """As jobs/store/outbox.py prunes (read its docstring): old DM records and old outbox rows,
        never pending rows, never a sent digest message's row."""
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).strftime(TIME_FORMAT)
        async with self.transaction() as conn:
            records = affected(await conn.execute(
                "DELETE FROM delivered WHERE kind = 'dm' AND paper_id <= $1 AND outbox_id IN "
                "(SELECT id FROM outbox WHERE kind = 'dm' AND status != 'pending' AND created_at < $2)",
                dm_cursor, cutoff))
            # A JSON null under "digest" counts as none, as SQLite's json_extract gives NULL for it.
            rows = affected(await conn.execute(
                "DELETE FROM outbox WHERE status != 'pending' AND created_at < $1 AND (kind = 'channel' OR NOT EXISTS "
                "(SELECT 1 FROM delivered d WHERE d.kind = 'dm' AND d.outbox_id = outbox.id)) "
                "AND NOT (status = 'sent' AND coalesce(jsonb_typeof(payload::jsonb -> 'digest'), 'null') != 'null')",
                cutoff))
        return records, rows

    async def outbox_counts(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in await self._all("SELECT status, count(*) FROM outbox GROUP BY status")}

    # ---- DM deliveries -------------------------------------------------------------------------

    async def delivered_papers(self, kind: str, target_ids: list[int], paper_ids: list[int]) -> set[tuple[int, int]]:
        if not target_ids or not paper_ids:
            return set()
        wanted = set(paper_ids)
        rows = await self._all(
            "SELECT target_id, paper_id FROM delivered WHERE kind = $1 AND target_id = ANY($2::bigint[]) "
            "AND paper_id BETWEEN $3 AND $4", kind, sorted(set(target_ids)), min(wanted), max(wanted))
        return {(r[0], r[1]) for r in rows if r[1] in wanted}

    async def plan_dm(self, cycle_id: int, user_id: int, messages: list[DmMessage]) -> int:
        return await self.plan_dms(cycle_id, [(user_id, messages)])

    async def plan_dms(self, cycle_id: int, plans: Sequence[tuple[int, list[DmMessage]]]) -> int:
        """As jobs/store/outbox.py plans them: every message an outbox row and its papers delivery records,
        in one transaction; papers already delivered to a user are left out (their records stay). Returns
        the number of papers queued."""
        messages = [(user_id, m) for user_id, ms in plans for m in ms]
        if not messages:
            return 0
        async with self.transaction() as conn:
            # Identity values are taken in the order the rows are inserted (WITH ORDINALITY ... ORDER BY),
            # and writers are serialised: sorted, the ids are the messages' in order.
            ids = sorted(int(r[0]) for r in await conn.fetch(
                "INSERT INTO outbox (cycle_id, kind, target_id, guild_id, feed_id, payload, created_at) "
                "SELECT $1, 'dm', t, NULL, NULL, p, $2 FROM unnest($3::bigint[], $4::text[]) WITH ORDINALITY "
                "AS m(t, p, n) ORDER BY n RETURNING id",
                cycle_id, utcnow(), [u for u, _ in messages], [j(m.payload()) for _, m in messages]))
            assert len(ids) == len(messages)
            # The records by COPY, those already there left out first: what INSERT ... ON CONFLICT DO NOTHING
            # did, at half its cost on the server (a speculative insertion and its confirmation a row were
            # most of a fan-out plan's time). Writers are serialised, so no record appears in between; a
            # pair twice in the plan is recorded once, with its first message, as the conflict kept it.
            wanted: dict[tuple[int, int], int] = {}
            for (user_id, m), oid in zip(messages, ids, strict=True):
                for paper_id, _, _ in m.papers:
                    wanted.setdefault((user_id, paper_id), oid)
            papers = [p for _, p in wanted]
            if not papers:  # messages without papers (plan_dm's API allows them): nothing to record
                return 0
            there = await conn.fetch(
                "SELECT target_id, paper_id FROM delivered WHERE kind = 'dm' AND target_id = ANY($1::bigint[]) "
                "AND paper_id BETWEEN $2 AND $3", sorted({u for u, _ in messages}), min(papers), max(papers))
            for r in there:
                wanted.pop((r[0], r[1]), None)
            if wanted:
                await conn.copy_records_to_table(
                    "delivered", columns=["kind", "target_id", "paper_id", "outbox_id"],
                    records=[("dm", u, p, oid) for (u, p), oid in wanted.items()])
            return len(wanted)


class _PgPlanning:
    """FeedPlanning on PostgreSQL (jobs/store/feeds.py's `_Planning` in this dialect)."""

    def __init__(self, conn: asyncpg.Connection, cycle_id: int, feed: Feed | None, top: int) -> None:
        self.conn, self.cycle_id, self.feed, self.top = conn, cycle_id, feed, top

    async def candidates(self, scope: Scope) -> list[tuple[int, Paper]]:
        feed = self.feed
        assert feed is not None
        args: list[Any] = [feed.channel_id]
        topic_sql = ""
        if feed.topic != ALL_TOPICS:
            args.append(feed.topic)
            topic_sql = f" AND a.topic = ${len(args)}"
        if scope is Scope.NEWEST_DATE:
            where = "a.post_date = (SELECT max(post_date) FROM appearances)"
        elif scope is Scope.NEWEST_POST:
            args.append(feed.topic)
            where = (f"a.post_id = (SELECT post_id FROM appearances WHERE topic = ${len(args)} "
                     "ORDER BY post_date DESC, post_id DESC LIMIT 1)")
        else:
            args += [feed.cursor, self.top]
            where = f"a.id > ${len(args) - 1} AND a.id <= ${len(args)}"
        rows = await paper_rows(
            self.conn, f"SELECT a.paper_id, a.topic, a.post_date, {PAPER_COLUMNS} FROM appearances a "
            f"JOIN papers p ON p.id = a.paper_id WHERE {where}{topic_sql} "
            "AND NOT EXISTS (SELECT 1 FROM delivered d WHERE d.kind = 'channel' AND d.target_id = $1 "
            "AND d.paper_id = a.paper_id) ORDER BY a.post_date, a.id", *args)
        return [(r[0], paper_from_row(r[3:], topic=r[1], date=r[2])) for r in rows]

    async def enqueue(self, message: OutboxMessage, paper_ids: Sequence[int]) -> int:
        feed = self.feed
        assert feed is not None
        oid = await enqueue(self.conn, self.cycle_id, "channel", feed.channel_id, feed.guild_id, feed.id,
                            message.to_payload())
        await self.conn.executemany(
            "INSERT INTO delivered (kind, target_id, paper_id, outbox_id) VALUES ('channel', $1, $2, $3)",
            [(feed.channel_id, paper_id, oid) for paper_id in paper_ids])
        return oid

    async def released(self) -> list[ReleasedPaper]:
        assert self.feed is not None
        return [released_paper(r) for r in await self.conn.fetch(numbered(WAITING.format(where=" AND r.feed_id = ?")),
                                                                 "channel", self.feed.id)]

    async def settle_released(self, ids: Sequence[int]) -> None:
        await self.conn.execute("UPDATE released SET state = 'planned' WHERE id = ANY($1::bigint[])", list(ids))

    async def topic_has_posts(self) -> bool:
        assert self.feed is not None
        if self.feed.topic == ALL_TOPICS:
            return bool(await self.conn.fetchval("SELECT 1 FROM appearances LIMIT 1"))
        return bool(await self.conn.fetchval("SELECT 1 FROM appearances WHERE topic = $1 LIMIT 1", self.feed.topic))

    async def move_cursor(self) -> None:
        assert self.feed is not None
        await self.conn.execute("UPDATE feeds SET cursor = $1 WHERE id = $2", self.top, self.feed.id)
