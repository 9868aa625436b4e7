"""A server's journal club in the store (jobs/club.py says what it is). Part of the signal area;
jobs/store/postgres/club.py is the same on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jobs.club import ClubPaper
from jobs.messages import ClubMessage
from jobs.store._connection import Connection
from jobs.store.lab_week import stamp
from jobs.store.outbox import enqueue
from jobs.store.rows import TIME_FORMAT

CLUB_SELECT = ("SELECT c.guild_id, c.arxiv_id, c.proposed_by, c.proposed_at, "
               "(SELECT count(*) FROM club_votes v WHERE v.guild_id = c.guild_id AND v.arxiv_id = c.arxiv_id), "
               "c.presenter_id, c.starts_at, c.event_id, c.thread_id, c.reminded FROM club_papers c ")


def club_from_row(r: Any) -> ClubPaper:
    starts = datetime.strptime(r[6], TIME_FORMAT).replace(tzinfo=UTC) if r[6] else None
    return ClubPaper(int(r[0]), r[1], int(r[2]), r[3], int(r[4]), r[5], starts, r[7], r[8], bool(r[9]))


class Club(Connection):
    async def propose_club_paper(self, guild_id: int, arxiv_id: str, user_id: int, at: datetime) -> bool | None:
        async with self.transaction() as db:
            if await self._one("SELECT 1 FROM papers WHERE arxiv_id = ?", (arxiv_id,)) is None:
                return None
            async with db.execute("INSERT INTO club_papers (guild_id, arxiv_id, proposed_by, proposed_at) "
                                  "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                  (guild_id, arxiv_id, user_id, stamp(at))) as cur:
                if not cur.rowcount:
                    return False
            await db.execute("INSERT INTO club_votes (guild_id, arxiv_id, user_id) VALUES (?, ?, ?)",
                             (guild_id, arxiv_id, user_id))
        return True

    async def toggle_club_vote(self, guild_id: int, arxiv_id: str, user_id: int) -> tuple[bool, int] | None:
        async with self.transaction() as db:
            if await self._one("SELECT 1 FROM club_papers WHERE guild_id = ? AND arxiv_id = ?",
                               (guild_id, arxiv_id)) is None:
                return None
            async with db.execute("DELETE FROM club_votes WHERE guild_id = ? AND arxiv_id = ? AND user_id = ?",
                                  (guild_id, arxiv_id, user_id)) as cur:
                voted = not cur.rowcount
            if voted:
                await db.execute("INSERT INTO club_votes (guild_id, arxiv_id, user_id) VALUES (?, ?, ?)",
                                 (guild_id, arxiv_id, user_id))
            count = await self._one("SELECT count(*) FROM club_votes WHERE guild_id = ? AND arxiv_id = ?",
                                    (guild_id, arxiv_id))
        return voted, int(count)

    async def club_papers(self, guild_id: int) -> list[ClubPaper]:
        rows = await self._all(CLUB_SELECT + "WHERE c.guild_id = ? ORDER BY c.proposed_at, c.arxiv_id", (guild_id,))
        return [club_from_row(r) for r in rows]

    async def schedule_club_paper(self, guild_id: int, arxiv_id: str, presenter_id: int, starts_at: datetime,
                                  event_id: int | None, thread_id: int | None) -> None:
        async with self.transaction() as db:
            await db.execute("UPDATE club_papers SET presenter_id = ?, starts_at = ?, event_id = ?, thread_id = ?, "
                             "reminded = 0 WHERE guild_id = ? AND arxiv_id = ?",
                             (presenter_id, stamp(starts_at), event_id, thread_id, guild_id, arxiv_id))

    async def club_reminders(self) -> list[ClubPaper]:
        rows = await self._all(CLUB_SELECT + "WHERE c.starts_at IS NOT NULL AND c.reminded = 0 "
                               "ORDER BY c.starts_at")
        return [club_from_row(r) for r in rows]

    async def plan_club_reminder(self, cycle_id: int, paper: ClubPaper, message: ClubMessage) -> int:
        assert paper.presenter_id is not None
        async with self.transaction() as db:
            outbox_id = await enqueue(db, cycle_id, "dm", paper.presenter_id, None, None, message.to_payload())
            await db.execute("UPDATE club_papers SET reminded = 1 WHERE guild_id = ? AND arxiv_id = ?",
                             (paper.guild_id, paper.arxiv_id))
        return outbox_id
