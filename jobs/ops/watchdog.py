"""The source watchdog: each source's rhythm learnt from its history, when it is late, one alert per
outage and one "caught up" when posts come back, and when to retry a failed cycle.

Pure: dates and datetimes in, verdicts out. The store persists `WatchState` (as JSON) and the bot
posts the events; neither lives here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

# ---- rhythm ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How late a source may be before it is called late."""

    missed_weekdays: int = 3  # a weekday source: this many whole weekdays without a post
    gap_factor: float = 3.0  # any other source: this many times its usual gap...
    floor: timedelta = timedelta(days=2)  # ...but never less than this
    young: timedelta = timedelta(days=7)  # too little history to learn from: this long
    min_history: int = 5  # posting days needed before a rhythm is trusted
    window: int = 60  # only the most recent posting days count: sources change pace


@dataclass(frozen=True, slots=True)
class Rhythm:
    """How often a source posts. `weekdays`: Monday to Friday (holidays aside); `gap`: about every
    `usual_gap`; `young`: too little history to tell."""

    kind: Literal["weekdays", "gap", "young"]
    usual_gap: timedelta

    def describe(self) -> str:
        if self.kind == "weekdays":
            return "posts every weekday"
        if self.kind == "young":
            return "too new to have a rhythm"
        return f"posts about every {_days(self.usual_gap)}"


def _as_date(value: date | datetime) -> date:
    # A datetime counts on its own calendar day: the source's date, not ours.
    return value.date() if isinstance(value, datetime) else value


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    shown = f"{days:.0f}" if days == int(days) else f"{days:.1f}"
    return f"{shown} day" + ("" if shown == "1" else "s")


def _weekdays_between(first: date, last: date) -> int:
    """Weekdays d with first < d < last."""
    if last <= first:
        return 0
    start, span = first + timedelta(days=1), (last - first).days - 1
    full_weeks, rest = divmod(span, 7)
    count = full_weeks * 5
    for i in range(rest):
        count += (start + timedelta(days=full_weeks * 7 + i)).weekday() < 5
    return count


