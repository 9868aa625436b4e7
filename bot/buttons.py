"""Buttons under a paper embed. Link buttons need no handler; the Abstract button is a DynamicItem,
so a click on a message posted before a restart still finds its handler."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.embeds import abstract_embed
from bot.subscribe import subscribe
from jobs.models import Paper

if TYPE_CHECKING:
    from bot.app import PaperboyBot

LABEL_MAX = 80


class AbstractButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:abs:(?P<id>[\w./-]{4,60})"):
    """Shows the English abstract to the person who clicked, and to no one else."""

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(
            discord.ui.Button(label="Abstract", style=discord.ButtonStyle.secondary, custom_id=f"pb:abs:{arxiv_id}")
        )
        self.arxiv_id = arxiv_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> AbstractButton:
        return cls(match["id"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        bot: PaperboyBot = interaction.client  # type: ignore[assignment]
        paper = await bot.store.get_paper(self.arxiv_id)
        if paper is None:
            await interaction.response.send_message(
                f"arXiv {self.arxiv_id} is no longer in Paperboy's database.", ephemeral=True
            )
            return
        await interaction.response.send_message(embed=abstract_embed(paper), ephemeral=True)


class FollowTopicButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:follow:(?P<topic>.{1,90})"):
    """Subscribes the clicker to the paper's topic, and tells only them."""

    def __init__(self, topic: str) -> None:
        super().__init__(
            discord.ui.Button(label="Follow topic", style=discord.ButtonStyle.primary, custom_id=f"pb:follow:{topic}")
        )
        self.topic = topic

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> FollowTopicButton:
        return cls(match["topic"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        bot: PaperboyBot = interaction.client  # type: ignore[assignment]
        await interaction.response.send_message(
            await subscribe(bot, interaction.user, "topic", self.topic), ephemeral=True
        )


def paper_view(paper: Paper, *extra: discord.ui.Item[Any]) -> discord.ui.View:
    """PDF, arXiv, Code and Project links, Abstract, Follow topic, then any `extra` items (e.g. Share)."""
    view = discord.ui.View(timeout=None)
    links = paper.links
    for label, key in (("PDF", "pdf"), ("arXiv", "abs"), ("Code", "code"), ("Project", "project")):
        url = links.get(key)
        if url and url.startswith(("http://", "https://")) and len(url) <= 512:
            view.add_item(discord.ui.Button(label=label, url=url))
    if len(paper.arxiv_id) <= 60:
        view.add_item(AbstractButton(paper.arxiv_id))
    if paper.topic and len(paper.topic) <= 90:
        view.add_item(FollowTopicButton(paper.topic))
    for item in extra:
        view.add_item(item)
    return view
