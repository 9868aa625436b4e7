"""One digest cycle: fetch the sources, store, plan every (or one server's) feed and the DM fan-out, send."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.delivery.fanout import DM_CURSOR, FanoutReport, plan_fanout
from bot.delivery.sender import SendReport
from jobs.config import Config
from jobs.pipeline import IngestReport, ingest
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

    def text(self) -> str:
        lines = [src.line() for src in self.ingest.sources]
        lines.append(f"feeds: {self.feeds} checked, {self.papers_planned} papers queued, "
                     f"{self.send.sent} messages sent" + (f", {self.send.failed} failed" if self.send.failed else ""))
        lines += [f"paused: {reason}" for reason in dict.fromkeys(self.send.paused)]
        if self.fanout is not None:
            f = self.fanout
            lines.append(f"subscriptions: {f.papers} papers queued for {f.subscribers} members in {f.messages} DMs")
        return "\n".join(lines)


async def run_cycle(store: Store, config: Config, send: Send, *, guild_id: int | None = None,
                    trigger: str = "manual") -> DigestSummary:
    """Everything is planned in the database before `send` posts it. The caller keeps two cycles apart."""
    cycle = await store.start_cycle(trigger, guild_id)
    report = await ingest(store, config.sources)
    summary = DigestSummary(ingest=report)
    for feed in await store.feeds(guild_id):
        if feed.paused_reason:
            continue
        plan = await store.plan_feed(cycle, feed, config.feeds.max_per_cycle)
        summary.feeds += 1
        summary.papers_planned += len(plan.papers)
    if guild_id is None:  # a server's own /digest run does not DM everyone
        summary.fanout = await plan_fanout(store, cycle, images=config.feeds.images)
    summary.send = await send(guild_id)
    if guild_id is None:
        await store.prune(int(await store.get_meta(DM_CURSOR) or 0))
    await store.finish_cycle(cycle, summary.text())
    log.info("digest cycle %s (%s): %s", cycle, trigger, summary.text().replace("\n", "; "))
    return summary
