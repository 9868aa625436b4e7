"""The watchdog wired to the store: after a cycle, each source's rhythm, lateness and outage state
(jobs/ops/watchdog.py decides; this module reads and persists), and the retry plan for a failed cycle."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from jobs.ops.watchdog import Alert, CaughtUp, Tolerance, WatchState, late_reason, next_retry, observe, ongoing_alert
from jobs.pipeline import IngestReport
from jobs.store.areas import MetaArea, WatchArea

log = logging.getLogger(__name__)

RETRY_KEY = "digest_retry"  # meta: the failed cycles in a row and when the retry runs

Event = Alert | CaughtUp


async def watch_sources(store: WatchArea, report: IngestReport, timezone: str, now: datetime,
                        tolerance: Tolerance | None = None) -> list[Event]:
    """Check every source the cycle read; persist each WatchState; return the events to announce."""
    events: list[Event] = []
    for src in report.sources:
        late = None
        if src.error is None:
            late = late_reason(await store.source_post_days(src.name), now, timezone, tolerance or Tolerance())
        try:
            state = WatchState.from_json(await store.watch_state(src.name))
        except ValueError as exc:  # a hand-edited or damaged row: start afresh rather than stop watching
            log.warning("source %s: %s; starting its watch afresh", src.name, exc)
            state = WatchState()
        state, event = observe(state, src.name, error=src.error, late=late, new_papers=src.papers_new, now=now)
        await store.set_watch_state(src.name, state.to_json())
        if isinstance(event, Alert):
            log.warning("watchdog: %s", event.text())
        elif event is not None:
            log.info("watchdog: %s", event.text())
        if event is not None:
            events.append(event)
    return events


async def ongoing_alerts(store: WatchArea) -> list[Alert]:
    """The outages under way now, one alert each (for an alert channel set after they began)."""
    alerts = []
    for health in await store.source_health():
        try:
            alert = ongoing_alert(health.name, WatchState.from_json(health.watch))
        except ValueError:  # damaged state: the next cycle starts it afresh and alerts then
            continue
        if alert is not None:
            alerts.append(alert)
    return alerts


@dataclass(slots=True)
class RetryPlan:
    """Failed (or partial) all-servers cycles in a row, and when the next retry runs (None: none planned)."""

    failures: int = 0
    at: datetime | None = None

    def to_json(self) -> str:
        return json.dumps({"failures": self.failures, "at": self.at.isoformat() if self.at else None})

    @classmethod
    def from_json(cls, text: str | None) -> RetryPlan:
        try:
            data = json.loads(text) if text else {}
            return cls(int(data.get("failures", 0)), datetime.fromisoformat(data["at"]) if data.get("at") else None)
        except (ValueError, TypeError, AttributeError):
            return cls()


async def retry_plan(store: MetaArea) -> RetryPlan:
    return RetryPlan.from_json(await store.get_meta(RETRY_KEY))


async def plan_retry(store: MetaArea, *, failed: bool, was_retry: bool, now: datetime,
                     next_run: datetime) -> RetryPlan:
    """After an all-servers cycle: reset on success; after a failure, count it and pick the retry time
    (15 min, 1 h, 3 h…; none when the next scheduled run comes first). A scheduled or catch-up run
    starts the count afresh: backoff is per missed day, not forever."""
    plan = RetryPlan()
    if failed:
        failures = ((await retry_plan(store)).failures if was_retry else 0) + 1
        plan = RetryPlan(failures, next_retry(failures, now, next_run))
    await store.set_meta(RETRY_KEY, plan.to_json())
    return plan
