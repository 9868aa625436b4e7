"""A server's journal club (issue 22 item 7): members propose papers and vote; `/club schedule` picks the
paper with the most votes (the earliest proposed among equals) for a date and a presenter; the presenter is
reminded by DM a day before. Rules only: no discord, no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

REMIND_BEFORE = timedelta(days=1)
SESSION = timedelta(hours=1)  # a scheduled event's length


@dataclass(frozen=True, slots=True)
class ClubPaper:
    guild_id: int
    arxiv_id: str
    proposed_by: int
    proposed_at: str
    votes: int = 0
    presenter_id: int | None = None
    starts_at: datetime | None = None  # set once scheduled
    event_id: int | None = None
    thread_id: int | None = None
    reminded: bool = False

    def state(self, now: datetime) -> str:
        """proposed | scheduled | past"""
        if self.starts_at is None:
            return "proposed"
        return "scheduled" if self.starts_at + SESSION > now else "past"

    def remind(self, now: datetime) -> bool:
        """The presenter's reminder is due: within a day of the start, not sent yet."""
        return (self.starts_at is not None and self.presenter_id is not None and not self.reminded
                and self.starts_at - REMIND_BEFORE <= now < self.starts_at)


def pick(papers: Sequence[ClubPaper]) -> ClubPaper | None:
    """The proposed paper with the most votes, the earliest proposed among equals."""
    waiting = [p for p in papers if p.starts_at is None]
    return min(waiting, key=lambda p: (-p.votes, p.proposed_at, p.arxiv_id), default=None)


def parse_when(text: str, now: datetime) -> datetime | str:
    """"2024-05-10 18:00" (UTC) -> the moment; or why not: "format" or "past"."""
    try:
        when = datetime.strptime(" ".join(text.split()), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    except ValueError:
        return "format"
    return "past" if when <= now else when
