"""What a channel feed gets in a cycle: `plan_feed` applies these rules inside the store's planning
transaction (`FeedsArea.feed_planning`: the candidates, enqueue, the cursor), and writes typed messages.

- A feed that never delivered (no cursor) starts with the newest post of its topic, or for
  `all` the newest date, not the archive; later it gets every appearance after its cursor.
- A feed whose topic has no post yet stays "new", so that its first delivery is still only the
  newest post, not everything a first-ever ingest brings.
- A paper already delivered to the channel is skipped (the query does that); a paper listed twice
  in the window counts once; keywords filter, a paper mentioning one of the feed's exclusions is
  left out, and so is one its regex does not find or that scores under its minimum (`wanted_by`);
  beyond `max_per_cycle` papers are counted, not queued.
- Digest style: the whole day, no cap; one message per topic and post date (pages of per-paper embeds),
  its papers ranked as a capped day's are (`rank_day`) so the best of a long day come first.
- Cards style: at most `max_per_cycle` papers; when more are wanted, the ones shown are ranked
  (`jobs.plan.rank.rank_for_cap`: keyword matches, then code, then a named venue) and the
  header says so. The queue: a header, then one message per paper.
- Every paper carries its appearance (topic and post date): the card shows what the feed posted.
- Papers a message Discord refused twice released for the feed (jobs/plan/released.py) come first, one card
  each, whatever the style: a day refused as a whole is not sent whole again.
"""
from __future__ import annotations

from collections.abc import Iterable

from jobs.matching import excluded_by, matching_keyword, paper_text
from jobs.messages import CardMessage, HeaderMessage, OutboxMessage
from jobs.models import Paper
from jobs.plan.rank import day_score, rank_day, rank_for_cap
from jobs.records import ALL_TOPICS, Feed, FeedPlan, PagedDay, Scope
from jobs.regex_filter import finds
from jobs.store.areas import FeedPlanning, FeedsArea


async def plan_feed(store: FeedsArea, cycle_id: int, feed: Feed, max_per_cycle: int) -> FeedPlan:
    """Put a feed's new papers into the outbox, in one transaction with the feed's cursor. A feed removed
    or paused since the caller listed it gets nothing."""
    async with store.feed_planning(cycle_id, feed) as planning:
        if planning.feed is None or planning.feed.paused_reason:
            return FeedPlan(feed=planning.feed or feed, papers=[], more=0)
        feed = planning.feed
        again = await plan_released(planning)
        candidates = [(i, p) for i, p in await planning.candidates(scope(feed)) if i not in again]
        taken, more = choose(feed, candidates, max_per_cycle)
        papers = [p for _, p in taken]
        if taken:
            for message, members in messages(feed, papers, more):
                await planning.enqueue(message, [taken[i][0] for i in members])
        if cursor_moves(feed, feed.cursor is not None or await planning.topic_has_posts()):
            await planning.move_cursor()
    return FeedPlan(feed=feed, papers=papers, more=more, again=len(again))


async def plan_released(planning: FeedPlanning) -> set[int]:
    """The papers a refused message released for this feed (jobs/plan/released.py), queued again first, one card
    each, labelled as they were; the ids of those queued."""
    waiting = await planning.released()
    again: set[int] = set()
    for r in waiting:
        if not r.delivered and r.paper_id not in again:
            await planning.enqueue(CardMessage([r.arxiv_id], {r.arxiv_id: [r.topic, r.date]} if r.topic else None),
                                   [r.paper_id])
            again.add(r.paper_id)
    if waiting:
        await planning.settle_released([r.id for r in waiting])
    return again


def scope(feed: Feed) -> Scope:
    if feed.cursor is not None:
        return Scope.SINCE_CURSOR
    return Scope.NEWEST_DATE if feed.topic == ALL_TOPICS else Scope.NEWEST_POST


def choose(feed: Feed, candidates: Iterable[tuple[int, Paper]],
           max_per_cycle: int) -> tuple[list[tuple[int, Paper]], int]:
    """The (paper id, paper) pairs to queue, in order, and how many more were wanted."""
    seen: set[int] = set()
    wanted: list[tuple[int, Paper]] = []
    for paper_id, paper in candidates:
        if paper_id in seen:
            continue
        seen.add(paper_id)
        if wanted_by(feed, paper):
            wanted.append((paper_id, paper))
    if feed.style == "digest" or len(wanted) <= max_per_cycle:
        return wanted, 0
    ids = {id(paper): paper_id for paper_id, paper in wanted}
    best = rank_for_cap([paper for _, paper in wanted], feed.keywords)[:max_per_cycle]
    # Best first within each day; days in order.
    taken = sorted(((ids[id(p)], p) for p in best), key=lambda pair: pair[1].date)
    return taken, len(wanted) - len(taken)


def wanted_by(feed: Feed, paper: Paper) -> bool:
    """Whether the feed's filters let the paper through: a keyword (if any), none of its exclusions, its
    regex (if any), and at least its minimum score."""
    return (matching_keyword(paper, feed.keywords) is not None
            and not (feed.excludes and excluded_by(paper_text(paper), feed.excludes))
            and finds(feed.regex, paper)
            and (feed.min_score <= 0 or day_score(paper, feed.keywords) >= feed.min_score))


def shown(paper: Paper) -> list[str]:
    """The appearance a card shows: [topic, post date]."""
    return [paper.topic, paper.date]


def messages(feed: Feed, papers: list[Paper], more: int) -> list[tuple[OutboxMessage, list[int]]]:
    """The outbox messages for the papers taken, in order, each with the indexes (into `papers`) of
    the papers it delivers."""
    if feed.style == "digest":
        groups: dict[tuple[str, str], list[int]] = {}
        for i, paper in enumerate(papers):
            groups.setdefault((paper.date, paper.topic), []).append(i)
        days = []
        for (date, topic), members in groups.items():
            ranked = [members[i] for i in rank_day([papers[i] for i in members], feed.keywords)]
            day = PagedDay("digest", [papers[i].arxiv_id for i in ranked], topic, date, feed.topic,
                           list(feed.keywords))
            days.append((day.message(), ranked))
        return days
    header = HeaderMessage(feed_topic=feed.topic, count=len(papers) + more, shown=len(papers), more=more,
                           topics=sorted({p.topic for p in papers}), dates=sorted({p.date for p in papers}))
    cards: list[tuple[OutboxMessage, list[int]]] = [
        (CardMessage([p.arxiv_id], {p.arxiv_id: shown(p)}), [i]) for i, p in enumerate(papers)]
    return [(header, []), *cards]


def cursor_moves(feed: Feed, topic_has_posts: bool) -> bool:
    """Whether planning moves the feed's cursor to the newest appearance."""
    return feed.cursor is not None or topic_has_posts
