"""The records the store hands out and takes in: plain data, no SQL (that is `jobs.store`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from jobs.messages import CardMessage, DayMessage, DigestMessage, DirectMessage, OutboxMessage, message_from_payload
from jobs.models import Paper

ALL_TOPICS = "all"  # a feed's topic that takes every topic
FEED_STYLES = ("digest", "cards")  # one paged message per topic and day | one message per paper


@dataclass(slots=True)
class PostState:
    version: str
    etag: str | None
    last_modified: str | None
    status: str


@dataclass(slots=True)
class PostOutcome:
    new_papers: int
    appearances: int


@dataclass(slots=True)
class Feed:
    id: int
    guild_id: int
    channel_id: int
    topic: str  # a topic, or ALL_TOPICS
    keywords: list[str]
    cursor: int | None  # the last appearance id this feed has considered; None: never delivered
    paused_reason: str | None
    created_at: str
    style: str = "cards"  # one of FEED_STYLES
    excludes: list[str] = field(default_factory=list)  # papers mentioning one of these are left out
    regex: str | None = None  # only papers this pattern finds (jobs/regex_filter.py)
    min_score: int = 0  # only papers scoring at least this (jobs/plan/rank.py day_score)


class Scope(Enum):
    """Which appearances a feed's plan reads (the rule that picks one: `jobs.plan.feeds.scope`)."""

    SINCE_CURSOR = "since cursor"  # appearances after the feed's cursor
    NEWEST_POST = "newest post"  # the newest post of the feed's topic
    NEWEST_DATE = "newest date"  # every appearance on the newest date (feed of all topics)


@dataclass(slots=True)
class FeedPlan:
    feed: Feed
    papers: list[Paper]
    more: int  # wanted but over the per-cycle limit
    again: int = 0  # papers released by a refused message, planned again as cards (jobs/plan/released.py)


@dataclass(slots=True)
class OutboxItem:
    id: int
    kind: str  # channel | dm
    target_id: int
    guild_id: int | None
    feed_id: int | None
    payload: dict[str, Any]  # as the outbox column keeps it; read it through `message`
    attempts: int
    tried: bool = False  # a send was started (mark_trying): it may have reached Discord

    @property
    def message(self) -> OutboxMessage:
        """The row's typed message (jobs/messages.py); PayloadError names a payload of no known shape."""
        return message_from_payload(self.payload)


@dataclass(slots=True)
class OutboxNotices:
    """What a sender waits on between rounds (ClaimsArea.outbox_notices): `event` is set when messages were
    queued (PostgreSQL's NOTIFY after a plan commits); `lost` says why the listening stopped (then poll)."""

    event: Any  # an asyncio.Event: records stay free of asyncio imports at module level
    lost: str | None = None


@dataclass(slots=True)
class Subscription:
    id: int
    user_id: int
    kind: str  # topic | keyword | author
    value: str
    folded: str  # case- and accent-folded value, for duplicates and matching
    paper_cursor: int  # only papers with a larger id are for this subscription
    excludes: list[str] = field(default_factory=list)  # papers mentioning one of these are left out
    regex: str | None = None  # only papers this pattern finds (jobs/regex_filter.py)

    def label(self) -> str:
        return f"{self.kind}: {self.value}"


@dataclass(slots=True)
class DmMessage:
    """One DM to send: papers as (paper id, arxiv id, matched label). One paper is a card under a header
    line (`content`); more are a member's day, paged, grouped under each subscription (`groups`: label and
    count, in order)."""

    content: str
    papers: list[tuple[int, str, str]]
    shown: dict[str, list[str]] = field(default_factory=dict)  # arxiv id -> [topic, date] the card shows
    groups: list[tuple[str, int]] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)  # arxiv id -> the liked paper's title it ranks by
    missed: int = 0  # a catch-up after being away: how many papers matched meanwhile (these are the best)

    def payload(self) -> dict[str, Any]:
        if len(self.papers) > 1:
            ids = [p[1] for p in self.papers]
            return PagedDay("dm", ids, groups=self.groups or [(p[2], 1) for p in self.papers],
                            shown={i: self.shown[i] for i in ids if i in self.shown},
                            why={i: self.why[i] for i in ids if i in self.why}, missed=self.missed).payload()
        return {"content": self.content, "papers": [p[1] for p in self.papers],
                "matched": {p[1]: p[2] for p in self.papers},
                "shown": {p[1]: self.shown[p[1]] for p in self.papers if p[1] in self.shown}}


