"""What a send run builds once and uses for many messages: a day fans out to thousands of members with the
same papers, and a card goes to every channel that follows its topic, so the papers read, their topics, each
brief embed, each card's controls and each day's menu of papers are made once a run, not once a message
(issue 20 item 4)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import discord

from jobs.models import Paper
from jobs.store.areas import PapersArea

T = TypeVar("T")


@dataclass(slots=True)
class Reused:
    papers: dict[str, Paper | None] = field(default_factory=dict)  # by arXiv id; None: not in the database
    topics: dict[str, list[str]] = field(default_factory=dict)
    embeds: dict[Hashable, discord.Embed] = field(default_factory=dict)
    shared: dict[Hashable, Any] = field(default_factory=dict)

    async def get_papers(self, store: PapersArea, ids: Sequence[str]) -> dict[str, Paper]:
        """As store.get_papers, reading only what this run has not read yet."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.papers]
        if missing:
            found = await store.get_papers(missing)
            self.papers.update((i, found.get(i)) for i in missing)
        return {i: p for i in ids if (p := self.papers[i]) is not None}

    async def paper_topics(self, store: PapersArea, ids: Sequence[str]) -> dict[str, list[str]]:
        """As store.paper_topics, reading only what this run has not read yet."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.topics]
        if missing:
            found = await store.paper_topics(missing)
            self.topics.update((i, found.get(i, [])) for i in missing)
        return {i: self.topics[i] for i in ids if self.topics[i]}

    def embed(self, key: Hashable, build: Callable[[], discord.Embed]) -> discord.Embed:
        """A copy of the embed built for `key`: each message's own, since a sender marks its last one."""
        if key not in self.embeds:
            self.embeds[key] = build()
        return self.embeds[key].copy()

    def one(self, key: Hashable, build: Callable[[], T]) -> T:
        """What was built for `key`, itself, for what no send changes: a card's view (persistent items that
        name what they act on, no timeout, no state of their own) or a menu's options."""
        if key not in self.shared:
            self.shared[key] = build()
        return self.shared[key]  # type: ignore[no-any-return]
