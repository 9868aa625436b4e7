"""Members' DM schedules (jobs/dm_schedule.py says what they mean) and the papers held for them until their
hour, their week or their return. Part of the signal area; jobs/store/postgres/dm_schedule.py is the same
on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from jobs.dm_schedule import DmSchedule
from jobs.records import HeldPaper
from jobs.store._connection import Connection
from jobs.store.rows import TIME_FORMAT

SCHEDULE_COLUMNS = "user_id, hour, timezone, frequency, weekday, paused, away_from, away_until, catchup"
HELD_SELECT = ("SELECT h.user_id, h.paper_id, p.arxiv_id, h.label, h.topic, h.date, h.held_at FROM dm_held h "
               "JOIN papers p ON p.id = h.paper_id ORDER BY h.user_id, h.paper_id")


def schedule_from_row(r: Any) -> DmSchedule:
    return DmSchedule(int(r[0]), r[1], r[2], r[3], int(r[4]), bool(r[5]), r[6], r[7], int(r[8]))


def schedule_row(s: DmSchedule) -> tuple[Any, ...]:
    return (s.user_id, s.hour, s.timezone, s.frequency, s.weekday, int(s.paused), s.away_from, s.away_until,
            s.catchup)


def held_from_rows(rows: Sequence[Any]) -> dict[int, list[HeldPaper]]:
    out: dict[int, list[HeldPaper]] = {}
    for r in rows:
        at = datetime.strptime(r[6], TIME_FORMAT).replace(tzinfo=UTC)
        out.setdefault(int(r[0]), []).append(HeldPaper(int(r[1]), r[2], r[3], r[4], r[5], at))
    return out


UPSERT = (f"INSERT INTO dm_schedules ({SCHEDULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (user_id) DO UPDATE SET hour = excluded.hour, timezone = excluded.timezone, "
          "frequency = excluded.frequency, weekday = excluded.weekday, paused = excluded.paused, "
          "away_from = excluded.away_from, away_until = excluded.away_until, catchup = excluded.catchup")
HOLD = ("INSERT INTO dm_held (user_id, paper_id, label, topic, date, held_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id, paper_id) DO NOTHING")


class DmSchedules(Connection):
    async def dm_schedule(self, user_id: int) -> DmSchedule:
        rows = await self._all(f"SELECT {SCHEDULE_COLUMNS} FROM dm_schedules WHERE user_id = ?", (user_id,))
        return schedule_from_row(rows[0]) if rows else DmSchedule(user_id)

    async def dm_schedules(self) -> dict[int, DmSchedule]:
        rows = await self._all(f"SELECT {SCHEDULE_COLUMNS} FROM dm_schedules")
        return {int(r[0]): schedule_from_row(r) for r in rows}

    async def set_dm_schedule(self, schedule: DmSchedule) -> None:
        async with self.transaction() as db:
            await db.execute(UPSERT, schedule_row(schedule))

    async def hold_dms(self, rows: Sequence[tuple[int, int, str, str, str]], at: datetime) -> int:
        if not rows:
            return 0
        stamp = at.astimezone(UTC).strftime(TIME_FORMAT)
        async with self.transaction() as db:
            cur = await db.executemany(HOLD, [(*row, stamp) for row in rows])
            return max(0, cur.rowcount)

    async def held_dms(self) -> dict[int, list[HeldPaper]]:
        return held_from_rows(await self._all(HELD_SELECT))

    async def drop_held(self, user_ids: Sequence[int]) -> int:
        if not user_ids:
            return 0
        async with self.transaction() as db:
            cur = await db.executemany("DELETE FROM dm_held WHERE user_id = ?", [(u,) for u in user_ids])
            return max(0, cur.rowcount)
