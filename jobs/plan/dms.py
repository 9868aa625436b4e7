"""After a cycle: every subscriber's new matching papers, as one DM a day (paged; see bot/ui/paper_pages.py)."""

from __future__ import annotations

import asyncio
import gc
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from jobs.models import Paper
from jobs.plan.personal import rank
from jobs.plan.rank import rank_day
from jobs.present.i18n import t, text_lang
from jobs.records import DmMessage, Subscription
from jobs.store import Store
from jobs.subscriptions import SubscriptionIndex

DM_CURSOR = "dm_cursor"  # meta key: the last paper id the fan-out has considered
PLAN_BATCH = 1000  # users per transaction: a few tens of ms holding the write lock each
SLICE_S = 0.01  # the longest the planning holds the event loop at a time

Item = tuple[int, str, str]  # (paper id, arxiv id, matched label)


@dataclass(slots=True)
class FanoutReport:
    subscribers: int = 0
    papers: int = 0
    messages: int = 0


def header(count: int, lang: str = "en") -> str:
    """The line over a member's lone new paper, in `lang` (text_lang of their language setting)."""
    return t("dm.header", lang, n=count)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: a plan for 10,000 users allocates half a million
    objects, none in a cycle (reference counting frees them all when the plan is written), yet
    each time they pile up the collector walks the whole heap with the event loop stopped
    (200-400 ms a time, three or four times a plan). Restores what it found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def plan_fanout(store: Store, cycle_id: int) -> FanoutReport:
    """Queue DMs for papers stored since the last fan-out. Safe to repeat: what was already planned
    for a user is skipped, and the cursor moves only when every user is planned.

    Matching and packing run on the event loop a slice at a time, giving it a turn every SLICE_S
    (10,000 subscribers are a second of Python, which in one go would stall the bot's gateway and
    slash commands; in a worker thread the loop would wait for the GIL at every turn, longest on
    a busy machine); the plans are written PLAN_BATCH users to a transaction."""
    with no_cyclic_gc():
        return await _plan_fanout(store, cycle_id)


async def _plan_fanout(store: Store, cycle_id: int) -> FanoutReport:
    report = FanoutReport()
    start = int(await store.get_meta(DM_CURSOR) or 0)
    top = await store.max_paper_id()
    subs = await store.subscriptions()
    if not subs or top <= start:
        await store.set_meta(DM_CURSOR, str(top))
        return report
    closed = await store.closed_dm_users()
    papers = await store.new_papers(start)
    # The topic each card shows: the one a topic subscription matched, else the paper's latest.
    shown: dict[int, dict[str, list[str]]] = defaultdict(dict)
    per_user = await match_users([s for s in subs if s.user_id not in closed], papers, shown)
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
    return report


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


async def personal_orders(store: Store, per_user: dict[int, list[Item]],
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
                     personal: dict[int, Personal] | None = None) -> list[tuple[int, list[DmMessage]]]:
    """Each user's DM for this cycle: one message with every paper not yet delivered to them, grouped under
    the subscription that matched it (groups in the order first matched, papers ranked within each: code,
    then a named venue), paged when there is more than one paper; a single paper is a full card under a
    header in the member's language (`languages`), labelled with the topic `shown` gives. A member with a
    ranking of their own (`personal`) gets it instead: the papers they would like best first within each
    group, the group with the best paper first, and why."""
    plans: list[tuple[int, list[DmMessage]]] = []
    slices = _Slices()
    for user_id, all_items in per_user.items():
        await slices.tick()
        items = [i for i in all_items if (user_id, i[0]) not in done]
        if not items:
            continue
        user_shown = (shown or {}).get(user_id, {})
        if len(items) == 1:
            lang = text_lang((languages or {}).get(user_id))
            plans.append((user_id, [DmMessage(header(1, lang), items, user_shown)]))
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
                                          own.why if own is not None else {})]))
    return plans
