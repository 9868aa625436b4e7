"""What the watchdog and the operator read and keep: each source's health and watch state, the
servers' alert channels, alert messages into the outbox, and a consistent copy of the whole file."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jobs.messages import AlertMessage
from jobs.records import SourceHealth
from jobs.store._connection import Connection
from jobs.store.errors import DatabaseDamaged
from jobs.store.outbox import enqueue
from jobs.store.rows import TIME_FORMAT, iso_days, utcnow

# The posting days a rhythm is learnt from: enough for jobs/ops/watchdog.py's window with room to spare.
POST_DAYS = 120
# Problems an integrity check lists at most: the first says enough, and the check stops early.
CHECK_PROBLEMS = 10


def _time(text: str | None) -> datetime | None:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC) if text else None


class Watch(Connection):
    async def source_health(self) -> list[SourceHealth]:
        rows = await self._all(
            "SELECT s.name, s.last_ok_at, (SELECT max(post_date) FROM posts p WHERE p.source_id = s.id), "
            "s.failures, s.last_error, s.watch FROM sources s ORDER BY s.name"
        )
        return [SourceHealth(r[0], _time(r[1]), r[2], int(r[3]), r[4], r[5]) for r in rows]

    async def source_post_days(self, name: str) -> list[date]:
        """The distinct dates of the source's posts (the dates the posts carry), newest last."""
        rows = await self._all(
            "SELECT DISTINCT p.post_date FROM posts p JOIN sources s ON s.id = p.source_id "
            "WHERE s.name = ? AND p.post_date IS NOT NULL AND p.post_date != '' ORDER BY p.post_date DESC LIMIT ?",
            (name, POST_DAYS),
        )
        return iso_days(rows)

    async def watch_state(self, name: str) -> str | None:
        return await self._one("SELECT watch FROM sources WHERE name = ?", (name,))

    async def set_watch_state(self, name: str, state: str) -> None:
        async with self.transaction() as db:
            await db.execute("UPDATE sources SET watch = ? WHERE name = ?", (state, name))

    # ---- alert channels ------------------------------------------------------------------------

    async def set_alert_channel(self, guild_id: int, channel_id: int | None, set_by: int | None = None) -> None:
        """Where a server's watchdog alerts go; None turns them off."""
        async with self.transaction() as db:
            if channel_id is None:
                await db.execute("DELETE FROM alert_channels WHERE guild_id = ?", (guild_id,))
            else:
                await db.execute(
                    "INSERT INTO alert_channels (guild_id, channel_id, set_by, set_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
                    "set_by = excluded.set_by, set_at = excluded.set_at",
                    (guild_id, channel_id, set_by, utcnow()),
                )

    async def alert_channel(self, guild_id: int) -> int | None:
        value = await self._one("SELECT channel_id FROM alert_channels WHERE guild_id = ?", (guild_id,))
        return int(value) if value is not None else None

    async def alert_channels(self) -> list[tuple[int, int]]:
        """Every server's alert channel: (guild_id, channel_id), by server."""
        rows = await self._all("SELECT guild_id, channel_id FROM alert_channels ORDER BY guild_id")
        return [(int(g), int(c)) for g, c in rows]

    async def plan_alerts(self, cycle_id: int, alert: AlertMessage) -> int:
        """One outbox row per server with an alert channel, in one transaction; how many."""
        async with self.transaction() as db:
            rows = await db.execute_fetchall("SELECT guild_id, channel_id FROM alert_channels ORDER BY guild_id")
            for guild_id, channel_id in rows:
                await enqueue(db, cycle_id, "channel", int(channel_id), int(guild_id), None, alert.to_payload())
        return len(list(rows))

    async def plan_guild_alert(self, cycle_id: int, guild_id: int, alert: AlertMessage) -> int:
        """One outbox row for the server's alert channel; its id (0: the server has none)."""
        async with self.transaction() as db:
            channel = await self._one("SELECT channel_id FROM alert_channels WHERE guild_id = ?", (guild_id,))
            if channel is None:
                return 0
            return await enqueue(db, cycle_id, "channel", int(channel), guild_id, None, alert.to_payload())

    # ---- integrity and backup ------------------------------------------------------------------

    async def check_integrity(self, *, full: bool = False) -> list[str]:
        """SQLite's own check of the file, on the read connection (writers go on): [] when it is sound,
        else the problems it found. `PRAGMA quick_check` reads every page once and skips comparing
        indexes with their tables (seconds on a large file); `full` runs integrity_check, which does."""
        pragma = "integrity_check" if full else "quick_check"
        try:
            rows = await self._all(f"PRAGMA {pragma}({CHECK_PROBLEMS})")
        except sqlite3.DatabaseError as exc:  # damage bad enough that the check itself cannot run
            return [str(exc)]
        return _problems(rows)


    async def backup(self, dest: str | Path) -> int:
        """A consistent copy of the database at `dest` (replaced if it exists), made with SQLite's
        backup API from the read connection: one step, one snapshot, while writers go on (WAL).
        Written beside `dest` and renamed, so `dest` is never half a copy. Returns the page count."""
        dest = Path(dest)
        partial = dest.with_name(dest.name + ".partial")
        partial.unlink(missing_ok=True)
        target = sqlite3.connect(partial)
        try:
            await self.reader.backup(target)
            pages = int(target.execute("PRAGMA page_count").fetchone()[0])
            try:  # a copy is only worth keeping when it is sound: SQLite copies damaged pages as they are
                problems = _problems(target.execute(f"PRAGMA quick_check({CHECK_PROBLEMS})").fetchall())
            except sqlite3.DatabaseError as exc:
                problems = [str(exc)]
        finally:
            target.close()
        if problems:
            partial.unlink(missing_ok=True)
            raise DatabaseDamaged(problems)
        os.replace(partial, dest)
        return pages


def _problems(rows: list[Any]) -> list[str]:
    """quick_check's answer ("ok", or rows of problems, some holding several lines) as a list."""
    found = [line.strip() for (text,) in rows for line in str(text).splitlines()]
    found = [line for line in found if line and line != "*** in database main ***"]
    return [] if found == ["ok"] else found
