"""The areas implemented on PostgreSQL so far, each the counterpart of a SQLite part (jobs/store/*.py),
with the same SQL where the two dialects agree ($n placeholders instead of ?)."""

from __future__ import annotations

import json
from pathlib import Path

from jobs.records import DmState, Subscription
from jobs.store.errors import StoreUnavailable
from jobs.store.postgres import migrate
from jobs.store.postgres._connection import PgConnection
from jobs.store.rows import utcnow
from jobs.subscriptions import refused


class PgMeta(PgConnection):
    """MetaArea (jobs/store/meta.py, and the store's upkeep)."""

    async def get_meta(self, key: str) -> str | None:
        return await self._one("SELECT value FROM meta WHERE key = $1", key)

    async def set_meta(self, key: str, value: str) -> None:
        async with self.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ($1, $2) "
                               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)

    async def schema_version(self) -> int:
        return await self._pooled(migrate.schema_version)

    async def backup(self, dest: str | Path) -> int:
        # A file copy is SQLite's; a server has its own tools, which also copy while the bot writes.
        raise StoreUnavailable(f"{self.url.key} {self.url.shown}: `backup` copies a SQLite file; back up a "
                               f"PostgreSQL database with pg_dump (pg_dump -Fc -f {dest} DBNAME)")


class PgSettings(PgConnection):
    """SettingsArea (jobs/store/languages.py and the alert channels of jobs/store/watch.py)."""

    async def guild_language(self, guild_id: int) -> str | None:
        return await self._one("SELECT language FROM guild_languages WHERE guild_id = $1", guild_id)

    async def set_guild_language(self, guild_id: int, language: str, set_by: int | None) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_languages (guild_id, language, set_by, set_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (guild_id) DO UPDATE SET language = excluded.language, set_by = excluded.set_by, "
                "set_at = excluded.set_at", guild_id, language, set_by, utcnow())

    async def member_language(self, user_id: int) -> str | None:
        return await self._one("SELECT language FROM member_languages WHERE user_id = $1", user_id)

    async def member_languages(self) -> dict[int, str]:
        return {int(r[0]): r[1] for r in await self._all("SELECT user_id, language FROM member_languages")}

    async def set_member_language(self, user_id: int, language: str) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO member_languages (user_id, language, set_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, set_at = excluded.set_at",
                user_id, language, utcnow())

    async def set_alert_channel(self, guild_id: int, channel_id: int | None, set_by: int | None = None) -> None:
        async with self.transaction() as conn:
            if channel_id is None:
                await conn.execute("DELETE FROM alert_channels WHERE guild_id = $1", guild_id)
            else:
                await conn.execute(
                    "INSERT INTO alert_channels (guild_id, channel_id, set_by, set_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                    "set_by = excluded.set_by, set_at = excluded.set_at", guild_id, channel_id, set_by, utcnow())

    async def alert_channel(self, guild_id: int) -> int | None:
        value = await self._one("SELECT channel_id FROM alert_channels WHERE guild_id = $1", guild_id)
        return int(value) if value is not None else None


class PgSubscriptions(PgConnection):
    """SubscriptionsArea (jobs/store/subscriptions.py)."""

    async def add_subscription(self, user_id: int, kind: str, value: str, folded: str,
                               limit: int) -> tuple[Subscription | None, str]:
        async with self.transaction() as conn:
            no = refused(await self.subscriptions(user_id), kind, folded, limit)
            if no is not None:
                return no
            cursor = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM papers") or 0)
            sub_id = await conn.fetchval(
                "INSERT INTO subscriptions (user_id, kind, value, folded, paper_cursor, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", user_id, kind, value, folded, cursor, utcnow())
        return Subscription(int(sub_id), user_id, kind, value, folded, cursor), "added"

    async def subscriptions(self, user_id: int | None = None) -> list[Subscription]:
        where, args = ("WHERE user_id = $1", (user_id,)) if user_id is not None else ("", ())
        rows = await self._all(
            f"SELECT id, user_id, kind, value, folded, paper_cursor, excludes, regex FROM subscriptions {where} "
            "ORDER BY user_id, id", *args)
        return [Subscription(*r[:6], json.loads(r[6]), r[7]) for r in rows]

    async def remove_subscriptions(self, user_id: int, sub_id: int | None = None) -> list[Subscription]:
        async with self.transaction() as conn:
            subs = [s for s in await self.subscriptions(user_id) if sub_id is None or s.id == sub_id]
            await conn.executemany("DELETE FROM subscriptions WHERE id = $1", [(s.id,) for s in subs])
        return subs

    async def dm_state(self, user_id: int) -> DmState:
        rows = await self._all("SELECT dm_channel_id, closed_reason, told FROM dm_users WHERE user_id = $1", user_id)
        if not rows:
            return DmState(user_id, None, None, False)
        return DmState(user_id, rows[0][0], rows[0][1], bool(rows[0][2]))

    async def closed_dm_users(self) -> set[int]:
        return {r[0] for r in await self._all("SELECT user_id FROM dm_users WHERE closed_reason IS NOT NULL")}

    async def set_dm_channel(self, user_id: int, channel_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute("INSERT INTO dm_users (user_id, dm_channel_id) VALUES ($1, $2) "
                               "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id",
                               user_id, channel_id)

    async def mark_dm_closed(self, user_id: int, reason: str) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO dm_users (user_id, closed_reason, closed_at, told) VALUES ($1, $2, $3, 0) "
                "ON CONFLICT (user_id) DO UPDATE SET closed_reason = excluded.closed_reason, "
                "closed_at = excluded.closed_at, told = 0", user_id, reason, utcnow())

    async def reopen_dm(self, user_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE dm_users SET closed_reason = NULL, closed_at = NULL, told = 1 "
                               "WHERE user_id = $1", user_id)
