"""A cycle's plan: the watchdog's alerts, every (or one server's) feed, and the members' DMs, all queued in
the outbox before anything is sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from jobs.config import Config
from jobs.ops.watchdog import Alert, CaughtUp
from jobs.plan.alerts import plan_alerts
from jobs.plan.dms import FanoutReport, plan_fanout
from jobs.plan.feeds import plan_feed
from jobs.plan.released import plan_released_dms
from jobs.store import Store


@dataclass(slots=True)
class PlanReport:
    feeds: int = 0  # feeds planned (paused ones are skipped)
    papers: int = 0  # papers queued for channels
    fanout: FanoutReport | None = None  # the DM fan-out; None for one server's own run


async def plan_cycle(store: Store, cycle_id: int, config: Config, events: Sequence[Alert | CaughtUp],
                     guild_id: int | None = None, now: datetime | None = None) -> PlanReport:
    """Queue a cycle's deliveries; one server's run (`guild_id`) plans its feeds and DMs no one. `now`
    (default: the clock) decides whose DMs are due and whose are held for their hour."""
    report = PlanReport()
    await plan_alerts(store, cycle_id, events)
    for feed in await store.feeds(guild_id):
        if feed.paused_reason:
            continue
        plan = await plan_feed(store, cycle_id, feed, config.feeds.max_per_cycle)
        report.feeds += 1
        report.papers += len(plan.papers) + plan.again
    if guild_id is None:
        fanout, again = await plan_fanout(store, cycle_id, now), await plan_released_dms(store, cycle_id)
        report.fanout = FanoutReport(fanout.subscribers + again.subscribers, fanout.papers + again.papers,
                                     fanout.messages + again.messages)
    return report
