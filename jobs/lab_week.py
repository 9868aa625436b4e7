"""The lab's week (issue 22 item 6): the papers a server reacted to most (👍 / 👎 clicks made in that server),
posted weekly to a channel the server chose (/settings week) and shown on demand by /top. Rules only: no
discord, no SQL.

- The period: the last 7 days (week) or 30 days (month) up to the moment asked.
- The order: most clicks (👍 + 👎) first, then most 👍, then the arXiv id; at most TOP_PAPERS.
- The weekly post is due at `weekday` `hour`:00 UTC; `last_week` (the ISO week it was last planned for) keeps
  it to once a week, so a missed hour (the bot was down) posts at the next check, never twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

TOP_PAPERS = 10
PERIOD_DAYS = {"week": 7, "month": 30}


@dataclass(frozen=True, slots=True)
class WeekPost:
    guild_id: int
    channel_id: int
    weekday: int  # 0 Monday … 6 Sunday
    hour: int  # UTC
    last_week: str | None = None  # ISO week ("2024-W19") last planned

    def slot(self, now: datetime) -> datetime:
        """The latest due moment at or before `now`."""
        slot = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        if slot > now:
            slot -= timedelta(days=1)
        return slot - timedelta(days=(slot.weekday() - self.weekday) % 7)

    def due(self, now: datetime) -> str | None:
        """The ISO week to post for now, or None when this week's post is planned already."""
        year, week, _ = self.slot(now).isocalendar()
        name = f"{year}-W{week:02d}"
        return None if name == self.last_week else name


def since(now: datetime, period: str) -> datetime:
    return now - timedelta(days=PERIOD_DAYS[period])
