"""Personal subscriptions, and what we know of each subscriber's DMs."""

from __future__ import annotations

import json

from jobs.records import DmState, Subscription
from jobs.store._connection import Connection
from jobs.store.rows import utcnow
from jobs.subscriptions import refused


class Subscriptions(Connection):
    async def add_subscription(self, user_id: int, kind: str, value: str, folded: str,
                               limit: int) -> tuple[Subscription | None, str]:
        """Returns (subscription, "added" | "duplicate" | "full")."""
        async with self.transaction() as db:
            no = refused(await self.subscriptions(user_id), kind, folded, limit)
            if no is not None:
                return no
            cursor = int(await self._one("SELECT coalesce(max(id), 0) FROM papers") or 0)
            async with db.execute(
                "INSERT INTO subscriptions (user_id, kind, value, folded, paper_cursor, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (user_id, kind, value, folded, cursor, utcnow()),
            ) as cur:
                row = await cur.fetchone()
        assert row is not None
        return Subscription(int(row[0]), user_id, kind, value, folded, cursor), "added"

    async def subscriptions(self, user_id: int | None = None) -> list[Subscription]:
        where, args = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = await self._all(
            f"SELECT id, user_id, kind, value, folded, paper_cursor, excludes, regex FROM subscriptions {where} "
            "ORDER BY user_id, id", args,
        )
        return [Subscription(*r[:6], json.loads(r[6]), r[7]) for r in rows]

    async def remove_subscriptions(self, user_id: int, sub_id: int | None = None) -> list[Subscription]:
        """Remove one subscription of the user (by id), or all of them when `sub_id` is None."""
        async with self.transaction() as db:
            subs = [s for s in await self.subscriptions(user_id) if sub_id is None or s.id == sub_id]
            await db.executemany("DELETE FROM subscriptions WHERE id = ?", [(s.id,) for s in subs])
        return subs

    # ---- DM state ------------------------------------------------------------------------------

    async def dm_state(self, user_id: int) -> DmState:
        rows = await self._all("SELECT dm_channel_id, closed_reason, told FROM dm_users WHERE user_id = ?", (user_id,))
        if not rows:
            return DmState(user_id, None, None, False)
        return DmState(user_id, rows[0][0], rows[0][1], bool(rows[0][2]))

    async def closed_dm_users(self) -> set[int]:
        return {r[0] for r in await self._all("SELECT user_id FROM dm_users WHERE closed_reason IS NOT NULL")}

    async def set_dm_channel(self, user_id: int, channel_id: int) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO dm_users (user_id, dm_channel_id) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id", (user_id, channel_id),
            )

    async def mark_dm_closed(self, user_id: int, reason: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO dm_users (user_id, closed_reason, closed_at, told) VALUES (?, ?, ?, 0) "
                "ON CONFLICT (user_id) DO UPDATE SET closed_reason = excluded.closed_reason, "
                "closed_at = excluded.closed_at, told = 0", (user_id, reason, utcnow()),
            )

    async def reopen_dm(self, user_id: int) -> None:
        """The user was told how to open their DMs: try again from the next cycle."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE dm_users SET closed_reason = NULL, closed_at = NULL, told = 1 WHERE user_id = ?", (user_id,)
            )
