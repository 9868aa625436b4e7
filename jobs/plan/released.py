"""A message Discord refused twice (in its smaller form too) gives its papers back (issue 19), so a channel or a
member does not lose them:

- the row is given up and its papers released in one transaction (FeedsArea.release_refused): no longer counted
  as delivered to the target, they wait for the next plan, which posts them again as one card each (a feed's in
  `jobs.plan.feeds.plan_feed`, a member's by `plan_released_dms`), so one bad paper cannot take a day down twice;
- a paper released a second time for the same target is given up for good: no daily loop of failures;
- the server's alert channel hears it once per refused message (in that transaction), not per paper; DMs have no
  server: the log and /status say it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Protocol

from jobs.messages import AlertMessage
from jobs.plan.dms import FanoutReport, header
from jobs.present.i18n import t, text_lang
from jobs.records import DmMessage, OutboxItem, Release
from jobs.store.areas import (
    DmScheduleArea,
    FeedsArea,
    MetaArea,
    SettingsArea,
    SubscriptionsArea,
    WatchArea,
)

REASON_SHOWN = 300  # Discord's answer, cut: the alert stays one readable message


class ReleaseStore(FeedsArea, WatchArea, MetaArea, Protocol):
    """The areas a release uses: the outbox, the server's alert channel, the one transaction."""


class ReplanStore(FeedsArea, SubscriptionsArea, DmScheduleArea, SettingsArea, MetaArea, Protocol):
    """The areas planning released DMs again uses: the outbox, whose DMs are closed or paused, languages."""


def refused_text(alert: AlertMessage, lang: str) -> str:
    """A refused message's alert in `lang`, from its parts."""
    parts = {"channel": alert.source, "reason": (alert.reason or "")[:REASON_SHOWN]}
    text = (t("alert.refused", lang, n=alert.papers, **parts) if alert.papers
            else t("alert.refused_none", lang, **parts))
    if alert.given_up:
        text += " " + t("alert.refused_given_up", lang, n=alert.given_up)
    return text


def refused_alert(item: OutboxItem, reason: str, release: Release) -> AlertMessage:
    alert = AlertMessage(event="refused", source=f"<#{item.target_id}>", text="", reason=reason,
                         papers=release.released, given_up=release.given_up or None)
    return replace(alert, text=refused_text(alert, "en"))


async def release_refused(store: ReleaseStore, item: OutboxItem, reason: str) -> Release:
    """Give up `item`, which Discord refused twice for `reason`, release its papers, and queue the server's one
    alert about it, all in one transaction: nothing is lost if the process dies between them."""
    async with store.transaction():
        release = await store.release_refused(item.id, reason)
        if release.papers and item.kind == "channel" and item.guild_id is not None:
            await store.plan_guild_alert(release.cycle_id, item.guild_id, refused_alert(item, reason, release))
    return release


async def plan_released_dms(store: ReplanStore, cycle_id: int) -> FanoutReport:
    """The papers released from members' refused DMs, planned again as one card each (under the usual header
    line, labelled as they were); a member whose DMs are closed or paused keeps theirs waiting."""
    report = FanoutReport()
    waiting = await store.released_dms()
    if not waiting:
        return report
    closed = await store.closed_dm_users()
    closed |= {u for u, s in (await store.dm_schedules()).items() if s.paused}  # theirs wait until they resume
    languages = await store.member_languages()
    taken = [r for r in waiting if r.target_id not in closed]
    plans: dict[int, list[DmMessage]] = defaultdict(list)
    for r in taken:
        if not r.delivered:
            lang = text_lang(languages.get(r.target_id))
            plans[r.target_id].append(DmMessage(header(1, lang), [(r.paper_id, r.arxiv_id, r.label)],
                                                {r.arxiv_id: [r.topic, r.date]} if r.topic else {}))
    async with store.transaction():
        await store.plan_dms(cycle_id, list(plans.items()))
        await store.settle_released([r.id for r in taken])
    report.subscribers = len(plans)
    report.messages = report.papers = sum(len(m) for m in plans.values())
    return report
