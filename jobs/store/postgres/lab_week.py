"""The lab's week on PostgreSQL (jobs/store/lab_week.py), the same SQL with $n."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobs.lab_week import TOP_PAPERS, WeekPost
from jobs.messages import TopMessage
from jobs.store.lab_week import TOP, stamp
from jobs.store.postgres._connection import PgConnection
from jobs.store.postgres.feeds import enqueue


class PgLabWeek(PgConnection):
    async def set_week_post(self, guild_id: int, channel_id: int | None, weekday: int = 0, hour: int = 9,
                            last_week: str | None = None) -> None:
        async with self.transaction() as conn:
            if channel_id is None:
                await conn.execute("DELETE FROM week_posts WHERE guild_id = $1", guild_id)
                return
            await conn.execute(
                "INSERT INTO week_posts (guild_id, channel_id, weekday, hour, last_week) VALUES ($1, $2, $3, $4, $5) "
                "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, weekday = excluded.weekday, "
                "hour = excluded.hour, last_week = excluded.last_week", guild_id, channel_id, weekday, hour, last_week)

    async def week_posts(self) -> list[WeekPost]:
        rows = await self._all("SELECT guild_id, channel_id, weekday, hour, last_week FROM week_posts "
                               "ORDER BY guild_id")
        return [WeekPost(int(r[0]), int(r[1]), int(r[2]), int(r[3]), r[4]) for r in rows]

    async def top_papers(self, guild_id: int, since: datetime, limit: int = TOP_PAPERS) -> list[tuple[str, int, int]]:
        rows = await self._all(TOP.replace("?", "${}").format(1, 2, 3), guild_id, stamp(since), limit)
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    async def plan_week_post(self, cycle_id: int, post: WeekPost, message: TopMessage, week: str) -> int:
        async with self.transaction() as conn:
            outbox_id = await enqueue(conn, cycle_id, "channel", post.channel_id, post.guild_id, None,
                                      message.to_payload())
            await conn.execute("UPDATE week_posts SET last_week = $1 WHERE guild_id = $2", week, post.guild_id)
        return outbox_id

    async def record_thread(self, guild_id: int, arxiv_id: str, thread_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute("INSERT INTO discuss_threads (guild_id, arxiv_id, thread_id) VALUES ($1, $2, $3) "
                               "ON CONFLICT (guild_id, arxiv_id) DO UPDATE SET thread_id = excluded.thread_id",
                               guild_id, arxiv_id, thread_id)

    async def discuss_threads(self, guild_id: int, arxiv_ids: Sequence[str]) -> dict[str, int]:
        if not arxiv_ids:
            return {}
        rows = await self._all("SELECT arxiv_id, thread_id FROM discuss_threads WHERE guild_id = $1 "
                               "AND arxiv_id = ANY($2::text[])", guild_id, list(arxiv_ids))
        return {r[0]: int(r[1]) for r in rows}
