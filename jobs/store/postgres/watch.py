"""WatchArea on PostgreSQL (jobs/store/watch.py): each source's health and watch state, and alert
messages into the outbox (the alert channels themselves are SettingsArea: areas.py)."""

from __future__ import annotations

from datetime import date

from jobs.messages import AlertMessage
from jobs.records import SourceHealth
from jobs.store.postgres._connection import PgConnection
from jobs.store.postgres.feeds import enqueue
from jobs.store.rows import iso_days
from jobs.store.watch import POST_DAYS, _time


class PgWatch(PgConnection):
    """WatchArea (jobs/store/watch.py)."""

    async def source_health(self) -> list[SourceHealth]:
        rows = await self._all(
            "SELECT s.name, s.last_ok_at, (SELECT max(post_date) FROM posts p WHERE p.source_id = s.id), "
            "s.failures, s.last_error, s.watch FROM sources s ORDER BY s.name")
        return [SourceHealth(r[0], _time(r[1]), r[2], int(r[3]), r[4], r[5]) for r in rows]

    async def source_post_days(self, name: str) -> list[date]:
        rows = await self._all(
            "SELECT DISTINCT p.post_date FROM posts p JOIN sources s ON s.id = p.source_id "
            "WHERE s.name = $1 AND p.post_date IS NOT NULL AND p.post_date != '' ORDER BY p.post_date DESC LIMIT $2",
            name, POST_DAYS)
        return iso_days(rows)

    async def watch_state(self, name: str) -> str | None:
        return await self._one("SELECT watch FROM sources WHERE name = $1", name)

    async def set_watch_state(self, name: str, state: str) -> None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE sources SET watch = $1 WHERE name = $2", state, name)

    async def plan_alerts(self, cycle_id: int, alert: AlertMessage) -> int:
        """One outbox row per server with an alert channel, in one transaction; how many."""
        async with self.transaction() as conn:
            rows = await conn.fetch("SELECT guild_id, channel_id FROM alert_channels ORDER BY guild_id")
            for guild_id, channel_id in rows:
                await enqueue(conn, cycle_id, "channel", int(channel_id), int(guild_id), None, alert.to_payload())
        return len(rows)

    async def plan_guild_alert(self, cycle_id: int, guild_id: int, alert: AlertMessage) -> int:
        async with self.transaction() as conn:
            channel = await conn.fetchval("SELECT channel_id FROM alert_channels WHERE guild_id = $1", guild_id)
            if channel is None:
                return 0
            return await enqueue(conn, cycle_id, "channel", int(channel), guild_id, None, alert.to_payload())

    async def alert_channels(self) -> list[tuple[int, int]]:
        """Every server's alert channel: (guild_id, channel_id), by server."""
        rows = await self._all("SELECT guild_id, channel_id FROM alert_channels ORDER BY guild_id")
        return [(int(g), int(c)) for g, c in rows]

    async def check_integrity(self, *, full: bool = False) -> list[str]:
        """The server keeps its own pages sound (checksums, WAL): there is no file here to check. What can be
        checked is that every table answers; [] when they do, else what failed."""
        problems = []
        for table in ("papers", "appearances", "outbox", "delivered", "subscriptions", "feeds"):
            try:
                await self._one(f"SELECT 1 FROM {table} LIMIT 1")
            except Exception as exc:  # a broken table is what this reports
                problems.append(f"{table}: {exc}")
        return problems