def _percentile(values: Sequence[int], q: float) -> int:
    """Nearest-rank percentile: robust to a few long breaks without inventing values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def learn_rhythm(post_days: Iterable[date | datetime], tolerance: Tolerance = Tolerance()) -> Rhythm:
    """A source's rhythm from the days it produced new posts (any order, repeats ignored).

    A weekday source posts on (nearly) no weekend day and on most weekdays of its span, so a
    Monday-only weekly source is not mistaken for one. Anything else is judged by the 80th
    percentile of its gaps between posting days.
    """
    days = sorted({_as_date(d) for d in post_days})[-tolerance.window:]
    if len(days) < tolerance.min_history:
        return Rhythm("young", tolerance.young)
    weekend = sum(d.weekday() >= 5 for d in days)
    span_weekdays = _weekdays_between(days[0] - timedelta(days=1), days[-1] + timedelta(days=1))
    posted_weekdays = len(days) - weekend
    if weekend <= len(days) * 0.05 and posted_weekdays >= 0.6 * span_weekdays:
        return Rhythm("weekdays", timedelta(days=1))
    gaps = [(b - a).days for a, b in pairwise(days)]
    return Rhythm("gap", timedelta(days=_percentile(gaps, 0.8)))


def late_reason(post_days: Iterable[date | datetime], now: datetime, timezone: str,
                tolerance: Tolerance = Tolerance()) -> str | None:
    """Why the source is late, or None when it is on time (or has never posted: nothing to miss yet).

    Days are counted in `timezone` (the schedule's), so "today" is the operator's today.
    """
    days = sorted({_as_date(d) for d in post_days})
    if not days:
        return None
    last, today = days[-1], now.astimezone(ZoneInfo(timezone)).date()
    rhythm = learn_rhythm(days, tolerance)
    if rhythm.kind == "weekdays":
        # Only whole weekdays count: today's post may still come.
        missed = _weekdays_between(last, today)
        if missed >= tolerance.missed_weekdays:
            return f"no new post for {missed} weekdays (last {last.isoformat()}; {rhythm.describe()})"
        return None
    allowed = tolerance.young if rhythm.kind == "young" else max(rhythm.usual_gap * tolerance.gap_factor,
                                                                  tolerance.floor)
    quiet = today - last
    if quiet > allowed:
        return f"no new post for {_days(quiet)} (last {last.isoformat()}; {rhythm.describe()})"
    return None


# ---- alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alert:
    source: str
    cause: Literal["failed", "late"]
    reason: str

    def text(self) -> str:
        verb = "is failing" if self.cause == "failed" else "has gone quiet"
        return f"Source {self.source} {verb}: {self.reason}"

    def parts(self) -> dict[str, object]:
        """What the alert says, for a message in any language (bot/ui/render.py alert_line)."""
        return {"source": self.source, "cause": self.cause, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class CaughtUp:
    source: str
    papers: int
    since: datetime  # when the alert was raised

    def text(self) -> str:
        since = f"(alerting since {self.since:%Y-%m-%d %H:%M %Z})"
        if not self.papers:  # well again with nothing new yet: "caught up: 0 papers" read as a loss
            return f"Source {self.source} is working again {since}"
        papers = f"{self.papers} paper" + ("" if self.papers == 1 else "s")
        return f"Source {self.source} caught up: {papers} {since}"

    def parts(self) -> dict[str, object]:
        """What the message says, for a message in any language (bot/ui/render.py alert_line)."""
        return {"source": self.source, "papers": self.papers, "since": f"{self.since:%Y-%m-%d %H:%M %Z}"}


@dataclass(slots=True)
class WatchState:
    """What the store keeps per source between checks. `alerting` is the outage flag; while it is
    set `papers` counts the new papers seen, reported once the source is well again, and `announced`
    the causes already alerted in this outage (each is said once, however often the cause flips)."""

    alerting: bool = False
    cause: str | None = None
    reason: str | None = None
    since: datetime | None = None
    papers: int = 0
    extra: dict[str, object] = field(default_factory=dict)  # keys a newer version wrote: kept, not lost
    announced: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k != "extra"}
        data["since"] = self.since.isoformat() if self.since else None
        return json.dumps({**self.extra, **data}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> WatchState:
        """None (never stored) is a fresh state; anything unreadable is a ValueError saying so."""
        if text is None:
            return cls()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("not an object")
            since = data.pop("since", None)
            known = {k: data.pop(k) for k in ("alerting", "cause", "reason", "papers", "announced") if k in data}
            state = cls(**known, since=datetime.fromisoformat(since) if since else None, extra=data)
            if not isinstance(state.alerting, bool) or not isinstance(state.papers, int) \
                    or not isinstance(state.announced, list):
                raise TypeError("wrong field types")
            if state.alerting and not state.announced and state.cause:  # written before `announced` was kept
                state.announced = [state.cause]
        except (ValueError, TypeError) as exc:
            raise ValueError(f"unreadable watchdog state {text[:80]!r}: {exc}") from exc
        return state


def observe(state: WatchState, source: str, *, error: str | None, late: str | None, new_papers: int,
            now: datetime) -> tuple[WatchState, Alert | CaughtUp | None]:
    """One check of one source: the next state and at most one event.

    A failure or lateness raises one Alert; further checks while it lasts say nothing (the reason is
    kept up to date for /status), except that a change of cause not yet announced in this outage
    (quiet -> failing, failing -> quiet) raises one more. When the source fetches cleanly and is no
    longer late, one CaughtUp with the papers that arrived since the first alert.
    """
    trouble: tuple[Literal["failed", "late"], str] | None = (
        ("failed", error) if error is not None else ("late", late) if late is not None else None
    )
    if not state.alerting:
        if trouble is None:
            return state, None
        cause, reason = trouble
        return (WatchState(True, cause, reason, now, 0, state.extra, [cause]), Alert(source, cause, reason))
    papers = state.papers + max(new_papers, 0)
    if trouble is not None:
        cause, reason = trouble
        new_cause = cause not in state.announced
        announced = [*state.announced, cause] if new_cause else state.announced
        return (WatchState(True, cause, reason, state.since, papers, state.extra, announced),
                Alert(source, cause, reason) if new_cause else None)
    since = state.since or now
    return WatchState(extra=state.extra), CaughtUp(source, papers, since)


def ongoing_alert(source: str, state: WatchState) -> Alert | None:
    """The alert for an outage already under way (for a channel set after it began), else None."""
    if not state.alerting or state.cause not in ("failed", "late"):
        return None
    return Alert(source, "failed" if state.cause == "failed" else "late", state.reason or "")


# ---- retries ----------------------------------------------------------------------------------

BACKOFF: tuple[timedelta, ...] = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))


def next_retry(failures: int, last_failure_at: datetime, next_scheduled: datetime,
               backoff: Sequence[timedelta] = BACKOFF) -> datetime | None:
    """When to retry after `failures` failed (or partial) attempts in a row, the last at
    `last_failure_at`: 15 min, 1 h, 3 h, then every 3 h; None when there is nothing to retry or the
    next scheduled run comes first (it does the retry's work anyway)."""
    if failures <= 0:
        return None
    at = last_failure_at + backoff[min(failures, len(backoff)) - 1]
    return at if at < next_scheduled else None
