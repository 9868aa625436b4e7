"""Members' DM schedules and held papers on PostgreSQL (jobs/store/dm_schedule.py), the same SQL with $n."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from jobs.dm_schedule import DmSchedule
from jobs.records import HeldPaper
from jobs.store.dm_schedule import (
    HELD_SELECT,
    SCHEDULE_COLUMNS,
    UPSERT,
    held_from_rows,
    schedule_from_row,
    schedule_row,
)
from jobs.store.postgres._connection import PgConnection, affected
from jobs.store.postgres.bridge import numbered
from jobs.store.rows import TIME_FORMAT


class PgDmSchedules(PgConnection):
    async def dm_schedule(self, user_id: int) -> DmSchedule:
        rows = await self._all(f"SELECT {SCHEDULE_COLUMNS} FROM dm_schedules WHERE user_id = $1", user_id)
        return schedule_from_row(rows[0]) if rows else DmSchedule(user_id)

    async def dm_schedules(self) -> dict[int, DmSchedule]:
        rows = await self._all(f"SELECT {SCHEDULE_COLUMNS} FROM dm_schedules")
        return {int(r[0]): schedule_from_row(r) for r in rows}

    async def set_dm_schedule(self, schedule: DmSchedule) -> None:
        async with self.transaction() as conn:
            await conn.execute(numbered(UPSERT), *schedule_row(schedule))

    async def hold_dms(self, rows: Sequence[tuple[int, int, str, str, str]], at: datetime) -> int:
        if not rows:
            return 0
        stamp = at.astimezone(UTC).strftime(TIME_FORMAT)
        users, papers, labels, topics, dates = (list(c) for c in zip(*rows, strict=True))
        async with self.transaction() as conn:  # one statement for the lot
            return affected(await conn.execute(
                "INSERT INTO dm_held (user_id, paper_id, label, topic, date, held_at) "
                "SELECT u, p, l, t, d, $6 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], "
                "$5::text[]) AS r(u, p, l, t, d) ON CONFLICT (user_id, paper_id) DO NOTHING",
                users, papers, labels, topics, dates, stamp))

    async def held_dms(self) -> dict[int, list[HeldPaper]]:
        return held_from_rows(await self._all(HELD_SELECT))

    async def drop_held(self, user_ids: Sequence[int]) -> int:
        if not user_ids:
            return 0
        async with self.transaction() as conn:
            return affected(await conn.execute("DELETE FROM dm_held WHERE user_id = ANY($1::bigint[])",
                                               sorted(set(user_ids))))
