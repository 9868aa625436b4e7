"""After a cycle: every subscriber's new matching papers, packed into as few DMs as Discord allows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from bot.ui.embeds import EMBED_TOTAL_MAX, paper_embed
from jobs.records import DmMessage
from jobs.store import Store
from jobs.subscriptions import SubscriptionIndex

MAX_EMBEDS = 10
DM_CURSOR = "dm_cursor"  # meta key: the last paper id the fan-out has considered


@dataclass(slots=True)
class FanoutReport:
    subscribers: int = 0
    papers: int = 0
    messages: int = 0


def pack(sizes: list[int], max_embeds: int = MAX_EMBEDS, max_chars: int = EMBED_TOTAL_MAX) -> list[int]:
    """How many embeds go in each message, in order: at most `max_embeds` and `max_chars` of embed
    text per message. (The header line is message content, which Discord counts separately.)"""
    counts: list[int] = []
    n = used = 0
    for size in sizes:
        if n and (n == max_embeds or used + size > max_chars):
            counts.append(n)
            n = used = 0
        n += 1
        used += size
    if n:
        counts.append(n)
    return counts


def header(count: int) -> str:
    noun = "paper" if count == 1 else "papers"
    return f"📬 **{count} new {noun}** for your Paperboy subscriptions · `/subscriptions` to change them"


async def plan_fanout(store: Store, cycle_id: int, *, images: bool) -> FanoutReport:
    """Queue DMs for papers stored since the last fan-out. Safe to repeat: what was already planned
    for a user is skipped, and the cursor moves only when every user is planned."""
    report = FanoutReport()
    start = int(await store.get_meta(DM_CURSOR) or 0)
    top = await store.max_paper_id()
    subs = await store.subscriptions()
    if not subs or top <= start:
        await store.set_meta(DM_CURSOR, str(top))
        return report
    closed = await store.closed_dm_users()
    index = SubscriptionIndex([s for s in subs if s.user_id not in closed])
    papers = await store.new_papers(start)
    per_user: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    # The topic each card shows: the one a topic subscription matched, else the paper's latest.
    shown: dict[int, dict[str, list[str]]] = defaultdict(dict)
    by_id = {}
    topics_of: dict[str, list[str]] = {}
    for paper_id, paper, topics in papers:
        by_id[paper.arxiv_id] = paper
        topics_of[paper.arxiv_id] = topics
        for match in index.matches(paper_id, paper, topics):
            per_user[match.user_id].append((paper_id, paper.arxiv_id, match.label))
            shown[match.user_id][paper.arxiv_id] = [match.topic or paper.topic, paper.date]
    done = await store.delivered_papers("dm", list(per_user), [p[0] for p in papers])
    sizes: dict[tuple[str, str], int] = {}
    for user_id, items in per_user.items():
        items = [i for i in items if (user_id, i[0]) not in done]
        if not items:
            continue
        for _, arxiv_id, label in items:
            if (arxiv_id, label) not in sizes:
                card = replace(by_id[arxiv_id], topic=shown[user_id][arxiv_id][0])
                sizes[(arxiv_id, label)] = len(paper_embed(card, images=images, matched=label,
                                                           also_in=topics_of[arxiv_id]))
        messages: list[DmMessage] = []
        i = 0
        for n in pack([sizes[(a, label)] for _, a, label in items]):
            messages.append(DmMessage(header(len(items)) if not messages else "", items[i : i + n],
                                      shown[user_id]))
            i += n
        await store.plan_dm(cycle_id, user_id, messages)
        report.subscribers += 1
        report.papers += len(items)
        report.messages += len(messages)
    await store.set_meta(DM_CURSOR, str(top))
    return report
