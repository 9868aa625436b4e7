"""SignalArea on PostgreSQL (jobs/store/signal.py): members' feedback and saved papers, and forgetting a
member, with the same SQL ($n placeholders)."""

from __future__ import annotations

import json
from datetime import datetime

from jobs.records import Feed, Subscription
from jobs.store.lab_week import stamp
from jobs.store.postgres._connection import PgConnection, affected
from jobs.store.rows import utcnow
from jobs.store.signal import FEEDBACK_VALUES, FORGET, SWEEP_FEEDBACK, _signals


class PgSignal(PgConnection):
    async def toggle_feedback(self, user_id: int, arxiv_id: str, value: str, topic: str | None = None,
                              guild_id: int | None = None) -> str | None:
        if value not in FEEDBACK_VALUES:
            raise ValueError(f"feedback {value!r}: one of {', '.join(FEEDBACK_VALUES)}")
        async with self.transaction() as conn:
            paper_id = await conn.fetchval("SELECT id FROM papers WHERE arxiv_id = $1", arxiv_id)
            if paper_id is None:
                return None
            had = await conn.fetchval("SELECT value FROM feedback WHERE user_id = $1 AND paper_id = $2",
                                      user_id, paper_id)
            if had == value:
                await conn.execute("DELETE FROM feedback WHERE user_id = $1 AND paper_id = $2", user_id, paper_id)
                return None
            await conn.execute(
                "INSERT INTO feedback (user_id, paper_id, value, topic, at, guild_id) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (user_id, paper_id) DO UPDATE SET value = excluded.value, topic = excluded.topic, "
                "at = excluded.at, guild_id = excluded.guild_id", user_id, paper_id, value, topic, utcnow(), guild_id)
        return value

    async def feedback_counts(self, arxiv_id: str) -> dict[str, int]:
        rows = await self._all("SELECT f.value, count(*) FROM feedback f JOIN papers p ON p.id = f.paper_id "
                               "WHERE p.arxiv_id = $1 GROUP BY f.value", arxiv_id)
        return {v: 0 for v in FEEDBACK_VALUES} | {r[0]: int(r[1]) for r in rows}

    async def member_feedback(self, user_id: int) -> dict[str, str]:
        rows = await self._all("SELECT p.arxiv_id, f.value FROM feedback f JOIN papers p ON p.id = f.paper_id "
                               "WHERE f.user_id = $1 ORDER BY f.at, f.paper_id", user_id)
        return {r[0]: r[1] for r in rows}

    async def toggle_saved(self, user_id: int, arxiv_id: str) -> bool | None:
        async with self.transaction() as conn:
            paper_id = await conn.fetchval("SELECT id FROM papers WHERE arxiv_id = $1", arxiv_id)
            if paper_id is None:
                return None
            if affected(await conn.execute("DELETE FROM saved WHERE user_id = $1 AND paper_id = $2",
                                           user_id, paper_id)):
                return False
            await conn.execute("INSERT INTO saved (user_id, paper_id, saved_at) VALUES ($1, $2, $3)",
                               user_id, paper_id, utcnow())
        return True

    async def saved_papers(self, user_id: int) -> list[str]:
        rows = await self._all("SELECT p.arxiv_id FROM saved s JOIN papers p ON p.id = s.paper_id "
                               "WHERE s.user_id = $1 ORDER BY s.saved_at DESC, s.paper_id DESC", user_id)
        return [r[0] for r in rows]

    async def member_signals(self, user_ids: list[int]) -> dict[int, dict[str, str]]:
        if not user_ids:
            return {}
        wanted = sorted(set(user_ids))
        rows = await self._all(
            "SELECT s.user_id, p.arxiv_id, 'saved' FROM saved s JOIN papers p ON p.id = s.paper_id "
            "WHERE s.user_id = ANY($1::bigint[]) "
            "UNION ALL SELECT f.user_id, p.arxiv_id, f.value FROM feedback f JOIN papers p ON p.id = f.paper_id "
            "WHERE f.user_id = ANY($1::bigint[])", wanted)
        return _signals([tuple(r) for r in rows])

    async def recent_papers(self, since: str) -> list[str]:
        rows = await self._all(
            "SELECT p.arxiv_id, max(a.post_date) AS d, min(a.id) AS first FROM appearances a "
            "JOIN papers p ON p.id = a.paper_id WHERE a.post_date >= $1 GROUP BY p.arxiv_id "
            "ORDER BY d DESC, first", since)
        return [r[0] for r in rows]

    async def set_subscription_excludes(self, user_id: int, sub_id: int, excludes: list[str]) -> Subscription | None:
        async with self.transaction() as conn:
            if not affected(await conn.execute("UPDATE subscriptions SET excludes = $1 WHERE id = $2 AND user_id = $3",
                                               json.dumps(excludes, ensure_ascii=False), sub_id, user_id)):
                return None
            return next(s for s in await self.subscriptions(user_id) if s.id == sub_id)  # type: ignore[attr-defined]

    async def set_feed_excludes(self, channel_id: int, topic: str, excludes: list[str]) -> Feed | None:
        async with self.transaction() as conn:
            if not affected(await conn.execute("UPDATE feeds SET excludes = $1 WHERE channel_id = $2 AND topic = $3",
                                               json.dumps(excludes, ensure_ascii=False), channel_id, topic)):
                return None
            return (await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic))[0]  # type: ignore[attr-defined]

    async def set_subscription_regex(self, user_id: int, sub_id: int, regex: str | None) -> Subscription | None:
        async with self.transaction() as conn:
            if not affected(await conn.execute("UPDATE subscriptions SET regex = $1 WHERE id = $2 AND user_id = $3",
                                               regex, sub_id, user_id)):
                return None
            return next(s for s in await self.subscriptions(user_id) if s.id == sub_id)  # type: ignore[attr-defined]

    async def set_feed_filter(self, channel_id: int, topic: str, regex: str | None, min_score: int) -> Feed | None:
        async with self.transaction() as conn:
            if not affected(await conn.execute(
                    "UPDATE feeds SET regex = $1, min_score = $2 WHERE channel_id = $3 AND topic = $4",
                    regex, min_score, channel_id, topic)):
                return None
            return (await self._feed_where("channel_id = $1 AND topic = $2", channel_id, topic))[0]  # type: ignore[attr-defined]

    async def record_departure(self, user_id: int, guild_id: int, at: datetime) -> None:
        async with self.transaction() as conn:
            await conn.execute("INSERT INTO departures (user_id, guild_id, left_at) VALUES ($1, $2, $3) "
                               "ON CONFLICT (user_id, guild_id) DO UPDATE SET left_at = excluded.left_at",
                               user_id, guild_id, stamp(at))

    async def cancel_departure(self, user_id: int, guild_id: int) -> bool:
        # Every member who joins any server comes here: look first, and take the write lock only for a return.
        if await self._one("SELECT 1 FROM departures WHERE user_id = $1 AND guild_id = $2", user_id, guild_id) is None:
            return False
        async with self.transaction() as conn:
            return affected(await conn.execute("DELETE FROM departures WHERE user_id = $1 AND guild_id = $2",
                                               user_id, guild_id)) > 0

    async def sweep_departures(self, before: datetime) -> int:
        async with self.transaction() as conn:
            gone = affected(await conn.execute(SWEEP_FEEDBACK.replace("?", "$1"), stamp(before)))
            await conn.execute("DELETE FROM departures WHERE left_at < $1", stamp(before))
        return gone

    async def forget_member(self, user_id: int) -> dict[str, int]:
        gone: dict[str, int] = {}
        async with self.transaction() as conn:
            for kind, sql in FORGET:
                gone[kind] = affected(await conn.execute(sql.replace("?", "$1"), user_id))
        return gone
