"""The released papers of messages Discord refused twice, on PostgreSQL (jobs/store/released.py: the same
release, in one transaction with the row's final mark)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobs.records import Refusal, Release, ReleasedPaper
from jobs.store.postgres.bridge import numbered
from jobs.store.postgres.feeds import PgFeeds
from jobs.store.released import WAITING, refusal, release_rows, released_paper
from jobs.store.rows import TIME_FORMAT


class PgReleased(PgFeeds):
    """FeedsArea's releases (jobs/store/released.py)."""

    async def release_refused(self, outbox_id: int, reason: str) -> Release:
        async with self.transaction() as conn:
            row = await conn.fetchrow(
                "SELECT kind, target_id, guild_id, feed_id, payload, cycle_id FROM outbox WHERE id = $1", outbox_id)
            assert row is not None
            await self.mark_failed([outbox_id], reason, final=True)
            papers = await conn.fetch(
                "SELECT d.paper_id, p.arxiv_id, EXISTS (SELECT 1 FROM released r WHERE r.kind = d.kind "
                "AND r.target_id = d.target_id AND r.paper_id = d.paper_id) FROM delivered d "
                "JOIN papers p ON p.id = d.paper_id WHERE d.kind = $1 AND d.target_id = $2 AND d.outbox_id = $3 "
                "ORDER BY d.paper_id", row[0], row[1], outbox_id)
            rows = release_rows(row, outbox_id, papers, reason)
            await conn.executemany(
                "INSERT INTO released (kind, target_id, guild_id, feed_id, paper_id, outbox_id, label, topic, "
                "post_date, reason, released_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                rows)
            freed = [(row[0], row[1], r[4]) for r in rows if r[-1] == "waiting"]
            await conn.executemany("DELETE FROM delivered WHERE kind = $1 AND target_id = $2 AND paper_id = $3", freed)
        return Release(int(row[5]), len(freed), len(rows) - len(freed))

    async def released_dms(self) -> list[ReleasedPaper]:
        return [released_paper(r) for r in await self._all(numbered(WAITING.format(where="")), "dm")]

    async def settle_released(self, ids: Sequence[int]) -> None:
        async with self.transaction() as conn:
            await conn.execute("UPDATE released SET state = 'planned' WHERE id = ANY($1::bigint[])", list(ids))

    async def refusals(self, since: datetime) -> list[Refusal]:
        rows = await self._all(
            "SELECT kind, target_id, reason, count(DISTINCT outbox_id), "
            "sum(CASE WHEN state = 'given_up' THEN 0 ELSE 1 END), sum(CASE WHEN state = 'given_up' THEN 1 ELSE 0 END) "
            "FROM released WHERE released_at >= $1 GROUP BY kind, target_id, reason ORDER BY max(released_at) DESC",
            since.strftime(TIME_FORMAT))
        return [refusal(r) for r in rows]
