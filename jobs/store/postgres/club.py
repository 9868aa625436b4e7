"""The journal club on PostgreSQL (jobs/store/club.py), the same SQL with $n."""

from __future__ import annotations

from datetime import datetime

from jobs.club import ClubPaper
from jobs.messages import ClubMessage
from jobs.store.club import CLUB_SELECT, club_from_row
from jobs.store.lab_week import stamp
from jobs.store.postgres._connection import PgConnection, affected
from jobs.store.postgres.feeds import enqueue


class PgClub(PgConnection):
    async def propose_club_paper(self, guild_id: int, arxiv_id: str, user_id: int, at: datetime) -> bool | None:
        async with self.transaction() as conn:
            if await conn.fetchval("SELECT 1 FROM papers WHERE arxiv_id = $1", arxiv_id) is None:
                return None
            if not affected(await conn.execute(
                    "INSERT INTO club_papers (guild_id, arxiv_id, proposed_by, proposed_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT DO NOTHING", guild_id, arxiv_id, user_id, stamp(at))):
                return False
            await conn.execute("INSERT INTO club_votes (guild_id, arxiv_id, user_id) VALUES ($1, $2, $3)",
                               guild_id, arxiv_id, user_id)
        return True

    async def toggle_club_vote(self, guild_id: int, arxiv_id: str, user_id: int) -> tuple[bool, int] | None:
        async with self.transaction() as conn:
            if await conn.fetchval("SELECT 1 FROM club_papers WHERE guild_id = $1 AND arxiv_id = $2",
                                   guild_id, arxiv_id) is None:
                return None
            voted = not affected(await conn.execute(
                "DELETE FROM club_votes WHERE guild_id = $1 AND arxiv_id = $2 AND user_id = $3",
                guild_id, arxiv_id, user_id))
            if voted:
                await conn.execute("INSERT INTO club_votes (guild_id, arxiv_id, user_id) VALUES ($1, $2, $3)",
                                   guild_id, arxiv_id, user_id)
            count = await conn.fetchval("SELECT count(*) FROM club_votes WHERE guild_id = $1 AND arxiv_id = $2",
                                        guild_id, arxiv_id)
        return voted, int(count)

    async def club_papers(self, guild_id: int) -> list[ClubPaper]:
        rows = await self._all(CLUB_SELECT + "WHERE c.guild_id = $1 ORDER BY c.proposed_at, c.arxiv_id", guild_id)
        return [club_from_row(r) for r in rows]

    async def schedule_club_paper(self, guild_id: int, arxiv_id: str, presenter_id: int, starts_at: datetime,
                                  event_id: int | None, thread_id: int | None) -> None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE club_papers SET presenter_id = $1, starts_at = $2, event_id = $3, "
                               "thread_id = $4, reminded = 0 WHERE guild_id = $5 AND arxiv_id = $6",
                               presenter_id, stamp(starts_at), event_id, thread_id, guild_id, arxiv_id)

    async def club_reminders(self) -> list[ClubPaper]:
        rows = await self._all(CLUB_SELECT + "WHERE c.starts_at IS NOT NULL AND c.reminded = 0 ORDER BY c.starts_at")
        return [club_from_row(r) for r in rows]

    async def plan_club_reminder(self, cycle_id: int, paper: ClubPaper, message: ClubMessage) -> int:
        assert paper.presenter_id is not None
        async with self.transaction() as conn:
            outbox_id = await enqueue(conn, cycle_id, "dm", paper.presenter_id, None, None, message.to_payload())
            await conn.execute("UPDATE club_papers SET reminded = 1 WHERE guild_id = $1 AND arxiv_id = $2",
                               paper.guild_id, paper.arxiv_id)
        return outbox_id
