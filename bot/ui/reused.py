"""What a send run builds once and uses for many messages: a day fans out to thousands of members with the
same papers, and a card goes to every channel that follows its topic, so the papers read, their topics, each
brief embed and each card's controls are made once a run, not once a message (issue 20 item 4)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import discord

from jobs.models import Paper
from jobs.store import Store


@dataclass(slots=True)
class Reused:
    papers: dict[str, Paper | None] = field(default_factory=dict)  # by arXiv id; None: not in the database
    topics: dict[str, list[str]] = field(default_factory=dict)
    embeds: dict[Hashable, discord.Embed] = field(default_factory=dict)
    views: dict[Hashable, discord.ui.View] = field(default_factory=dict)

    async def get_papers(self, store: Store, ids: Sequence[str]) -> dict[str, Paper]:
        """As store.get_papers, reading only what this run has not read yet."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.papers]
        if missing:
            found = await store.get_papers(missing)
            self.papers.update((i, found.get(i)) for i in missing)
        return {i: p for i in ids if (p := self.papers[i]) is not None}

    async def paper_topics(self, store: Store, ids: Sequence[str]) -> dict[str, list[str]]:
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

    def view(self, key: Hashable, build: Callable[[], discord.ui.View]) -> discord.ui.View:
        """The view built for `key`, itself: its controls are persistent items that name what they act on
        (no timeout, no state of their own), so one view serves every message that shows the same."""
        if key not in self.views:
            self.views[key] = build()
        return self.views[key]
