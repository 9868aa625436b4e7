"""The group's own signal (issue 22): each member's 👍 / 👎 on papers, the papers they saved, and
forgetting a member at once. Feedback and saved papers name papers by arXiv id outside the store and by
row id inside it, so they go with their paper."""

from __future__ import annotations

import json
from datetime import datetime

from jobs.records import Feed, Subscription
from jobs.store._connection import Connection
from jobs.store.lab_week import stamp
from jobs.store.rows import utcnow

FEEDBACK_VALUES = ("up", "down", "hide")


class Signal(Connection):
    async def toggle_feedback(self, user_id: int, arxiv_id: str, value: str, topic: str | None = None,
                              guild_id: int | None = None) -> str | None:
        """A member's click on `value` (up, down, hide) in a server (`guild_id`; None: a DM): set it, replacing
        their other feedback on the paper, or clear it when it was already theirs. The member's feedback on the
        paper now (None: none, or the paper is not stored)."""
        if value not in FEEDBACK_VALUES:
            raise ValueError(f"feedback {value!r}: one of {', '.join(FEEDBACK_VALUES)}")
        async with self.transaction() as db:
            paper_id = await self._one("SELECT id FROM papers WHERE arxiv_id = ?", (arxiv_id,))
            if paper_id is None:
                return None
            had = await self._one("SELECT value FROM feedback WHERE user_id = ? AND paper_id = ?",
                                  (user_id, paper_id))
            if had == value:
                await db.execute("DELETE FROM feedback WHERE user_id = ? AND paper_id = ?", (user_id, paper_id))
                return None
            await db.execute(
                "INSERT INTO feedback (user_id, paper_id, value, topic, at, guild_id) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id, paper_id) DO UPDATE SET value = excluded.value, topic = excluded.topic, "
                "at = excluded.at, guild_id = excluded.guild_id", (user_id, paper_id, value, topic, utcnow(), guild_id))
        return value

    async def feedback_counts(self, arxiv_id: str) -> dict[str, int]:
        """How many members gave each feedback on the paper (never who): {"up": n, "down": m, "hide": k}."""
        rows = await self._all("SELECT f.value, count(*) FROM feedback f JOIN papers p ON p.id = f.paper_id "
                               "WHERE p.arxiv_id = ? GROUP BY f.value", (arxiv_id,))
        return {v: 0 for v in FEEDBACK_VALUES} | {r[0]: int(r[1]) for r in rows}

    async def member_feedback(self, user_id: int) -> dict[str, str]:
        """The member's feedback, arXiv id -> value, oldest first."""
        rows = await self._all("SELECT p.arxiv_id, f.value FROM feedback f JOIN papers p ON p.id = f.paper_id "
                               "WHERE f.user_id = ? ORDER BY f.at, f.paper_id", (user_id,))
        return {r[0]: r[1] for r in rows}

    async def toggle_saved(self, user_id: int, arxiv_id: str) -> bool | None:
        """Save the paper for the member, or unsave it when it was saved: whether it is saved now (None:
        the paper is not stored)."""
        async with self.transaction() as db:
            paper_id = await self._one("SELECT id FROM papers WHERE arxiv_id = ?", (arxiv_id,))
            if paper_id is None:
                return None
            async with db.execute("DELETE FROM saved WHERE user_id = ? AND paper_id = ?", (user_id, paper_id)) as cur:
                if cur.rowcount:
                    return False
            await db.execute("INSERT INTO saved (user_id, paper_id, saved_at) VALUES (?, ?, ?)",
                             (user_id, paper_id, utcnow()))
        return True

    async def saved_papers(self, user_id: int) -> list[str]:
        """The arXiv ids the member saved, the latest saved first."""
        rows = await self._all("SELECT p.arxiv_id FROM saved s JOIN papers p ON p.id = s.paper_id "
                               "WHERE s.user_id = ? ORDER BY s.saved_at DESC, s.paper_id DESC", (user_id,))
        return [r[0] for r in rows]

    async def member_signals(self, user_ids: list[int]) -> dict[int, dict[str, str]]:
        """What each of these members told about papers, for their ranking: arXiv id -> up, down or hide,
        or "saved" for a saved paper they gave no feedback on. Members with nothing are left out."""
        if not user_ids:
            return {}
        wanted = json.dumps(sorted(set(user_ids)))
        rows = await self._all(
            "SELECT s.user_id, p.arxiv_id, 'saved' FROM saved s JOIN papers p ON p.id = s.paper_id "
            "WHERE s.user_id IN (SELECT value FROM json_each(?)) "
            "UNION ALL SELECT f.user_id, p.arxiv_id, f.value FROM feedback f JOIN papers p ON p.id = f.paper_id "
            "WHERE f.user_id IN (SELECT value FROM json_each(?))", (wanted, wanted))
        return _signals(rows)

    async def recent_papers(self, since: str) -> list[str]:
        """The arXiv ids of papers that appeared in a post dated `since` (YYYY-MM-DD) or later, newest post
        date first, each post's order kept."""
        rows = await self._all(
            "SELECT p.arxiv_id, max(a.post_date) AS d, min(a.id) AS first FROM appearances a "
            "JOIN papers p ON p.id = a.paper_id WHERE a.post_date >= ? GROUP BY p.arxiv_id "
            "ORDER BY d DESC, first", (since,))
        return [r[0] for r in rows]

    async def set_subscription_excludes(self, user_id: int, sub_id: int, excludes: list[str]) -> Subscription | None:
        """The words or phrases the member's subscription leaves out from now on ([]: none); None when the
        member has no such subscription."""
        async with self.transaction() as db:
            async with db.execute("UPDATE subscriptions SET excludes = ? WHERE id = ? AND user_id = ?",
                                  (json.dumps(excludes, ensure_ascii=False), sub_id, user_id)) as cur:
                if not cur.rowcount:
                    return None
            return next(s for s in await self.subscriptions(user_id) if s.id == sub_id)  # type: ignore[attr-defined]

    async def set_feed_excludes(self, channel_id: int, topic: str, excludes: list[str]) -> Feed | None:
        """The words or phrases a feed leaves out from its next delivery on ([]: none); None when there is
        no such feed."""
        async with self.transaction() as db:
            async with db.execute("UPDATE feeds SET excludes = ? WHERE channel_id = ? AND topic = ?",
                                  (json.dumps(excludes, ensure_ascii=False), channel_id, topic)) as cur:
                if not cur.rowcount:
                    return None
            feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))  # type: ignore[attr-defined]
            return feeds[0]

    async def set_subscription_regex(self, user_id: int, sub_id: int, regex: str | None) -> Subscription | None:
        """The pattern the member's subscription keeps papers by from now on (None: none); None when the
        member has no such subscription."""
        async with self.transaction() as db:
            async with db.execute("UPDATE subscriptions SET regex = ? WHERE id = ? AND user_id = ?",
                                  (regex, sub_id, user_id)) as cur:
                if not cur.rowcount:
                    return None
            return next(s for s in await self.subscriptions(user_id) if s.id == sub_id)  # type: ignore[attr-defined]

    async def set_feed_filter(self, channel_id: int, topic: str, regex: str | None, min_score: int) -> Feed | None:
        """A feed's regex (None: none) and minimum score (0: none) from its next delivery on; None when there
        is no such feed."""
        async with self.transaction() as db:
            async with db.execute("UPDATE feeds SET regex = ?, min_score = ? WHERE channel_id = ? AND topic = ?",
                                  (regex, min_score, channel_id, topic)) as cur:
                if not cur.rowcount:
                    return None
            feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))  # type: ignore[attr-defined]
            return feeds[0]

    async def record_departure(self, user_id: int, guild_id: int, at: datetime) -> None:
        async with self.transaction() as db:
            await db.execute("INSERT INTO departures (user_id, guild_id, left_at) VALUES (?, ?, ?) "
                             "ON CONFLICT (user_id, guild_id) DO UPDATE SET left_at = excluded.left_at",
                             (user_id, guild_id, stamp(at)))

    async def cancel_departure(self, user_id: int, guild_id: int) -> bool:
        # Every member who joins any server comes here: look first, and take the write lock only for a return.
        if await self._one("SELECT 1 FROM departures WHERE user_id = ? AND guild_id = ?", (user_id, guild_id)) is None:
            return False
        async with self.transaction() as db, db.execute(
                "DELETE FROM departures WHERE user_id = ? AND guild_id = ?", (user_id, guild_id)) as cur:
            return cur.rowcount > 0

    async def sweep_departures(self, before: datetime) -> int:
        """Delete the feedback each member gave in a server they left before `before` (and the departure):
        the feedback rows deleted."""
        async with self.transaction() as db:
            async with db.execute(SWEEP_FEEDBACK, (stamp(before),)) as cur:
                gone = max(0, cur.rowcount)
            await db.execute("DELETE FROM departures WHERE left_at < ?", (stamp(before),))
        return gone

    async def forget_member(self, user_id: int) -> dict[str, int]:
        """Delete everything Paperboy keeps about a member, in one transaction: subscriptions, feedback,
        saved papers, their language, their DM state and their DM deliveries. Rows deleted, by kind."""
        gone: dict[str, int] = {}
        async with self.transaction() as db:
            for kind, sql in FORGET:
                async with db.execute(sql, (user_id,)) as cur:
                    gone[kind] = max(0, cur.rowcount)
        return gone


