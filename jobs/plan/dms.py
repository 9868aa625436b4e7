"""After a cycle: every subscriber's new matching papers, as one DM a day (paged; see bot/ui/paper_pages.py)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from jobs.dm_schedule import DmSchedule
from jobs.gc_pause import no_cyclic_gc
from jobs.models import Paper
from jobs.plan.personal import rank
from jobs.plan.rank import rank_day
from jobs.present.i18n import t, text_lang
from jobs.records import DmMessage, Subscription
from jobs.store.areas import (
    DmScheduleArea,
    FeedsArea,
    MetaArea,
    PapersArea,
    SettingsArea,
    SignalArea,
    SubscriptionsArea,
)
from jobs.subscriptions import SubscriptionIndex

DM_CURSOR = "dm_cursor"  # meta key: the last paper id the fan-out has considered
DM_CYCLE = "dm_cycle"  # meta key: the cycle whose fan-out last ran; rows planned outside cycles join it
PLAN_BATCH = 1000  # users per transaction: a few tens of ms holding the write lock each
SLICE_S = 0.01  # the longest the planning holds the event loop at a time

Item = tuple[int, str, str]  # (paper id, arxiv id, matched label)


class DmsStore(SubscriptionsArea, PapersArea, DmScheduleArea, FeedsArea, SettingsArea, SignalArea, MetaArea,
               Protocol):
    """The store areas planning the members' DMs uses: subscriptions and new papers, each member's schedule,
    language and signal, the deliveries so far, the fan-out's cursor."""


@dataclass(slots=True)
class FanoutReport:
    subscribers: int = 0
    papers: int = 0
    messages: int = 0


def header(count: int, lang: str = "en") -> str:
    """The line over a member's lone new paper, in `lang` (text_lang of their language setting)."""
    return t("dm.header", lang, n=count)


async def plan_fanout(store: DmsStore, cycle_id: int, now: datetime | None = None) -> FanoutReport:
    """Queue DMs for papers stored since the last fan-out. Safe to repeat: what was already planned
    for a user is skipped, and the cursor moves only when every user is planned. A member with a DM
    schedule of their own (jobs/dm_schedule.py) has their papers held instead (none while paused), and
    whatever is held for members whose time has come is planned too (`plan_due`, as of `now`).

    Matching and packing run on the event loop a slice at a time, giving it a turn every SLICE_S
    (10,000 subscribers are a second of Python, which in one go would stall the bot's gateway and
    slash commands; in a worker thread the loop would wait for the GIL at every turn, longest on
    a busy machine); the plans are written PLAN_BATCH users to a transaction."""
    now = now or datetime.now(UTC)
    with no_cyclic_gc():  # half a million objects, none in a cycle (jobs/gc_pause.py)
        report = await _plan_fanout(store, cycle_id, now)
    await store.set_meta(DM_CYCLE, str(cycle_id))
    due = await plan_due(store, cycle_id, now)
    return FanoutReport(report.subscribers + due.subscribers, report.papers + due.papers,
                        report.messages + due.messages)


async def _plan_fanout(store: DmsStore, cycle_id: int, now: datetime) -> FanoutReport:
    report = FanoutReport()
    start = int(await store.get_meta(DM_CURSOR) or 0)
    top = await store.max_paper_id()
    subs = await store.subscriptions()
    if not subs or top <= start:
        await store.set_meta(DM_CURSOR, str(top))
        return report
    closed = await store.closed_dm_users()
    schedules = await store.dm_schedules()
    paused = {u for u, s in schedules.items() if s.paused}  # nothing matched while paused is kept
    papers = await store.new_papers(start)
    # The topic each card shows: the one a topic subscription matched, else the paper's latest.
    shown: dict[int, dict[str, list[str]]] = defaultdict(dict)
    per_user = await match_users([s for s in subs if s.user_id not in closed and s.user_id not in paused], papers,
                                 shown)
    held = [u for u in per_user if u in schedules and not schedules[u].immediate]
    if held:  # their hour, their week or their return: kept in the database until then
        await store.hold_dms([(u, paper_id, label, *shown[u][arxiv_id]) for u in held
                              for paper_id, arxiv_id, label in per_user[u]], now)
        for u in held:
            del per_user[u]
    done = await store.delivered_papers("dm", list(per_user), [p[0] for p in papers])
    languages = await store.member_languages()  # a lone paper's header is in the member's language
    by_id = {p.arxiv_id: p for _, p, _ in papers}
    personal = await personal_orders(store, per_user, by_id)
    plans = await pack_users(per_user, done, by_id, languages, shown=shown, personal=personal)
    for i in range(0, len(plans), PLAN_BATCH):
        await store.plan_dms(cycle_id, plans[i : i + PLAN_BATCH])
    for _, messages in plans:
        report.subscribers += 1
        report.papers += sum(len(m.papers) for m in messages)
        report.messages += len(messages)
    await store.set_meta(DM_CURSOR, str(top))
    await _let_go(plans, per_user, shown)
    return report


