"""Senders claiming the outbox on PostgreSQL (issue 18): any number of senders on one database, each row sent
by one of them, each target's rows in order, the bot's request budget shared.

- A claim takes, oldest first, the first pending row of each target (no earlier pending row of the same target:
  a target's next row is claimable only once the one before it is sent or given up) whose lease is free or
  expired, with `FOR UPDATE SKIP LOCKED` (two senders claiming at once take different rows), and leases it to
  the claimer until `lease_until` (the server's clock, seconds since the epoch).
- `begin_send` commits, before each try, that the row may reach Discord (tried_at) and renews its lease; it
  fails when the row is no longer the claimer's. A sender renews its leases while it runs; one that dies stops,
  and after its leases run out another sender claims its rows; a row tried before is looked for on Discord by
  its marker before it is posted again (bot/delivery/sender.py).
- The budget is a token bucket in one row (send_budget): every sender reserves its requests there, so together
  they never go past the rate, whatever their number.
- A plan's commit wakes the senders: the outbox's insert trigger NOTIFYs paperboy_outbox (migration 0005).
Claims, leases and the budget lock only their own rows, so they skip the writer lock (transaction(serial=False)).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from jobs.records import OutboxItem, OutboxNotices
from jobs.store.postgres._connection import CONNECT_TIMEOUT_S, PgConnection, affected, connect_problem
from jobs.store.rows import outbox_item_from_row, outbox_scope, utcnow

log = logging.getLogger(__name__)

CHANNEL = "paperboy_outbox"  # the NOTIFY channel of migration 0005's trigger
BUDGET = "bot"  # one bucket: the bot token's
NOW = "extract(epoch FROM clock_timestamp())::float8"


class PgClaims(PgConnection):
    async def claim_outbox(self, claimer: str, limit: int, *, exclude: Sequence[int] = (), lease: float = 60.0,
                           guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        args: list[Any] = [claimer, lease, limit, list(exclude)]
        where, scope = outbox_scope(guild_id, kind, column="o.", start=len(args) + 1)
        args += scope
        async with self.transaction(serial=False) as conn:
            rows = await conn.fetch(
                f"WITH heads AS (SELECT o.id FROM outbox o WHERE o.status = 'pending' "
                f"AND (o.lease_until IS NULL OR o.lease_until < {NOW}) AND NOT (o.id = ANY($4::bigint[])){where} "
                # the target's first pending row, as a lookup per row: an anti-join planned on a fresh plan's
                # rows (no statistics yet) compared every pending row with every other, seconds a claim
                "AND o.id = (SELECT min(e.id) FROM outbox e WHERE e.status = 'pending' AND e.kind = o.kind "
                "AND e.target_id = o.target_id) "
                "ORDER BY o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED) "
                f"UPDATE outbox SET claimed_by = $1, lease_until = {NOW} + $2 FROM heads WHERE outbox.id = heads.id "
                "RETURNING outbox.id, kind, target_id, guild_id, feed_id, payload, attempts, tried_at IS NOT NULL",
                *args)
        items = [outbox_item_from_row(r) for r in rows]
        return sorted(items, key=lambda i: i.id)

    async def begin_send(self, outbox_id: int, claimer: str, lease: float = 60.0) -> bool:
        async with self.transaction(serial=False) as conn:
            return affected(await conn.execute(
                f"UPDATE outbox SET tried_at = coalesce(tried_at, $1), lease_until = {NOW} + $2 "
                "WHERE id = $3 AND claimed_by = $4 AND status = 'pending'",
                utcnow(), lease, outbox_id, claimer)) == 1

    async def renew_claims(self, claimer: str, lease: float = 60.0) -> int:
        async with self.transaction(serial=False) as conn:
            return affected(await conn.execute(
                f"UPDATE outbox SET lease_until = {NOW} + $1 WHERE claimed_by = $2 AND status = 'pending'",
                lease, claimer))

    async def release_claims(self, claimer: str) -> int:
        async with self.transaction(serial=False) as conn:
            return affected(await conn.execute(
                "UPDATE outbox SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = $1 AND status = 'pending'",
                claimer))

    async def take_send_budget(self, requests: int, rate: float, burst: float) -> float:
        async with self.transaction(serial=False) as conn:
            left = float(await conn.fetchval(
                f"INSERT INTO send_budget (name, tokens, at) VALUES ($1, $4::float8 - $2, {NOW}) "
                "ON CONFLICT (name) DO UPDATE SET "
                f"tokens = least($4::float8, send_budget.tokens + ({NOW} - send_budget.at) * $3) - $2, at = {NOW} "
                "RETURNING tokens", BUDGET, float(requests), rate, burst))
        return max(0.0, -left / rate)

    @asynccontextmanager
    async def outbox_notices(self) -> AsyncIterator[OutboxNotices]:
        """A connection of its own LISTENs; a lost one sets `lost` (and the event: the sender looks, then
        listens again)."""
        notices = OutboxNotices(asyncio.Event())
        try:
            conn = await asyncpg.connect(self.url.url, timeout=CONNECT_TIMEOUT_S)
        except Exception as exc:
            if connect_problem(exc, self.url) is None:
                raise
            notices.lost = connect_problem(exc, self.url)
            notices.event.set()
            yield notices
            return

        def queued(*_: object) -> None:
            notices.event.set()

        def ended(*_: object) -> None:
            notices.lost = "the listening connection ended"
            notices.event.set()

        conn.add_termination_listener(ended)
        try:
            await conn.add_listener(CHANNEL, queued)
            yield notices
        finally:
            with contextlib.suppress(OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresError):
                await conn.close(timeout=CONNECT_TIMEOUT_S)
            if not conn.is_closed():
                conn.terminate()
