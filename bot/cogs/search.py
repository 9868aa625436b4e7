"""/search, /paper, /latest and /topics: everything Paperboy ever ingested, in English or Chinese."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Interaction, PaperboyClient
from bot.ui.autocomplete import topic_choices
from bot.ui.buttons import AbstractButton, AbstractMenu
from bot.ui.embeds import DESCRIPTION_MAX, trim
from bot.ui.pager import PAGE_SIZE, Entry, PaperPages, ShareButton, opened_paper
from jobs.search import QueryError, normalize_arxiv_id, resolve_topic, run_search


class Search(commands.Cog):
    # The buttons and menu that open a paper, on any message we ever sent: this cog answers them.
    PERSISTENT = (AbstractButton, AbstractMenu, ShareButton)

    def __init__(self, bot: PaperboyClient) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.PERSISTENT)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.PERSISTENT)

    async def _topics(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return topic_choices(await self.bot.store.known_topics(), current)

    async def _show(self, interaction: Interaction, title: str, fetch: Any,
                    entries: list[Entry], total: int) -> None:
        view = PaperPages(interaction.user.id, title, fetch, entries, total)
        view.message = await interaction.followup.send(embed=view.embed(), view=view, ephemeral=True, wait=True)

    @app_commands.command(name="search", description="Search every paper Paperboy has seen (English or 中文)")
    @app_commands.describe(
        query='Words, a "phrase", Chinese words (2+ characters), an author or an arXiv id',
        topic="Only this topic", after="From this date on (YYYY-MM-DD)", before="Up to this date (YYYY-MM-DD)",
    )
    @app_commands.autocomplete(topic=_topics)
    async def search(self, interaction: Interaction, query: app_commands.Range[str, 1, 300],
                     topic: str | None = None, after: str | None = None, before: str | None = None) -> None:
        # The database may be busy with a digest cycle: acknowledge within Discord's 3 seconds first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        store = self.bot.store

        async def fetch(offset: int, limit: int) -> tuple[list[Entry], int]:
            page = await run_search(store, query, topic=topic, after=after, before=before, limit=limit,
                                    offset=offset)
            return [Entry(r.paper, r.snippet) for r in page.results], page.total

        try:
            entries, total = await fetch(0, PAGE_SIZE)
        except QueryError as exc:
            await interaction.followup.send(f"Can't search that: {exc}.", ephemeral=True)
            return
        shown = discord.utils.escape_markdown(trim(query, 80))
        if total == 0:
            where = f" in **{topic}**" if topic else ""
            await interaction.followup.send(
                f"No papers match **{shown}**{where}. Try fewer or shorter words; `/topics` lists topics.",
                ephemeral=True,
            )
            return
        await self._show(interaction, f"Search: {trim(query, 80)}", fetch, entries, total)

    @app_commands.command(name="paper", description="One paper by arXiv id or arxiv.org link")
    @app_commands.describe(id="e.g. 2410.18355, 2410.18355v2, arXiv:2410.18355 or an arxiv.org abs/pdf link")
    async def paper(self, interaction: Interaction, id: app_commands.Range[str, 1, 300]) -> None:
        arxiv_id = normalize_arxiv_id(id)
        if arxiv_id is None:
            await interaction.response.send_message(
                f"**{discord.utils.escape_markdown(trim(id, 80))}** is not an arXiv id. Use a form like "
                "`2410.18355`, `arXiv:2410.18355v2` or `https://arxiv.org/abs/2410.18355`.", ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.bot.store.get_paper(arxiv_id)
        if found is None:
            await interaction.followup.send(
                f"arXiv {arxiv_id} is not in Paperboy's database: no digest has listed it. "
                f"It may still be on https://arxiv.org/abs/{arxiv_id}", ephemeral=True,
            )
            return
        also_in = (await self.bot.store.paper_topics([arxiv_id])).get(arxiv_id)
        await interaction.followup.send(**opened_paper(found, images=self.bot.config.feeds.images, also_in=also_in),
                                        ephemeral=True)

    @app_commands.command(name="latest", description="The newest digest post's papers")
    @app_commands.describe(topic="A topic (default: the newest post of any topic)")
    @app_commands.autocomplete(topic=_topics)
    async def latest(self, interaction: Interaction, topic: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        store = self.bot.store
        infos = await store.topics()
        if not infos:
            await interaction.followup.send("Nothing ingested yet: the first digest has not run.", ephemeral=True)
            return
        if topic is None:
            chosen = max(infos, key=lambda t: (t.latest, t.topic)).topic
        else:
            try:
                chosen = resolve_topic(topic, [t.topic for t in infos])
            except QueryError as exc:
                await interaction.followup.send(f"Can't show that: {exc}.", ephemeral=True)
                return
        papers = await store.latest_post_papers(chosen)

        async def fetch(offset: int, limit: int) -> tuple[list[Entry], int]:
            return [Entry(p) for p in papers[offset : offset + limit]], len(papers)

        date = papers[0].date if papers else ""
        await self._show(interaction, f"Latest {chosen} · {date}", fetch, *await fetch(0, PAGE_SIZE))

    @app_commands.command(name="topics", description="Every topic, with its paper count and latest post")
    async def topics(self, interaction: Interaction) -> None:
        infos = await self.bot.store.topics()
        if not infos:
            await interaction.response.send_message("No topics yet: the first digest has not run.", ephemeral=True)
            return
        lines = [f"**{discord.utils.escape_markdown(t.topic)}** · {t.papers} papers · latest {t.latest}"
                 for t in infos]
        embed = discord.Embed(title=f"Topics ({len(infos)})", description=trim("\n".join(lines), DESCRIPTION_MAX),
                              colour=0x4E79A7)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Search(bot))