def _signals(rows: list[tuple[int, str, str]] | list[object]) -> dict[int, dict[str, str]]:
    """(user, arXiv id, value) rows, saved ones first, into member -> paper -> value (feedback wins)."""
    out: dict[int, dict[str, str]] = {}
    for user_id, arxiv_id, value in rows:  # type: ignore[misc]
        out.setdefault(int(user_id), {})[arxiv_id] = value
    return out


SWEEP_FEEDBACK = ("DELETE FROM feedback WHERE EXISTS (SELECT 1 FROM departures d WHERE d.user_id = feedback.user_id "
                  "AND d.guild_id = feedback.guild_id AND d.left_at < ?)")

# What `forget_member` deletes, in order (the same SQL on both engines, ? becoming $1 there).
FORGET: tuple[tuple[str, str], ...] = (
    ("subscriptions", "DELETE FROM subscriptions WHERE user_id = ?"),
    ("feedback", "DELETE FROM feedback WHERE user_id = ?"),
    ("saved", "DELETE FROM saved WHERE user_id = ?"),
    ("language", "DELETE FROM member_languages WHERE user_id = ?"),
    ("dm", "DELETE FROM dm_users WHERE user_id = ?"),
    ("schedule", "DELETE FROM dm_schedules WHERE user_id = ?"),
    ("held", "DELETE FROM dm_held WHERE user_id = ?"),
    ("departures", "DELETE FROM departures WHERE user_id = ?"),
    ("votes", "DELETE FROM club_votes WHERE user_id = ?"),
    ("deliveries", "DELETE FROM delivered WHERE kind = 'dm' AND target_id = ?"),
    ("messages", "DELETE FROM outbox WHERE kind = 'dm' AND target_id = ?"),
)
