"""One digest cycle: fetch the sources, store, watch them, plan every (or one server's) feed, the DM
fan-out and any watchdog alert, send."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.delivery.sender import SendReport
from jobs.config import Config
from jobs.departures import sweep_before
from jobs.ops import metrics
from jobs.ops.cycle_summary import CycleFigures, cycle_summary_line
from jobs.ops.source_watch import Event, watch_sources
from jobs.ops.watchdog import Tolerance
from jobs.pipeline import IngestReport, ingest
from jobs.plan.cycle import plan_cycle
from jobs.plan.dms import DM_CURSOR, FanoutReport
from jobs.store import Store

log = logging.getLogger(__name__)

# Sends what is pending, for one server (guild_id) or for everyone (None).
Send = Callable[[int | None], Awaitable[SendReport]]


@dataclass(slots=True)
class DigestSummary:
    ingest: IngestReport
    feeds: int = 0
    papers_planned: int = 0
    send: SendReport = field(default_factory=SendReport)
    fanout: FanoutReport | None = None
    events: list[Event] = field(default_factory=list)  # the watchdog's alerts and caught-ups

    @property
    def failed(self) -> bool:
        """A source could not be read, or some of its posts not fetched: the cycle is worth retrying."""
        return any(s.error is not None or s.incomplete for s in self.ingest.sources)

    def text(self) -> str:
        lines = [src.line() for src in self.ingest.sources]
        lines.append(f"feeds: {self.feeds} checked, {self.papers_planned} papers queued, "
                     f"{self.send.sent} messages sent" + (f", {self.send.failed} failed" if self.send.failed else ""))
        lines += [f"paused: {reason}" for reason in dict.fromkeys(self.send.paused)]
        if self.fanout is not None:
            f = self.fanout
            lines.append(f"subscriptions: {f.papers} papers queued for {f.subscribers} members in {f.messages} DMs")
        return "\n".join(lines)


async def _watch(store: Store, report: IngestReport, config: Config, now: datetime | None) -> list[Event]:
    tolerance = Tolerance(missed_weekdays=config.watchdog.missed_weekdays, gap_factor=config.watchdog.gap_factor)
    return await watch_sources(store, report, config.schedule.timezone, now or datetime.now(UTC), tolerance)


async def run_cycle(store: Store, config: Config, send: Send, *, guild_id: int | None = None,
                    trigger: str = "manual", now: datetime | None = None) -> DigestSummary:
    """Everything is planned in the database before `send` posts it. The caller keeps two cycles apart.
    An all-servers cycle (guild_id None) also runs the source watchdog as of `now` (default: the clock)."""
    started = time.monotonic()
    cycle = await store.start_cycle(trigger, guild_id)
    report = await ingest(store, config.sources)
    events = await _watch(store, report, config, now) if guild_id is None else []  # every source, or none
    planned = await plan_cycle(store, cycle, config, events, guild_id, now)
    sent = await send(guild_id)
    summary = DigestSummary(report, planned.feeds, planned.papers, sent, planned.fanout, events)
    if guild_id is None:
        await store.prune(int(await store.get_meta(DM_CURSOR) or 0))
        await store.sweep_departures(sweep_before(now or datetime.now(UTC)))
    await store.finish_cycle(cycle, summary.text())
    figures = CycleFigures(
        cycle_id=cycle, trigger=trigger, duration=time.monotonic() - started,
        sources_ok=sum(s.error is None for s in report.sources),
        sources_failed=[s.name for s in report.sources if s.error is not None],
        new_papers=report.papers_new, feeds=summary.feeds, messages_sent=summary.send.sent,
        messages_failed=summary.send.failed,
        dm_messages=summary.fanout.messages if summary.fanout else 0,
        dm_members=summary.fanout.subscribers if summary.fanout else 0,
    )
    log.info(cycle_summary_line(figures), extra=figures.fields())
    if metrics.enabled():
        metrics.record_cycle(figures, await store.outbox_counts())
    return summary
