"""Digest cycles, the outbox every delivery goes through before Discord, and delivery records."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from jobs.records import DmMessage, OutboxItem
from jobs.store._connection import Connection, run_sync
from jobs.store.rows import OUTBOX_COLUMNS, TIME_FORMAT, j, outbox_item_from_row, outbox_scope, utcnow


async def enqueue(db: aiosqlite.Connection, cycle_id: int, kind: str, target_id: int, guild_id: int | None,
                  feed_id: int | None, payload: dict[str, Any]) -> int:
    """One outbox row, inside the caller's transaction. One round trip to aiosqlite's thread, not
    three (execute, fetch, close): a fan-out enqueues one row per DM message."""
    rows = await db.execute_fetchall(
        "INSERT INTO outbox (cycle_id, kind, target_id, guild_id, feed_id, payload, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (cycle_id, kind, target_id, guild_id, feed_id, j(payload), utcnow()),
    )
    return int(next(iter(rows))[0])


class Outbox(Connection):
    # ---- digest cycles -------------------------------------------------------------------------

    async def start_cycle(self, trigger: str, guild_id: int | None = None) -> int:
        async with self.transaction() as db, db.execute(
            "INSERT INTO cycles (trigger, guild_id, started_at) VALUES (?, ?, ?) RETURNING id",
            (trigger, guild_id, utcnow()),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def finish_cycle(self, cycle_id: int, summary: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE cycles SET finished_at = ?, summary = ? WHERE id = ?", (utcnow(), summary, cycle_id)
            )
        await self.optimize()

    async def last_completed_cycle(self) -> datetime | None:
        """When the last full (scheduled or startup) cycle finished; per-server runs do not count."""
        last = await self._one("SELECT max(finished_at) FROM cycles WHERE guild_id IS NULL AND finished_at IS NOT NULL")
        return None if last is None else datetime.strptime(last, TIME_FORMAT).replace(tzinfo=UTC)

    # ---- the outbox ----------------------------------------------------------------------------

    async def pending(self, guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        where, args = outbox_scope(guild_id, kind)
        rows = await self._all(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE status = 'pending'{where} ORDER BY id", args)
        return [outbox_item_from_row(r) for r in rows]

    async def mark_trying(self, outbox_id: int) -> None:
        """Committed before a send that Discord cannot de-duplicate (a forum post): after a crash the
        row says it may already be there."""
        async with self.transaction() as db:
            await db.execute("UPDATE outbox SET tried_at = coalesce(tried_at, ?) WHERE id = ?", (utcnow(), outbox_id))

    async def outbox_item(self, outbox_id: int) -> OutboxItem | None:
        """One outbox row, whatever its state: a digest message's buttons read their papers from it."""
        rows = await self._all(
            f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?", (outbox_id,)
        )
        return next((outbox_item_from_row(r) for r in rows), None)

    async def mark_sent(self, outbox_id: int, message_id: int | None) -> None:
        await self.mark_sent_many([(outbox_id, message_id)])

    async def mark_sent_many(self, sent: Sequence[tuple[int, int | None]]) -> None:
        now = utcnow()
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, "
                "error = NULL WHERE id = ?", [(message_id, now, outbox_id) for outbox_id, message_id in sent],
            )

    async def mark_failed(self, outbox_ids: list[int], error: str, *, final: bool) -> None:
        """Record a failed send; `final` gives up on it (the target is gone), else it stays pending."""
        status = "failed" if final else "pending"
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE outbox SET status = ?, error = ?, attempts = attempts + 1, claimed_by = NULL, "
                "lease_until = NULL WHERE id = ?",
                [(status, error, i) for i in outbox_ids],
            )

    async def prune(self, dm_cursor: int, keep_days: int = 30) -> tuple[int, int]:
        """Forget what can no longer matter, so a year of fan-outs does not fill the disk:
        - DM delivery records of papers the fan-out cursor has passed (it never looks at them again)
          whose messages went out more than `keep_days` ago; channel records stay, since an old paper
          can reappear under a new topic and must not be posted twice;
        - outbox rows sent or given up on more than `keep_days` ago, but for sent digest messages:
          their pages and menu read the day's papers from the row, for as long as the message lives.
        Pending rows are never touched. Returns (delivery records, outbox rows) removed."""
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).strftime(TIME_FORMAT)
        async with self.transaction() as db:
            async with db.execute(
                "DELETE FROM delivered WHERE kind = 'dm' AND paper_id <= ? AND outbox_id IN "
                "(SELECT id FROM outbox WHERE kind = 'dm' AND status != 'pending' AND created_at < ?)",
                (dm_cursor, cutoff),
            ) as cur:
                records = cur.rowcount
            async with db.execute(
                "DELETE FROM outbox WHERE status != 'pending' AND created_at < ? AND (kind = 'channel' OR NOT EXISTS "
                "(SELECT 1 FROM delivered d WHERE d.kind = 'dm' AND d.outbox_id = outbox.id)) "
                "AND NOT (status = 'sent' AND json_extract(payload, '$.digest') IS NOT NULL)",
                (cutoff,),
            ) as cur:
                rows = cur.rowcount
        return max(0, records), max(0, rows)

    async def outbox_counts(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in await self._all("SELECT status, count(*) FROM outbox GROUP BY status")}

    # ---- DM deliveries -------------------------------------------------------------------------

    async def delivered_papers(self, kind: str, target_ids: list[int], paper_ids: list[int]) -> set[tuple[int, int]]:
        """(target, paper) pairs among these that were already delivered (or planned)."""
        if not target_ids or not paper_ids:
            return set()
        wanted = set(paper_ids)
        # One seek of the primary key (kind, target_id, paper_id) per target, over the papers' id
        # range. (Searching by paper id alone reads every row of the kind, and a fan-out adds a row
        # per subscriber and paper, every cycle.)
        rows = await self._all(
            "SELECT target_id, paper_id FROM delivered WHERE kind = ? "
            "AND target_id IN (SELECT value FROM json_each(?)) AND paper_id BETWEEN ? AND ?",
            (kind, json.dumps(sorted(set(target_ids))), min(wanted), max(wanted)),
        )
        return {(r[0], r[1]) for r in rows if r[1] in wanted}

    async def plan_dm(self, cycle_id: int, user_id: int, messages: list[DmMessage]) -> int:
        """Queue one user's DM delivery (see `plan_dms`)."""
        return await self.plan_dms(cycle_id, [(user_id, messages)])

    async def plan_dms(self, cycle_id: int, plans: Sequence[tuple[int, list[DmMessage]]]) -> int:
        """Queue users' DM deliveries, (user id, messages) each, in one transaction and one trip to the
        connection's thread (a fan-out to 10,000 users was 55,000 trips and 10,000 commits). Each
        message is a list of (paper id, arxiv id, matched label). Papers already delivered to a user
        are left out. Returns the number of papers queued."""
        if not plans:
            return 0
        async with self.transaction() as db:
            return await run_sync(db, _plan_dms, cycle_id, list(plans), utcnow())


