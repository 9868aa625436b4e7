"""What a channel feed gets in a cycle, as rules with no SQL: the store runs the queries these name
(`jobs.store.feeds.plan_feed`) and asks these what to queue.

- A feed that never delivered (no cursor) starts with the newest post of its topic, or for
  `all` the newest date, not the archive; later it gets every appearance after its cursor.
- A feed whose topic has no post yet stays "new", so that its first delivery is still only the
  newest post, not everything a first-ever ingest brings.
- A paper already delivered to the channel is skipped (the query does that); a paper listed twice
  in the window counts once; keywords filter; beyond `max_per_cycle` papers are counted, not queued.
- The queue: a header, one message per paper, and a footer when some were left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from jobs.matching import matching_keyword
from jobs.models import Paper
from jobs.records import ALL_TOPICS, Feed


class Scope(Enum):
    SINCE_CURSOR = "since cursor"  # appearances after the feed's cursor
    NEWEST_POST = "newest post"  # the newest post of the feed's topic
    NEWEST_DATE = "newest date"  # every appearance on the newest date (feed of all topics)


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
        if matching_keyword(paper, feed.keywords) is not None:
            wanted.append((paper_id, paper))
    taken = wanted[:max_per_cycle]
    return taken, len(wanted) - len(taken)


def payloads(feed: Feed, papers: list[Paper], more: int) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                  dict[str, Any] | None]:
    """The outbox payloads for the papers taken: (header, one per paper, footer or None)."""
    base = {"feed_topic": feed.topic, "count": len(papers) + more}
    dates = sorted({p.date for p in papers})
    header = {"header": {**base, "topics": sorted({p.topic for p in papers}), "dates": dates}}
    footer = {"footer": {**base, "more": more, "shown": len(papers), "latest": dates[-1]}} if more else None
    return header, [{"papers": [p.arxiv_id]} for p in papers], footer


def cursor_moves(feed: Feed, topic_has_posts: bool) -> bool:
    """Whether planning moves the feed's cursor to the newest appearance."""
    return feed.cursor is not None or topic_has_posts
