"""Senders claiming the outbox on PostgreSQL (issue 18): any number of senders on one database, each row sent
by one of them, each target's rows in order, the bot's request budget shared.

- A claim takes, oldest first, the first pending row of each target (no earlier pending row of the same target:
  a target's next row is claimable only once the one before it is sent or given up) whose lease is free or
  expired, with `FOR UPDATE SKIP LOCKED` (two senders claiming at once take different rows), and leases it to
  the claimer until `lease_until` (the server's clock, seconds since the epoch).
- A claim marks its rows tried (tried_at) in its own commit, which is durable (it waits for the WAL flush), and
  says which were tried before it: a row claimed before may have reached Discord, and is looked for on
  Discord by its marker before it is posted again (bot/delivery/sender.py).
- `begin_send` checks, before each try, that the row is still the claimer's; it fails when another sender
  took the row (the claimer stalled past its lease). For a row claimed a moment ago this process knows
  it without asking (fresh_claims.py); otherwise it renews the lease with a commit that does not wait for
  the WAL flush. A round trip and a flush a message were most of a sender's time: see `begin_send` for
  why both are safe.
  A sender renews its leases while it runs; one that dies stops, and after its leases run out another
  sender claims its rows, tried.
- A sender that stops gives back what it claimed and never began (`release_claims`), untried again.
- The budget is a token bucket in one row (send_budget): every sender reserves its requests there, so together
  they never go past the rate, whatever their number.
- A plan's commit wakes the senders: the outbox's insert trigger NOTIFYs paperboy_outbox (migration 0005).
Claims, leases and the budget lock only their own rows, so they skip the writer lock (transaction(serial=False)).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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
        args: list[Any] = [claimer, lease, limit, list(exclude), utcnow()]
        where, scope = outbox_scope(guild_id, kind, column="o.", start=len(args) + 1)
        args += scope
        asked_at, own = time.monotonic(), self._own() is None  # nested, the commit is the caller's, later
        async with self.transaction(serial=False) as conn:
            # The pending rows walked in id order (outbox_pending), stopping at `limit`. On a plan just
            # committed (no statistics yet) the planner took every pending row of the kind by
            # outbox_target_pending and sorted them, for each claim of 20: 18-40 ms a claim at 9,000 rows.
            await conn.execute("SET LOCAL enable_sort TO off")
            rows = await conn.fetch(
                f"WITH heads AS (SELECT o.id, o.tried_at IS NOT NULL AS tried FROM outbox o "
                f"WHERE o.status = 'pending' AND (o.lease_until IS NULL OR o.lease_until < {NOW}) "
                f"AND NOT (o.id = ANY($4::bigint[])){where} "
                # the target's first pending row, as a lookup per row: an anti-join planned on a fresh plan's
                # rows (no statistics yet) compared every pending row with every other, seconds a claim
                "AND o.id = (SELECT min(e.id) FROM outbox e WHERE e.status = 'pending' AND e.kind = o.kind "
                "AND e.target_id = o.target_id) "
                "ORDER BY o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED) "
                f"UPDATE outbox SET claimed_by = $1, lease_until = {NOW} + $2, tried_at = coalesce(tried_at, $5) "
                "FROM heads WHERE outbox.id = heads.id "
                "RETURNING outbox.id, kind, target_id, guild_id, feed_id, payload, attempts, heads.tried",
                *args)
        items = [outbox_item_from_row(r) for r in rows]
        if own:  # committed, durably
            self.fresh_claims.claimed(claimer, [i.id for i in items], asked_at, lease)
        return sorted(items, key=lambda i: i.id)

    async def begin_send(self, outbox_id: int, claimer: str, lease: float = 60.0) -> bool:
        """Exactly once holds with no round trip for a row this process claimed a moment ago, and with a
        commit that does not wait for the disk (durable=False) for the others:
        - The tried mark that makes a later claimer look on Discord before posting was committed durably by
          this claimer's claim, before any send: nothing written here is needed after a crash.
        - "Still mine": a row claimed by this process less than FRESH of its lease ago (fresh_claims.py) is
          its claimer's for 5/6 of a lease more, certainly: the claim's lease is durable, and no other sender
          takes a row before its lease runs out. A send starts within moments; a sender that stalled past
          that asks the database, as every row did before.
        - Asked, the answer needs visibility, not durability: the commit is visible to every transaction at
          once and the row is locked while it runs, so a sender that stalled past its lease either renews
          it here before another claims the row (which then skips it) or finds the row claimed by the other
          and sends nothing. A server crash that loses this commit loses only the renewal: the lease falls
          back to the last durable one, and a claimer after it looks by marker.
        What it gives up: a pending row deleted meanwhile (its feed removed, its member forgotten) may still
        be sent within those moments, as a row deleted while its send was on the way to Discord always could.
        The tried_at written here covers rows claimed by a Paperboy from before claims marked them."""
        if self.fresh_claims.take(claimer, outbox_id, lease):
            return True
        async with self.transaction(serial=False, durable=False) as conn:
            return affected(await conn.execute(
                f"UPDATE outbox SET tried_at = coalesce(tried_at, $1), lease_until = {NOW} + $2 "
                "WHERE id = $3 AND claimed_by = $4 AND status = 'pending'",
                utcnow(), lease, outbox_id, claimer)) == 1

    async def renew_claims(self, claimer: str, lease: float = 60.0) -> int:
        asked_at = time.monotonic()
        async with self.transaction(serial=False) as conn:
            rows = await conn.fetch(
                f"UPDATE outbox SET lease_until = {NOW} + $1 WHERE claimed_by = $2 AND status = 'pending' RETURNING id",
                lease, claimer)
        self.fresh_claims.renewed(claimer, [r[0] for r in rows], asked_at, lease)
        return len(rows)

    async def release_claims(self, claimer: str, unbegun: Sequence[int] = ()) -> int:
        # `unbegun`: the claimer's word that it never began these (and they were untried when it claimed
        # them), so nobody tried them: their claim's tried mark goes (a sender's memory, which a server
        # crash does not touch; the database alone could not tell them from a try whose begin_send was lost).
        self.fresh_claims.forget(claimer=claimer)
        async with self.transaction(serial=False) as conn:
            return affected(await conn.execute(
                "UPDATE outbox SET claimed_by = NULL, lease_until = NULL, "
                "tried_at = CASE WHEN id = ANY($2::bigint[]) THEN NULL ELSE tried_at END "
                "WHERE claimed_by = $1 AND status = 'pending'",
                claimer, list(unbegun)))

    async def take_send_budget(self, requests: int, rate: float, burst: float) -> float:
        # Not durable: a server crash may forget the last reservations (the bucket a little fuller), which
        # costs at most a burst; waiting for the disk cost a flush every five requests.
        async with self.transaction(serial=False, durable=False) as conn:
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
