"""Typed outbox messages: one dataclass per kind of row the outbox holds, each with `to_payload()` (the
JSON dict the outbox column keeps) and `from_payload()` (that dict back), losslessly for every shape
written today and by older Paperboys.

Kinds, by the key that tells them apart:
- `HeaderMessage` {"header": {...}}: a card feed's day, before its cards (older rows lack shown/more);
- `CardMessage` {"papers": [id], "shown": {...}}: one paper of a card feed (older rows lack shown);
- `DigestMessage` {"digest": {...}}: a digest feed's topic and day as one paged message;
- `DayMessage` {"dm": {...}}: a member's day of matches as one paged DM, grouped under each subscription;
- `DirectMessage` {"content", "papers", "matched", "shown"}: one paper matched to a member's subscriptions
  (older Paperboys wrote up to ten a message);
- `AlertMessage` {"alert": {...}}: a watchdog event for a server's alert channel;
- `TopMessage` {"top": {...}}: the papers a server reacted to most in a week, for its weekly post;
- `ClubMessage` {"club": {...}}: a journal-club presenter's reminder, by DM, the day before;
- `FooterMessage` {"footer": {...}}: rows planned by a Paperboy before headers counted what was left out;
  read, never written any more.
A forum post is not a kind of its own: a feed in a forum channel gets card or digest rows, and the
target decides that each becomes a thread (its marker comes from the row id, not the payload).

The days (DigestMessage, DayMessage) are written and read through `jobs.records.PagedDay`; the other kinds'
planners write typed messages (jobs/plan/feeds.py, jobs/plan/alerts.py; DMs through jobs.records.DmMessage);
the readers (bot/delivery, bot/ui) take `OutboxItem.message`, which `message_from_payload` makes: the one
place a payload is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PayloadError(ValueError):
    """An outbox payload of no known shape; the message names the keys found."""


def _keys(payload: dict[str, Any], required: set[str], optional: set[str], what: str) -> None:
    missing, unknown = required - payload.keys(), payload.keys() - required - optional
    if missing or unknown:
        parts = [f"missing {sorted(missing)}" if missing else "", f"unknown {sorted(unknown)}" if unknown else ""]
        raise PayloadError(f"{what} payload: {'; '.join(p for p in parts if p)} (has {sorted(payload)})")


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that were there: None stands for a key older rows did not write."""
    return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True, slots=True)