@dataclass(slots=True)
class PagedDay:
    """The outbox payload of a day shown as one paged message: a feed's topic-day (`digest`) or a member's
    day of matches (`dm`). Written by the planners (jobs.plan.feeds, the DM fan-out), read by bot/ui."""

    kind: str  # digest | dm
    papers: list[str]  # arXiv ids, in the order shown (ranked when planned)
    topic: str = ""
    date: str = ""
    feed_topic: str = ""
    keywords: list[str] = field(default_factory=list)  # the feed's, for why a paper is ranked where it is
    groups: list[tuple[str, int]] = field(default_factory=list)  # dm: each subscription's label and count
    shown: dict[str, list[str]] = field(default_factory=dict)  # dm: arxiv id -> [topic, date] its card shows
    why: dict[str, str] = field(default_factory=dict)  # dm: arxiv id -> the liked paper it ranks by (title)
    missed: int = 0  # dm: a catch-up after being away: how many papers matched meanwhile

    def message(self) -> DigestMessage | DayMessage:
        if self.kind == "digest":
            return DigestMessage(self.feed_topic, self.topic, self.date, self.papers, self.keywords)
        return DayMessage(self.papers, self.groups, self.shown, self.why, self.missed)

    def payload(self) -> dict[str, Any]:
        return self.message().to_payload()

    @classmethod
    def of(cls, message: OutboxMessage) -> PagedDay | None:
        """The day an outbox message pages through; None for a message of another kind."""
        if isinstance(message, DigestMessage):
            d = message
            return cls("digest", d.papers, d.topic, d.date, d.feed_topic, d.keywords or [])
        if isinstance(message, DayMessage):
            m = message
            return cls("dm", m.papers, groups=m.groups, shown=m.shown, why=m.why, missed=m.missed)
        return None

    def labelled(self, paper: Paper) -> Paper:
        """The paper labelled as this day lists it: the digest's topic and date, or the topic a DM matched."""
        if self.kind == "digest" and self.topic:
            return replace(paper, topic=self.topic, date=self.date or paper.date)
        topic, date = self.shown.get(paper.arxiv_id, [paper.topic, paper.date])
        return replace(paper, topic=topic or paper.topic, date=date or paper.date)


@dataclass(frozen=True, slots=True)
class HeldPaper:
    """A paper matched for a member and held until their DM is due (jobs/dm_schedule.py)."""

    paper_id: int
    arxiv_id: str
    label: str  # the subscription that matched it
    topic: str  # the topic and post date its card shows
    date: str
    held_at: datetime


@dataclass(slots=True)
class DmState:
    user_id: int
    dm_channel_id: int | None
    closed_reason: str | None
    told: bool


@dataclass(slots=True)
class TopicInfo:
    topic: str
    papers: int
    latest: str


@dataclass(slots=True)
class SearchHit:
    paper: Paper  # with the topic and date of its latest appearance that matches the filters
    rank: float  # bm25: lower is better; 0.0 when not ranked (id lookup, filters only)


@dataclass(slots=True)
class SourceHealth:
    """A source as the watchdog and /status see it."""

    name: str
    last_success: datetime | None
    last_post: str | None  # the newest post's date, YYYY-MM-DD
    failures: int  # failed runs in a row
    last_error: str | None
    watch: str | None  # the watchdog's state, JSON (jobs/ops/watchdog.py WatchState)


def papers_shown(message: OutboxMessage) -> dict[str, tuple[str, str, str]]:
    """Each paper of an outbox message as it showed it: arXiv id -> (the subscription that matched it, topic,
    post date), "" where the message does not say."""
    day = PagedDay.of(message)
    if day is not None:
        labels = [label for label, n in day.groups for _ in range(n)]
        return {a: (labels[i] if i < len(labels) else "",
                    *((day.topic, day.date) if day.kind == "digest" else tuple(day.shown.get(a, ("", "")))))
                for i, a in enumerate(day.papers)}
    if isinstance(message, CardMessage | DirectMessage):
        shown = message.shown or {}
        matched = message.matched if isinstance(message, DirectMessage) else {}
        return {a: (matched.get(a, ""), *tuple(shown.get(a, ("", "")))) for a in message.papers}
    return {}


@dataclass(frozen=True, slots=True)
class Release:
    """What giving up a message Discord refused twice did to its papers (FeedsArea.release_refused)."""

    cycle_id: int  # the refused message's
    released: int  # no longer counted as delivered: the next plan offers them again
    given_up: int  # released once before for the same target: they stay delivered, for good

    @property
    def papers(self) -> int:
        return self.released + self.given_up


@dataclass(frozen=True, slots=True)
class ReleasedPaper:
    """A paper released for a target and waiting to be planned again (FeedsArea.released_dms)."""

    id: int
    target_id: int
    paper_id: int
    arxiv_id: str
    label: str  # the subscription that matched it (a DM's)
    topic: str  # the appearance its card showed
    date: str
    delivered: bool  # delivered to the target since (another feed, a later day): nothing left to plan


@dataclass(frozen=True, slots=True)
class Refusal:
    """Messages Discord refused twice, to one target for one reason, for /status."""

    kind: str  # channel | dm
    target_id: int
    reason: str
    messages: int
    released: int  # papers released to be posted again
    given_up: int  # papers refused a second time, given up for good
