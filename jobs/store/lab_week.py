"""The lab's week in the store (jobs/lab_week.py says what it is): each server's weekly-post setting, the
papers it reacted to most, planning the post through the outbox, and the Discuss thread of each paper in a
server. Part of the signal area; jobs/store/postgres/lab_week.py is the same on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from jobs.lab_week import TOP_PAPERS, WeekPost
from jobs.messages import TopMessage
from jobs.store._connection import Connection
from jobs.store.outbox import enqueue
from jobs.store.rows import TIME_FORMAT

# Most clicks first, then most 👍, then the id: the order jobs/lab_week.py names.
TOP = ("SELECT p.arxiv_id, sum(CASE WHEN f.value = 'up' THEN 1 ELSE 0 END) AS up, "
       "sum(CASE WHEN f.value = 'down' THEN 1 ELSE 0 END) AS down FROM feedback f JOIN papers p ON p.id = f.paper_id "
       "WHERE f.guild_id = ? AND f.at >= ? AND f.value IN ('up', 'down') GROUP BY p.arxiv_id "
       "ORDER BY count(*) DESC, up DESC, p.arxiv_id LIMIT ?")


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime(TIME_FORMAT)


class LabWeek(Connection):
    async def set_week_post(self, guild_id: int, channel_id: int | None, weekday: int = 0, hour: int = 9,
                            last_week: str | None = None) -> None:
        async with self.transaction() as db:
            if channel_id is None:
                await db.execute("DELETE FROM week_posts WHERE guild_id = ?", (guild_id,))
                return
            await db.execute(
                "INSERT INTO week_posts (guild_id, channel_id, weekday, hour, last_week) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, weekday = excluded.weekday, "
                "hour = excluded.hour, last_week = excluded.last_week",
                (guild_id, channel_id, weekday, hour, last_week))

    async def week_posts(self) -> list[WeekPost]:
        rows = await self._all("SELECT guild_id, channel_id, weekday, hour, last_week FROM week_posts "
                               "ORDER BY guild_id")
        return [WeekPost(int(r[0]), int(r[1]), int(r[2]), int(r[3]), r[4]) for r in rows]

    async def top_papers(self, guild_id: int, since: datetime, limit: int = TOP_PAPERS) -> list[tuple[str, int, int]]:
        rows = await self._all(TOP, (guild_id, stamp(since), limit))
        return [(r[0], int(r[1]), int(r[2])) for r in rows]

    async def plan_week_post(self, cycle_id: int, post: WeekPost, message: TopMessage, week: str) -> int:
        async with self.transaction() as db:
            outbox_id = await enqueue(db, cycle_id, "channel", post.channel_id, post.guild_id, None,
                                      message.to_payload())
            await db.execute("UPDATE week_posts SET last_week = ? WHERE guild_id = ?", (week, post.guild_id))
        return outbox_id

    async def record_thread(self, guild_id: int, arxiv_id: str, thread_id: int) -> None:
        async with self.transaction() as db:
            await db.execute("INSERT INTO discuss_threads (guild_id, arxiv_id, thread_id) VALUES (?, ?, ?) "
                             "ON CONFLICT (guild_id, arxiv_id) DO UPDATE SET thread_id = excluded.thread_id",
                             (guild_id, arxiv_id, thread_id))

    async def discuss_threads(self, guild_id: int, arxiv_ids: Sequence[str]) -> dict[str, int]:
        if not arxiv_ids:
            return {}
        marks = ", ".join("?" for _ in arxiv_ids)
        rows = await self._all(f"SELECT arxiv_id, thread_id FROM discuss_threads WHERE guild_id = ? "
                               f"AND arxiv_id IN ({marks})", (guild_id, *arxiv_ids))
        return {r[0]: int(r[1]) for r in rows}
