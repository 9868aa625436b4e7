"""/search, /paper, /latest and /topics: everything Paperboy ever ingested, in English or Chinese."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import tasks

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import reply_lang, say
from bot.ui.autocomplete import topic_choices
from bot.ui.buttons import AbstractButton, AbstractMenu
from bot.ui.embeds import DESCRIPTION_MAX, LIST_COLOUR, trim
from bot.ui.language import reading_language
from bot.ui.pager import PAGE_SIZE, Entry, PaperPages, ShareButton, opened_paper
from bot.ui.views import ItemOwner
from jobs.arxiv_id import normalize_arxiv_id
from jobs.find import run_search
from jobs.fold import fold, warm_fold
from jobs.foreground import foreground
from jobs.models import Paper
from jobs.present.i18n import t
from jobs.records import ALL_TOPICS
from jobs.search.query import QueryError, resolve_topic
from jobs.store.areas import FeedsArea, PapersArea, SearchArea, SubscriptionsArea

log = logging.getLogger(__name__)
TOPICS_IN_TITLE = 3  # a /latest title names this many topics, then "+N"
# How often the search arrays look for a commit of another process to take in (a scheduler apart, the index's
# merger): a search within this long after one takes it in itself (at 100,000 papers 2-10 ms of CPU). This
# process's own ingests are taken in as they commit (jobs/store/search.py: TakeIn). A look that finds nothing
# changed reads the index's generation.
KEEP_CURRENT_S = 10.0


async def newest_days(store: PapersArea, topics: set[str] | None) -> tuple[list[tuple[str, str]], list[Paper]]:
    """Each of `topics`' newest day (every topic when None, or when none of them has papers yet): the
    (topic, date) pairs, newest day first, then by topic, and their papers grouped the same way, in post
    order within a topic, each paper once (under the first group it appears in)."""
    infos = await store.topics()
    folded = {fold(name) for name in topics} if topics is not None else None
    chosen = [i for i in infos if folded is None or fold(i.topic) in folded] or infos
    chosen.sort(key=lambda i: i.latest, reverse=True)  # stable: topics stay alphabetical within a day
    days: list[tuple[str, str]] = []
    papers: dict[str, Paper] = {}
    for info in chosen:
        shown = await store.latest_post_papers(info.topic)
        if shown:
            days.append((info.topic, shown[0].date or info.latest))
        for paper in shown:
            papers.setdefault(paper.arxiv_id, paper)
    return days, list(papers.values())


class SearchStore(SearchArea, PapersArea, FeedsArea, SubscriptionsArea, Protocol):
    """The store areas the search cog uses: search, papers and topics, and
    the feeds and subscriptions /latest follows."""


class Search(ItemOwner):
    # The buttons and menu that open a paper, on any message we ever sent: this cog answers them.
    PERSISTENT = (AbstractButton, AbstractMenu, ShareButton)

    def __init__(self, bot: PaperboyClient, store: SearchStore) -> None:
        super().__init__(bot)
        self.store = store
        self._failing = False

    async def cog_load(self) -> None:
        await super().cog_load()
        self._keep_current.start()

    async def cog_unload(self) -> None:
        task = self._keep_current.get_task()
        self._keep_current.cancel()
        if task is not None:  # before the store closes
            await asyncio.gather(task, return_exceptions=True)
        await super().cog_unload()

    @tasks.loop(seconds=KEEP_CURRENT_S)
    async def _keep_current(self) -> None:
        """Take in what other processes committed since, so that the first /search after it does not. Failing is
        said once: meanwhile a search takes in what it finds changed itself."""
        try:
            with foreground():  # a search would wait for it: an ingest of this process steps aside meanwhile
                await self.store.ready_search()
        except Exception as exc:
            if not self._failing:
                log.warning("could not take in the search index's changes (%s: %s); searches take them in "
                            "themselves until it can", type(exc).__name__, exc)
            self._failing = True
            return
        if self._failing:
            log.info("the search index is current again")
        self._failing = False

    @_keep_current.before_loop
    async def _ready_search(self) -> None:
        """Once connected (and the database checked), the search arrays are loaded, so the first /search after a
        start answers as fast as the rest. Failing is only said: that search loads them itself."""
        await self.bot.wait_until_started()
        started = time.perf_counter()
        warm_fold()  # what the first search's snippets would build
        try:
            await self.store.ready_search()
        except Exception as exc:
            log.warning("could not load the search index ahead of the first search (%s: %s); the first search "
                        "loads it", type(exc).__name__, exc)
            self._failing = True
            return
        log.info("search index loaded in %.1f s", time.perf_counter() - started)

    async def _topics(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return topic_choices(await self.store.known_topics(), current)

    async def _show(self, interaction: Interaction, title: str, fetch: Any,
                    entries: list[Entry], total: int) -> None:
        view = PaperPages(interaction.user.id, title, fetch, entries, total, lang=reply_lang(interaction),
                          language=await reading_language(interaction))
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
        with foreground():  # the member waits on the reply too: an ingest steps aside (jobs/foreground.py)
            await self._answer(interaction, query, topic, after, before)

    async def _answer(self, interaction: Interaction, query: str, topic: str | None, after: str | None,
                      before: str | None) -> None:
        store = self.store

        async def fetch(offset: int, limit: int) -> tuple[list[Entry], int]:
            page = await run_search(store, query, topic=topic, after=after, before=before, limit=limit,
                                    offset=offset)
            return [Entry(r.paper, r.snippet) for r in page.results], page.total

        try:
            entries, total = await fetch(0, PAGE_SIZE)
        except QueryError as exc:
            await interaction.followup.send(say(interaction, "search.bad", error=exc), ephemeral=True)
            return
        shown = discord.utils.escape_markdown(trim(query, 80))
        if total == 0:
            where = say(interaction, "search.in_topic", topic=topic) if topic else ""
            await interaction.followup.send(say(interaction, "search.none", query=shown, where=where),
                                            ephemeral=True)
            return
        await self._show(interaction, say(interaction, "search.title", query=trim(query, 80)), fetch, entries,
                         total)

    @app_commands.command(name="paper", description="One paper by arXiv id or arxiv.org link")
    @app_commands.describe(id="e.g. 2410.18355, 2410.18355v2, arXiv:2410.18355 or an arxiv.org abs/pdf link")
    async def paper(self, interaction: Interaction, id: app_commands.Range[str, 1, 300]) -> None:
        arxiv_id = normalize_arxiv_id(id)
        if arxiv_id is None:
            await interaction.response.send_message(
                say(interaction, "paper.not_an_id", given=discord.utils.escape_markdown(trim(id, 80))),
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.store.get_paper(arxiv_id)
        if found is None:
            await interaction.followup.send(say(interaction, "paper.not_stored", id=arxiv_id), ephemeral=True)
            return
        also_in = (await self.store.paper_topics([arxiv_id])).get(arxiv_id)
        await interaction.followup.send(**opened_paper(found, images=self.bot.config.feeds.images, also_in=also_in,
                                                       language=await reading_language(interaction),
                                                       lang=reply_lang(interaction)), ephemeral=True)

    @app_commands.command(name="latest", description="The newest digest post's papers")
    @app_commands.describe(topic="A topic (default: the newest day of each topic you follow)")
    @app_commands.autocomplete(topic=_topics)
    async def latest(self, interaction: Interaction, topic: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        store = self.store
        infos = await store.topics()
        if not infos:
            await interaction.followup.send(say(interaction, "latest.nothing"), ephemeral=True)
            return
        if topic is None:
            # Each followed topic's newest day, as one list grouped by topic (each entry names its topic).
            days, papers = await newest_days(store, await self._followed_topics(interaction))
            names = [name for name, _ in days]
            extra = len(names) - TOPICS_IN_TITLE
            shown = ", ".join(names[:TOPICS_IN_TITLE]) + (f" +{extra}" if extra > 0 else "")
            dates = sorted({day for _, day in days})
            date = f"{dates[0]} – {dates[-1]}" if len(dates) > 1 else "".join(dates)
        else:
            try:
                shown = resolve_topic(topic, [t.topic for t in infos])
            except QueryError as exc:
                await interaction.followup.send(say(interaction, "latest.bad", error=exc), ephemeral=True)
                return
            papers = await store.latest_post_papers(shown)
            date = papers[0].date if papers else ""

        async def fetch(offset: int, limit: int) -> tuple[list[Entry], int]:
            return [Entry(p) for p in papers[offset : offset + limit]], len(papers)

        await self._show(interaction, say(interaction, "latest.title", topic=shown, date=date), fetch,
                         *await fetch(0, PAGE_SIZE))

    async def _followed_topics(self, interaction: Interaction) -> set[str] | None:
        """The topics /latest shows: those this server's feeds post (None, every topic, for a feed of all);
        in a DM or a server without feeds, the member's subscribed topics; else None."""
        store = self.store
        if interaction.guild_id is not None:
            topics = {f.topic for f in await store.feeds(interaction.guild_id)}
            if ALL_TOPICS in topics:
                return None
            if topics:
                return topics
        subscribed = {s.value for s in await store.subscriptions(interaction.user.id) if s.kind == "topic"}
        return subscribed or None

    @app_commands.command(name="topics", description="Every topic, with its paper count and latest post")
    async def topics(self, interaction: Interaction) -> None:
        infos = await self.store.topics()
        lang = reply_lang(interaction)
        if not infos:
            await interaction.response.send_message(t("topics.none", lang), ephemeral=True)
            return
        lines = [t("topics.line", lang, topic=discord.utils.escape_markdown(i.topic), n=i.papers, date=i.latest)
                 for i in infos]
        embed = discord.Embed(title=t("topics.title", lang, n=len(infos)),
                              description=trim("\n".join(lines), DESCRIPTION_MAX), colour=LIST_COLOUR)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Search(bot, bot.store))

