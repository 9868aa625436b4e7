"""Papers released by a message Discord refused twice (issue 19): the release itself, what waits to be planned
again, and what /status says about it (the rules: jobs/plan/released.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jobs.messages import message_from_payload
from jobs.records import Refusal, Release, ReleasedPaper, papers_shown
from jobs.store.outbox import Outbox
from jobs.store.rows import TIME_FORMAT, utcnow

# The waiting releases of one kind (and more, by `{where}`), each with whether its paper reached the target since.
WAITING = ("SELECT r.id, r.target_id, r.paper_id, p.arxiv_id, r.label, r.topic, r.post_date, EXISTS (SELECT 1 "
           "FROM delivered d WHERE d.kind = r.kind AND d.target_id = r.target_id AND d.paper_id = r.paper_id) "
           "FROM released r JOIN papers p ON p.id = r.paper_id WHERE r.state = 'waiting' AND r.kind = ?{where} "
           "ORDER BY r.id")


def released_paper(r: Any) -> ReleasedPaper:
    return ReleasedPaper(int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5], r[6], bool(r[7]))


def release_rows(row: Any, outbox_id: int, papers: Sequence[Any], reason: str) -> list[tuple[Any, ...]]:
    """The released table's rows for a refused outbox row (kind, target_id, guild_id, feed_id, payload) and its
    papers (paper id, arXiv id, released before): a paper released before for the target is given up."""
    shown = papers_shown(message_from_payload(json.loads(row[4])))
    now = utcnow()
    return [(row[0], row[1], row[2], row[3], paper_id, outbox_id, *shown.get(arxiv_id, ("", "", "")), reason, now,
             "given_up" if before else "waiting") for paper_id, arxiv_id, before in papers]


def refusal(r: Any) -> Refusal:
    return Refusal(r[0], int(r[1]), r[2], int(r[3]), int(r[4]), int(r[5]))


class Released(Outbox):
    """The outbox's refused rows and their papers (FeedsArea)."""

    async def release_refused(self, outbox_id: int, reason: str) -> Release:
        """Give up an outbox row Discord refused twice (failed, final, `reason`) and release its papers for its
        target: no longer counted as delivered there, recorded as waiting to be planned again; a paper released
        there once before stays delivered and is recorded as given up. All in one transaction."""
        async with self.transaction() as db:
            row = next(iter(await db.execute_fetchall(
                "SELECT kind, target_id, guild_id, feed_id, payload, cycle_id FROM outbox WHERE id = ?", (outbox_id,))))
            await self.mark_failed([outbox_id], reason, final=True)
            papers = list(await db.execute_fetchall(
                "SELECT d.paper_id, p.arxiv_id, EXISTS (SELECT 1 FROM released r WHERE r.kind = d.kind "
                "AND r.target_id = d.target_id AND r.paper_id = d.paper_id) FROM delivered d "
                "JOIN papers p ON p.id = d.paper_id WHERE d.kind = ? AND d.target_id = ? AND d.outbox_id = ? "
                "ORDER BY d.paper_id", (row[0], row[1], outbox_id)))
            rows = release_rows(row, outbox_id, papers, reason)
            await db.executemany(
                "INSERT INTO released (kind, target_id, guild_id, feed_id, paper_id, outbox_id, label, topic, "
                "post_date, reason, released_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            freed = [(row[0], row[1], r[4]) for r in rows if r[-1] == "waiting"]
            await db.executemany("DELETE FROM delivered WHERE kind = ? AND target_id = ? AND paper_id = ?", freed)
        return Release(int(row[5]), len(freed), len(rows) - len(freed))

    async def released_dms(self) -> list[ReleasedPaper]:
        """The papers released for members' DMs and waiting to be planned again, in release order."""
        return [released_paper(r) for r in await self._all(WAITING.format(where=""), ("dm",))]

    async def settle_released(self, ids: Sequence[int]) -> None:
        """These releases are planned again (or their papers reached the target another way)."""
        async with self.transaction() as db:
            await db.executemany("UPDATE released SET state = 'planned' WHERE id = ?", [(i,) for i in ids])

    async def refusals(self, since: datetime) -> list[Refusal]:
        """Messages refused twice since then, by target and reason, the latest first."""
        rows = await self._all(
            "SELECT kind, target_id, reason, count(DISTINCT outbox_id), "
            "sum(CASE WHEN state = 'given_up' THEN 0 ELSE 1 END), sum(CASE WHEN state = 'given_up' THEN 1 ELSE 0 END) "
            "FROM released WHERE released_at >= ? GROUP BY kind, target_id, reason ORDER BY max(released_at) DESC",
            (since.strftime(TIME_FORMAT),))
        return [refusal(r) for r in rows]