def _plan_dms(conn: sqlite3.Connection, cycle_id: int, plans: list[tuple[int, list[DmMessage]]], now: str) -> int:
    messages = [(user_id, m) for user_id, ms in plans for m in ms]
    # Two statements for the lot, each run by SQLite without the GIL between rows (a Python loop of
    # inserts here would hold it, and the event loop waits for it). The write lock is held, so the
    # rows past the largest id are exactly these, in order (AUTOINCREMENT ids only grow).
    before = conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
    conn.executemany(
        "INSERT INTO outbox (cycle_id, kind, target_id, guild_id, feed_id, payload, created_at) "
        "VALUES (?, 'dm', ?, NULL, NULL, ?, ?)",
        [(cycle_id, user_id, j(m.payload()), now) for user_id, m in messages],
    )
    ids = [r[0] for r in conn.execute("SELECT id FROM outbox WHERE id > ? ORDER BY id", (before,))]
    assert len(ids) == len(messages)
    # rowcount sums the rows inserted (a conflict inserts none), so it counts what was queued.
    cur = conn.executemany(
        "INSERT INTO delivered (kind, target_id, paper_id, outbox_id) VALUES ('dm', ?, ?, ?) ON CONFLICT DO NOTHING",
        [(user_id, paper_id, oid) for (user_id, m), oid in zip(messages, ids, strict=True)
         for paper_id, _, _ in m.papers],
    )
    return max(0, cur.rowcount)