async def _let_go(*held: list[Any] | dict[Any, Any]) -> None:
    """Empty these a slice at a time: dropped at once when the plan returns, a plan for 10,000 users
    (half a million objects) is freed in one go with the event loop stopped (100-200 ms on a loaded
    machine, benchmarks/fanout_plan.py)."""
    slices = _Slices()
    for box in held:
        while box:
            box.popitem() if isinstance(box, dict) else box.pop()
            await slices.tick()


async def plan_due(store: DmsStore, cycle_id: int | None, now: datetime) -> FanoutReport:
    """Plan the DMs held for members whose time has come (jobs/dm_schedule.py): one DM each, ranked as a
    day's is; for a member back from being away, the `catchup` papers they would like most, saying how
    many matched in all. Planned and taken off the held list in one transaction. `cycle_id` None: the
    cycle of the last fan-out (the hourly check runs outside cycles)."""
    report = FanoutReport()
    held = await store.held_dms()
    schedules = await store.dm_schedules()
    for u, schedule in schedules.items():  # back, and nothing matched meanwhile: back to their usual DMs
        if u not in held and schedule.returning(now):
            await store.set_dm_schedule(replace(schedule, away_from=None, away_until=None))
    if not held:
        return report
    if cycle_id is None:
        cycle_id = int(await store.get_meta(DM_CYCLE) or 0)
    closed = await store.closed_dm_users()
    due = {u: items for u, items in held.items() if u not in closed
           and schedules.get(u, DmSchedule(u)).due(min(i.held_at for i in items), now)}
    if not due:
        return report
    found = await store.get_papers(sorted({i.arxiv_id for items in due.values() for i in items}))
    by_id = {i: p for i, p in found.items()}
    per_user: dict[int, list[Item]] = {}
    shown: dict[int, dict[str, list[str]]] = {}
    for u, items in due.items():
        items = [i for i in items if i.arxiv_id in by_id]
        per_user[u] = [(i.paper_id, i.arxiv_id, i.label) for i in items]
        shown[u] = {i.arxiv_id: [i.topic, i.date] for i in items}
    personal = await personal_orders(store, per_user, by_id)
    missed: dict[int, int] = {}
    for u, items in per_user.items():
        schedule = schedules.get(u, DmSchedule(u))
        if schedule.returning(now) and len(items) > schedule.catchup:
            missed[u] = len(items)
            per_user[u] = best(items, by_id, personal.get(u))[:schedule.catchup]
        elif schedule.returning(now):
            missed[u] = len(items)
    done = await store.delivered_papers("dm", list(per_user), [i[0] for items in per_user.values() for i in items])
    languages = await store.member_languages()
    plans = await pack_users(per_user, done, by_id, languages, shown=shown, personal=personal, missed=missed)
    async with store.transaction():
        for i in range(0, len(plans), PLAN_BATCH):
            await store.plan_dms(cycle_id, plans[i : i + PLAN_BATCH])
        await store.drop_held(list(due))
        for u in missed:  # back: the catch-up is planned
            await store.set_dm_schedule(replace(schedules[u], away_from=None, away_until=None))
    for _, messages in plans:
        report.subscribers += 1
        report.papers += sum(len(m.papers) for m in messages)
        report.messages += len(messages)
    return report


def best(items: list[Item], by_id: dict[str, Paper], own: Personal | None) -> list[Item]:
    """`items` best first: by the member's own ranking, else as a day is ranked (jobs.plan.rank)."""
    order = rank_day([by_id[i[1]] for i in items])
    ranked = [items[n] for n in order]
    if own is not None:  # stable: the day's ranking breaks the member's ties
        ranked.sort(key=lambda i: -own.scores.get(i[1], 0.0))
    return ranked


class _Slices:
    """`await tick()` after each piece of work: every SLICE_S it lets the event loop run."""

    def __init__(self) -> None:
        self.since = time.perf_counter()

    async def tick(self) -> None:
        if time.perf_counter() - self.since >= SLICE_S:
            await asyncio.sleep(0)
            self.since = time.perf_counter()


