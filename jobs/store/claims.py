"""Senders claiming the outbox (issue 18), SQLite's side: one process holds the file and sends alone, so a
claim is the first pending row of each target (a target's later rows wait, to keep their order), without a
lease; the sender passes the rows it holds or gave up on this run as `exclude`. The request budget is the
process's own token bucket. PostgreSQL's side (several senders, leases, NOTIFY): jobs/store/postgres/claims.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from jobs.records import OutboxItem, OutboxNotices
from jobs.store._connection import Connection
from jobs.store.rows import outbox_item_from_row, outbox_scope, utcnow

# A target's first pending row: no earlier pending row of the same target (outbox_target_pending).
HEAD = ("NOT EXISTS (SELECT 1 FROM outbox e WHERE e.status = 'pending' AND e.kind = o.kind "
        "AND e.target_id = o.target_id AND e.id < o.id)")


def reserve(tokens: float, at: float, now: float, requests: int, rate: float, burst: float) -> tuple[float, float]:
    """A token bucket that lends: the tokens left after taking `requests` (below zero: owed), and the
    seconds to wait before the requests may go. `rate` a second, at most `burst` saved up."""
    left = min(burst, tokens + (now - at) * rate) - requests
    return left, max(0.0, -left / rate)


class Claims(Connection):
    _budget: tuple[float, float] | None = None  # (tokens, at): this process's bucket

    async def claim_outbox(self, claimer: str, limit: int, *, exclude: Sequence[int] = (), lease: float = 60.0,
                           guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        where, args = outbox_scope(guild_id, kind, column="o.")
        rows = await self._all(
            "SELECT o.id, o.kind, o.target_id, o.guild_id, o.feed_id, o.payload, o.attempts, o.tried_at IS NOT NULL "
            f"FROM outbox o WHERE o.status = 'pending' AND o.id NOT IN (SELECT value FROM json_each(?)){where} "
            f"AND {HEAD} ORDER BY o.id LIMIT ?",
            [json.dumps(list(exclude)), *args, limit])
        return [outbox_item_from_row(r) for r in rows]

    async def begin_send(self, outbox_id: int, claimer: str, lease: float = 60.0) -> bool:
        async with self.transaction() as db, db.execute(
                "UPDATE outbox SET tried_at = coalesce(tried_at, ?) WHERE id = ? AND status = 'pending'",
                (utcnow(), outbox_id)) as cur:
            return cur.rowcount == 1

    async def renew_claims(self, claimer: str, lease: float = 60.0) -> int:
        return 0  # no leases: nobody else could take the rows

    async def release_claims(self, claimer: str, unbegun: Sequence[int] = ()) -> int:
        return 0

    async def take_send_budget(self, requests: int, rate: float, burst: float) -> float:
        now = time.monotonic()
        tokens, at = self._budget or (burst, now)
        left, wait = reserve(tokens, at, now, requests, rate, burst)
        self._budget = (left, now)
        return wait

    @asynccontextmanager
    async def outbox_notices(self) -> AsyncIterator[OutboxNotices]:
        # The one process plans and sends: it sends right after planning, nobody else queues.
        yield OutboxNotices(asyncio.Event())
