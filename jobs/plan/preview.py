"""What a new filter would have let through, said when it is set: an exclusion, a regex or a minimum score
that leaves out every recent paper a subscription or a feed would otherwise get is named at once, rather
than found out by a silent week. Counted over the papers of the last PREVIEW_DAYS post days. No SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jobs.models import Paper
from jobs.plan.feeds import wanted_by
from jobs.records import ALL_TOPICS, Feed, Subscription
from jobs.subscriptions import SubscriptionIndex, folded_value

PREVIEW_DAYS = 7  # post days looked back at
PREVIEW_PAPERS = 3000  # at most this many recent papers are looked at


@dataclass(frozen=True, slots=True)
class Preview:
    wanted: int  # recent papers the subscription or feed takes without the new filters
    kept: int  # of those, the ones the filters let through


def subscription_preview(kind: str, value: str, excludes: list[str], regex: str | None,
                         papers: Sequence[Paper]) -> Preview:
    """How many of `papers` a (kind, value) subscription matches, without and with its filters."""
    bare = Subscription(0, 0, kind, value, folded_value(kind, value), -1)
    full = Subscription(0, 0, kind, value, folded_value(kind, value), -1, list(excludes), regex)
    without, with_ = SubscriptionIndex([bare]), SubscriptionIndex([full])
    wanted = kept = 0
    for paper in papers:
        if without.matches(0, paper, [paper.topic]):
            wanted += 1
            kept += bool(with_.matches(0, paper, [paper.topic]))
    return Preview(wanted, kept)


def feed_preview(feed: Feed, papers: Sequence[Paper]) -> Preview:
    """How many of `papers` of the feed's topic it takes by its keywords, and how many its filters keep."""
    bare = Feed(feed.id, feed.guild_id, feed.channel_id, feed.topic, feed.keywords, None, None, "")
    mine = [p for p in papers if feed.topic in (ALL_TOPICS, p.topic) and wanted_by(bare, p)]
    return Preview(len(mine), sum(wanted_by(feed, p) for p in mine))