class HeaderMessage:
    feed_topic: str
    count: int  # papers wanted this cycle: shown + more
    topics: list[str]
    dates: list[str]
    shown: int | None = None
    more: int | None = None

    def to_payload(self) -> dict[str, Any]:
        return {"header": _present(feed_topic=self.feed_topic, count=self.count, shown=self.shown, more=self.more,
                                   topics=self.topics, dates=self.dates)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> HeaderMessage:
        _keys(payload, {"header"}, set(), "header")
        h = payload["header"]
        _keys(h, {"feed_topic", "count", "topics", "dates"}, {"shown", "more"}, "header")
        return cls(feed_topic=h["feed_topic"], count=h["count"], topics=list(h["topics"]), dates=list(h["dates"]),
                   shown=h.get("shown"), more=h.get("more"))


@dataclass(frozen=True, slots=True)
class CardMessage:
    papers: list[str]  # arXiv ids (one today)
    shown: dict[str, list[str]] | None = None  # arXiv id -> [topic, post date] the card shows

    def to_payload(self) -> dict[str, Any]:
        return _present(papers=self.papers, shown=self.shown)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> CardMessage:
        _keys(payload, {"papers"}, {"shown"}, "card")
        return cls(papers=list(payload["papers"]), shown=payload.get("shown"))


@dataclass(frozen=True, slots=True)
class DigestMessage:
    feed_topic: str
    topic: str
    date: str
    papers: list[str]  # arXiv ids, in the order the digest lists them (ranked since keywords were kept)
    keywords: list[str] | None = None  # the feed's, for why a paper ranks where it does; older rows lack it

    def to_payload(self) -> dict[str, Any]:
        return {"digest": _present(feed_topic=self.feed_topic, topic=self.topic, date=self.date,
                                   papers=self.papers, keywords=self.keywords)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DigestMessage:
        _keys(payload, {"digest"}, set(), "digest")
        d = payload["digest"]
        _keys(d, {"feed_topic", "topic", "date", "papers"}, {"keywords"}, "digest")
        return cls(feed_topic=d["feed_topic"], topic=d["topic"], date=d["date"], papers=list(d["papers"]),
                   keywords=list(d["keywords"]) if "keywords" in d else None)


@dataclass(frozen=True, slots=True)
class DayMessage:
    papers: list[str]  # arXiv ids: each group's in turn, ranked within it
    groups: list[tuple[str, int]]  # each subscription's label ("topic: 3DGS") and how many papers it has
    shown: dict[str, list[str]]  # arXiv id -> [topic, post date] its card shows
    why: dict[str, str] = field(default_factory=dict)  # arXiv id -> the liked paper's title it ranks by
    missed: int = 0  # a catch-up after being away: papers matched meanwhile (the day holds the best of them)

    def to_payload(self) -> dict[str, Any]:
        day: dict[str, Any] = {"papers": self.papers, "groups": [[label, n] for label, n in self.groups],
                               "shown": self.shown}
        if self.why:  # only a member with a ranking of their own has it
            day["why"] = self.why
        if self.missed:  # only a catch-up has it
            day["missed"] = self.missed
        return {"dm": day}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DayMessage:
        _keys(payload, {"dm"}, set(), "DM day")
        d = payload["dm"]
        _keys(d, {"papers", "groups", "shown"}, {"why", "missed"}, "DM day")
        return cls(papers=list(d["papers"]), groups=[(str(g), int(n)) for g, n in d["groups"]],
                   shown=dict(d["shown"]), why={str(k): str(v) for k, v in (d.get("why") or {}).items()},
                   missed=int(d.get("missed", 0)))


@dataclass(frozen=True, slots=True)
class DirectMessage:
    content: str  # the line above the cards ("" for none)
    papers: list[str]
    matched: dict[str, str]  # arXiv id -> the subscription that matched it
    shown: dict[str, list[str]]

    def to_payload(self) -> dict[str, Any]:
        return {"content": self.content, "papers": self.papers, "matched": self.matched, "shown": self.shown}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> DirectMessage:
        _keys(payload, {"content", "papers", "matched", "shown"}, set(), "DM")
        return cls(content=payload["content"], papers=list(payload["papers"]), matched=dict(payload["matched"]),
                   shown=dict(payload["shown"]))


@dataclass(frozen=True, slots=True)
class AlertMessage:
    event: str  # "alert" | "caught_up" | "refused" (a message Discord refused twice: jobs/plan/released.py)
    source: str  # a paper source; refused: the channel the message was for, as a mention
    text: str  # in English; the parts below let each server read it in its own language
    cause: str | None = None  # alert: "failed" | "late"
    reason: str | None = None  # alert, refused
    papers: int | None = None  # caught up; refused: papers released to be posted again
    since: str | None = None  # caught up: when the alert began
    given_up: int | None = None  # refused: papers refused a second time, given up for good

    def to_payload(self) -> dict[str, Any]:
        return {"alert": _present(event=self.event, source=self.source, text=self.text, cause=self.cause,
                                  reason=self.reason, papers=self.papers, since=self.since, given_up=self.given_up)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> AlertMessage:
        _keys(payload, {"alert"}, set(), "alert")
        a = payload["alert"]
        _keys(a, {"event", "source", "text"}, {"cause", "reason", "papers", "since", "given_up"}, "alert")
        return cls(event=a["event"], source=a["source"], text=a["text"], cause=a.get("cause"),
                   reason=a.get("reason"), papers=a.get("papers"), since=a.get("since"), given_up=a.get("given_up"))


@dataclass(frozen=True, slots=True)
class FooterMessage:
    feed_topic: str
    count: int
    more: int
    shown: int
    latest: str

    def to_payload(self) -> dict[str, Any]:
        return {"footer": {"feed_topic": self.feed_topic, "count": self.count, "more": self.more,
                           "shown": self.shown, "latest": self.latest}}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> FooterMessage:
        _keys(payload, {"footer"}, set(), "footer")
        f = payload["footer"]
        _keys(f, {"feed_topic", "count", "more", "shown", "latest"}, set(), "footer")
        return cls(**f)


@dataclass(frozen=True, slots=True)
class TopMessage:
    """The papers a server reacted to most over a period (jobs/lab_week.py), for its weekly post."""

    period: str  # week | month
    since: str  # YYYY-MM-DD
    until: str
    papers: list[tuple[str, int, int, int]]  # (arXiv id, 👍, 👎, its Discuss thread's id or 0), most first

    def to_payload(self) -> dict[str, Any]:
        return {"top": {"period": self.period, "since": self.since, "until": self.until,
                        "papers": [list(p) for p in self.papers]}}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> TopMessage:
        _keys(payload, {"top"}, set(), "top")
        d = payload["top"]
        _keys(d, {"period", "since", "until", "papers"}, set(), "top")
        return cls(d["period"], d["since"], d["until"],
                   [(str(a), int(u), int(n), int(th)) for a, u, n, th in d["papers"]])


@dataclass(frozen=True, slots=True)
class ClubMessage:
    """A journal-club presenter's reminder, the day before (jobs/club.py), by DM."""

    guild_id: int
    arxiv_id: str
    starts_at: str  # "YYYY-MM-DD HH:MM" UTC
    thread_id: int  # 0: none

    def to_payload(self) -> dict[str, Any]:
        return {"club": {"guild_id": self.guild_id, "arxiv_id": self.arxiv_id, "starts_at": self.starts_at,
                         "thread_id": self.thread_id}}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ClubMessage:
        _keys(payload, {"club"}, set(), "club")
        d = payload["club"]
        _keys(d, {"guild_id", "arxiv_id", "starts_at", "thread_id"}, set(), "club")
        return cls(int(d["guild_id"]), str(d["arxiv_id"]), str(d["starts_at"]), int(d["thread_id"]))


OutboxMessage = (HeaderMessage | CardMessage | DigestMessage | DayMessage | DirectMessage | AlertMessage
                 | FooterMessage | TopMessage | ClubMessage)

# The key that marks each wrapped kind; a payload without one is a card or a DM (a DM has "content").
_Wrapped = HeaderMessage | DigestMessage | DayMessage | AlertMessage | FooterMessage | TopMessage | ClubMessage
_BY_KEY: dict[str, type[_Wrapped]] = {
    "header": HeaderMessage, "digest": DigestMessage, "dm": DayMessage, "alert": AlertMessage,
    "footer": FooterMessage, "top": TopMessage, "club": ClubMessage,
}


def message_from_payload(payload: Any) -> OutboxMessage:
    """The typed message of an outbox payload; PayloadError names what is wrong with one of no known shape."""
    if not isinstance(payload, dict):
        raise PayloadError(f"outbox payload: expected a JSON object, got {type(payload).__name__}")
    for key, kind in _BY_KEY.items():
        if key in payload:
            return kind.from_payload(payload)
    if "content" in payload or "matched" in payload:
        return DirectMessage.from_payload(payload)
    if "papers" in payload:
        return CardMessage.from_payload(payload)
    raise PayloadError(f"outbox payload of no known kind (has {sorted(payload)})")