async def match_users(subs: list[Subscription], papers: list[tuple[int, Paper, list[str]]],
                      shown: dict[int, dict[str, list[str]]] | None = None) -> dict[int, list[Item]]:
    """Each user's matching papers, (paper id, arxiv id, label), in paper order. `shown` gets, per user,
    the [topic, date] each card shows: the topic a topic subscription matched, else the paper's."""
    index = SubscriptionIndex(subs)
    per_user: dict[int, list[Item]] = defaultdict(list)
    slices = _Slices()
    for paper_id, paper, topics in papers:
        for match in index.matches(paper_id, paper, topics):
            per_user[match.user_id].append((paper_id, paper.arxiv_id, match.label))
            if shown is not None:
                shown.setdefault(match.user_id, {})[paper.arxiv_id] = [match.topic or paper.topic, paper.date]
        await slices.tick()
    return per_user


@dataclass(slots=True)
class Personal:
    """A member's own ranking of their day: each paper's score, and the liked paper's title that explains
    a top one."""

    scores: dict[str, float]
    why: dict[str, str]


async def personal_orders(store: DmsStore, per_user: dict[int, list[Item]],
                          by_id: dict[str, Paper]) -> dict[int, Personal]:
    """The ranking of each member who rated papers (jobs.plan.personal), over the papers matched for them; the
    others (cold start) keep the day's order."""
    signals = await store.member_signals(list(per_user))
    if not signals:
        return {}
    rated = await store.get_papers(sorted({i for s in signals.values() for i in s}))
    out: dict[int, Personal] = {}
    slices = _Slices()
    for user_id, told in signals.items():
        candidates = [by_id[item[1]] for item in per_user.get(user_id, [])]
        ranked = rank(candidates, told, [rated[i] for i in told if i in rated])
        if ranked is not None:
            out[user_id] = Personal({p.arxiv_id: ranked.scores[n] for n, p in enumerate(candidates)},
                                    {candidates[n].arxiv_id: rated[liked].title for n, liked in ranked.why.items()})
        await slices.tick()
    return out


async def pack_users(per_user: dict[int, list[Item]], done: set[tuple[int, int]], by_id: dict[str, Paper],
                     languages: dict[int, str] | None = None, *,
                     shown: dict[int, dict[str, list[str]]] | None = None,
                     personal: dict[int, Personal] | None = None,
                     missed: dict[int, int] | None = None) -> list[tuple[int, list[DmMessage]]]:
    """Each user's DM for this cycle: one message with every paper not yet delivered to them, grouped under
    the subscription that matched it (groups in the order first matched, papers ranked within each: code,
    then a named venue), paged when there is more than one paper; a single paper is a full card under a
    header in the member's language (`languages`), labelled with the topic `shown` gives. A member with a
    ranking of their own (`personal`) gets it instead: the papers they would like best first within each
    group, the group with the best paper first, and why. A member back from being away (`missed`: how many
    papers matched while they were) is told so above their catch-up."""
    plans: list[tuple[int, list[DmMessage]]] = []
    slices = _Slices()
    for user_id, all_items in per_user.items():
        await slices.tick()
        items = [i for i in all_items if (user_id, i[0]) not in done]
        if not items:
            continue
        user_shown = (shown or {}).get(user_id, {})
        away = (missed or {}).get(user_id, 0)
        if len(items) == 1:
            lang = text_lang((languages or {}).get(user_id))
            line = t("dm.catchup", lang, n=away, shown=1) + "\n" if away else ""
            plans.append((user_id, [DmMessage(line + header(1, lang), items, user_shown)]))
            continue
        groups: dict[str, list[Item]] = {}
        for item in items:
            groups.setdefault(item[2], []).append(item)
        own = (personal or {}).get(user_id)
        ranked: list[list[Item]] = []
        for members in groups.values():
            members = [members[i] for i in rank_day([by_id[m[1]] for m in members])]
            if own is not None:  # stable: the day's ranking breaks the member's ties
                members.sort(key=lambda m: -own.scores.get(m[1], 0.0))
            ranked.append(members)
        if own is not None:
            ranked.sort(key=lambda members: -own.scores.get(members[0][1], 0.0))
        ordered = [m for members in ranked for m in members]
        plans.append((user_id, [DmMessage("", ordered, user_shown,
                                          [(members[0][2], len(members)) for members in ranked],
                                          own.why if own is not None else {}, away)]))
    return plans
