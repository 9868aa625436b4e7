"""Matching new papers to personal subscriptions, fast enough for thousands of subscribers.

Topic and author subscriptions are looked up in dictionaries; each distinct keyword is searched once
per paper, however many people follow it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from jobs.fold import fold
from jobs.matching import contains_keyword, excluded_by, paper_text
from jobs.models import Paper
from jobs.records import Subscription
from jobs.regex_filter import finds

MAX_SUBSCRIPTIONS = 25
MAX_VALUE = 100
AUTHOR_NGRAM = 6  # longest author query, in words


def folded_value(kind: str, value: str) -> str:
    """The form duplicates are judged and matches made by (stored as `subscriptions.folded`): the
    fold, and for authors "J.-P. Smith" and "J P Smith" alike."""
    folded = fold(value)
    if kind == "author":
        folded = " ".join(folded.replace(".", " ").replace("-", " ").split())
    return folded


def _author_keys(name: str) -> set[str]:
    words = folded_value("author", name).split()
    return {" ".join(words[i : i + n]) for n in range(1, min(AUTHOR_NGRAM, len(words)) + 1)
            for i in range(len(words) - n + 1)}


@dataclass(slots=True)
class Match:
    user_id: int
    paper_id: int
    label: str  # which subscription matched, for the embed
    topic: str = ""  # the topic a topic subscription matched: the card shows it


def refused(existing: list[Subscription], kind: str, folded: str, limit: int) -> tuple[Subscription | None, str] | None:
    """Why a member with `existing` subscriptions may not add (kind, folded): (the one they have, "duplicate") or
    (None, "full") when they hold `limit`; None when they may. Every store backend asks this before it inserts."""
    for sub in existing:
        if sub.kind == kind and sub.folded == folded:
            return sub, "duplicate"
    return (None, "full") if len(existing) >= limit else None


class SubscriptionIndex:
    def __init__(self, subscriptions: list[Subscription]) -> None:
        self.by_topic: dict[str, list[Subscription]] = defaultdict(list)
        self.by_author: dict[str, list[Subscription]] = defaultdict(list)
        self.by_keyword: dict[str, list[Subscription]] = defaultdict(list)
        for sub in subscriptions:
            {"topic": self.by_topic, "author": self.by_author, "keyword": self.by_keyword}[sub.kind][
                sub.folded
            ].append(sub)

    def matches(self, paper_id: int, paper: Paper, topics: list[str]) -> list[Match]:
        """One match per user: the first subscription (topic, then author, then keyword) that fits."""
        found: dict[int, Match] = {}
        folded: list[str] = []  # the paper's text, folded once and only when a keyword or exclusion needs it

        def text() -> str:
            if not folded:
                folded.append(paper_text(paper))
            return folded[0]

        def take(subs: list[Subscription], label: str, topic: str = "") -> None:
            for sub in subs:
                if sub.paper_cursor < paper_id and sub.user_id not in found:
                    if (sub.excludes and excluded_by(text(), sub.excludes) is not None) or not finds(sub.regex, paper):
                        continue  # this subscription leaves it out; another of the member's may still take it
                    found[sub.user_id] = Match(sub.user_id, paper_id, label or sub.label(), topic)

        for topic in topics:
            take(self.by_topic.get(folded_value("topic", topic), []), f"topic: {topic}", topic)
        if self.by_author:
            for name in paper.authors:
                for key in _author_keys(name) & self.by_author.keys():
                    take(self.by_author[key], f"author: {name}")
        if self.by_keyword:
            for keyword, subs in self.by_keyword.items():
                if contains_keyword(text(), keyword):
                    take(subs, "")
        return list(found.values())
