"""A feed's day as one message: a numbered list of the day's papers under a header, paged, with a menu
that opens any paper's full card privately and a Discuss button that opens a thread for it.

The entries read in the server's language (zh, en or both), and a 🌐 toggle shows the page in the
other one to the clicker only. The buttons, the toggle and the menu are DynamicItems whose custom_id
carries the outbox row (which lists the day's papers) and the page, so they keep working after a
restart; the feeds cog registers them."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any, Self

import discord

from bot.client import Interaction
from bot.i18n.replies import say
from bot.ui.buttons import paper_view, stored_paper
from bot.ui.embeds import DESCRIPTION_MAX, ENGLISH_MARK, button_urls, paper_embed, topic_colour, trim
from bot.ui.language import guild_languages, reading_language, server_locale
from bot.ui.views import PaperboyView, PersistentItem
from jobs.models import Paper
from jobs.present.i18n import t, text_lang
from jobs.present.latex import latex_to_text
from jobs.present.summary import chinese_one_liner, english_one_liner
from jobs.present.venue import venue_badge
from jobs.store import Store

PAGE_SIZE = 10  # entries a page; 10 entries of at most ENTRY_MAX fit a description
ENTRY_MAX = 400
TITLE_SHOWN = 150
LINE = 120  # an English one-liner: about two lines of an embed
ZH_LINE = 60  # a Chinese one-liner: as wide (Chinese characters are twice as wide)
_THREAD_LOCKS: dict[tuple[int, str], asyncio.Lock] = {}  # (channel, arXiv id): one Discuss at a time


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _link_text(text: str) -> str:
    """Text that can sit inside [link text] without ending it or being read as markup."""
    return discord.utils.escape_markdown(text).replace("[", "(").replace("]", ")")


def one_line(paper: Paper, limit: int, language: str = "zh") -> str:
    """The paper in about one line of at most `limit` characters, in `language` as cards read: zh, the
    Chinese summary's first sentence (at most ZH_LINE: Chinese is wide); en, the abstract's (also when
    the Chinese text was lost); both, the Chinese then the English under it."""
    has_chinese = bool(paper.summary) and "summary_lossy" not in paper.flags
    if language == "both" and has_chinese and paper.abstract:
        chinese = chinese_one_liner(paper.summary, min(limit // 3, ZH_LINE))
        english = english_one_liner(paper.abstract, limit - len(chinese) - len(ENGLISH_MARK) - 1)
        return f"{chinese}\n{ENGLISH_MARK}{english}" if english else chinese
    if has_chinese and (language != "en" or not paper.abstract):
        return chinese_one_liner(paper.summary, min(limit, ZH_LINE))
    return english_one_liner(paper.abstract, limit) if paper.abstract else ""


def entry(n: int, paper: Paper, language: str = "zh") -> str:
    """One paper of the list: number, linked title, venue badge; one line of summary in `language`,
    PDF and Code."""
    link = paper.links.get("abs") or f"https://arxiv.org/abs/{paper.arxiv_id}"
    title = _link_text(trim(latex_to_text(paper.title or paper.arxiv_id), TITLE_SHOWN))
    badge = venue_badge(paper.comment)
    head = f"**{n}.** [{title}]({link})" + (f" · `{badge}`" if badge else "")
    urls = button_urls(paper)
    links = " · ".join(f"[{label}]({paper.links[key]})" for label, key in (("PDF", "pdf"), ("Code", "code"))
                       if paper.links.get(key) in urls)
    room = ENTRY_MAX - len(head) - len(links) - 4
    width = LINE + (ZH_LINE + len(ENGLISH_MARK) + 1 if language == "both" else 0)
    summary = one_line(paper, min(width, room), language) if room > 10 else ""
    return f"{head}\n" + " · ".join(x for x in (summary, links) if x)


def digest_embed(day: dict[str, Any], papers: list[Paper], page: int, language: str = "zh",
                 lang: str = "en", *, menu: bool = True) -> discord.Embed:
    """The message's embed for `page` (0-based): the header as its title, that page's entries read in
    `language` (zh, en, both); the header and footer in `lang` (a catalogue language). The footer
    points to the menu when there is one (`menu`)."""
    ids: list[str] = day["papers"]
    pages = page_count(len(ids))
    title = "📰 " + t("digest.header", lang, topic=day["topic"], date=day["date"], n=len(ids))
    first = page * PAGE_SIZE + 1
    lines = [entry(n, p, language) for n, p in enumerate(papers, first)]
    embed = discord.Embed(title=trim(title, 256), colour=topic_colour(day["topic"]),
                          description=trim("\n\n".join(lines), DESCRIPTION_MAX) or None)
    footer = [t("digest.page", lang, page=page + 1, pages=pages)] if pages > 1 else []
    if menu:
        footer.append(t("digest.open_hint", lang))
    if footer:
        embed.set_footer(text=" · ".join(footer))
    return embed


class DigestPageButton(PersistentItem[discord.ui.Button[Any]],
                       template=r"pb:dg:(?P<oid>\d{1,19}):(?P<page>\d{1,4}):(?P<way>[pn])"):
    """◀ Prev / Next ▶ under a digest message: shows the page its custom_id names, for everyone."""

    def __init__(self, outbox_id: int, page: int, way: str, *, disabled: bool = False, lang: str = "en") -> None:
        label = "◀ " + t("button.prev", lang) if way == "p" else t("button.next", lang) + " ▶"
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
                                           custom_id=f"pb:dg:{outbox_id}:{page}:{way}", row=1))
        self.outbox_id, self.page = outbox_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["oid"]), int(match["page"]), match["way"])

    async def clicked(self, interaction: Interaction) -> None:
        store = interaction.client.store
        language, lang = await guild_languages(store, interaction.guild_id, server_locale(interaction))
        args = await digest_message(store, self.outbox_id, page=self.page, language=language, lang=lang)
        if args is None:
            await interaction.response.send_message(say(interaction, "digest.gone"), ephemeral=True)
            return
        await interaction.response.edit_message(**args)


class DigestLanguageButton(PersistentItem[discord.ui.Button[Any]],
                           template=r"pb:dglang:(?P<oid>\d{1,19}):(?P<page>\d{1,4}):(?P<lang>en|zh)"):
    """"🌐 English" / "🌐 中文" under a digest message: the page it shows, in that language, to the one
    who clicked only; the message itself stays as it is. The custom_id names the outbox row, the page
    and the language to show, so Prev/Next re-make it and it keeps working after a restart."""

    def __init__(self, outbox_id: int, page: int, language: str) -> None:
        label = "🌐 " + t("toggle.to_en" if language == "en" else "toggle.to_zh", "en")
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, row=1,
                                           custom_id=f"pb:dglang:{outbox_id}:{page}:{language}"))
        self.outbox_id, self.page, self.language = outbox_id, page, language

    @classmethod
    def toggle(cls, outbox_id: int, page: int, shown: str) -> DigestLanguageButton | None:
        """The toggle under a page shown in `shown`; none under one that already has both."""
        return None if shown == "both" else cls(outbox_id, page, "zh" if shown == "en" else "en")

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["oid"]), int(match["page"]), match["lang"])

    async def clicked(self, interaction: Interaction) -> None:
        args = await digest_message(interaction.client.store, self.outbox_id, page=self.page,
                                    language=self.language, lang=text_lang(self.language, str(interaction.locale)),
                                    menu=False)
        if args is None:
            await interaction.response.send_message(say(interaction, "digest.gone"), ephemeral=True)
            return
        # The page alone: the message's own menu opens its papers (and their threads under it).
        await interaction.response.send_message(embed=args["embed"], ephemeral=True)


class DigestMenu(PersistentItem[discord.ui.Select[Any]], template=r"pb:dgo:(?P<oid>\d{1,19})"):
    """"Open a paper…": the full card of the paper picked, to the one who picked it."""

    def __init__(self, outbox_id: int, papers: list[Paper], first: int = 1, language: str = "zh",
                 lang: str = "en") -> None:
        # One line in one language: an option's description is a single line.
        brief = "en" if language == "en" else "zh"
        options = [discord.SelectOption(label=trim(f"{n}. {latex_to_text(p.title or p.arxiv_id)}", 100),
                                        value=p.arxiv_id, description=trim(one_line(p, 100, brief), 100) or None)
                   for n, p in enumerate(papers[:25], first)]
        super().__init__(discord.ui.Select(custom_id=f"pb:dgo:{outbox_id}", placeholder=t("menu.open_paper", lang),
                                           options=options or [discord.SelectOption(label="…")], row=0))
        self.outbox_id = outbox_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["oid"]), [])  # the choice arrives with the interaction

    async def clicked(self, interaction: Interaction) -> None:
        values = (interaction.data or {}).get("values") or [""]
        paper = await stored_paper(interaction, str(values[0]))
        if paper is None:
            return
        store = interaction.client.store
        paper, _ = await _as_listed(store, self.outbox_id, paper)
        also_in = (await store.paper_topics([paper.arxiv_id])).get(paper.arxiv_id, [])
        language = await reading_language(interaction)  # shown to the clicker only: their language
        embed = paper_embed(paper, images=interaction.client.config.feeds.images, also_in=also_in,
                            language=language)
        view = paper_view(paper, language=language)
        if interaction.message is not None and len(paper.arxiv_id) <= 30:
            view.add_item(DiscussButton(f"{self.outbox_id}:{interaction.message.id}:{paper.arxiv_id}"))
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def _as_listed(store: Store, outbox_id: int, paper: Paper) -> tuple[Paper, dict[str, Any]]:
    """The paper labelled with the topic and date its digest listed it under, and that digest's payload."""
    row = await store.outbox_item(outbox_id)
    day = (row.payload.get("digest") if row else None) or {}
    if day.get("topic"):
        paper = replace(paper, topic=day["topic"], date=day.get("date") or paper.date)
    return paper, day


def thread_name(paper: Paper) -> str:
    """A thread's name ends with the arXiv id, so that a second click finds it."""
    suffix = f" · {paper.arxiv_id}"
    return trim(latex_to_text(paper.title or "Paper"), 100 - len(suffix)) + suffix


async def find_thread(channel: discord.TextChannel, arxiv_id: str) -> discord.Thread | None:
    suffix = f" · {arxiv_id}"
    for thread in channel.threads:
        if thread.name.endswith(suffix):
            return thread
    async for thread in channel.archived_threads(limit=100):
        if thread.name.endswith(suffix):
            return thread
    return None


class DiscussButton(PersistentItem[discord.ui.Button[Any]],
                    template=r"pb:discuss:(?P<oid>\d{1,12}):(?P<mid>\d{1,19}):(?P<key>[\w./-]{4,30})"):
    """Opens a public thread for one paper of a digest, its card first, a link back to the digest; a
    second click (by anyone) finds that thread, reopening it when it was archived. One thread per
    paper, not per message: a message can carry only one thread, and a day lists many papers. The
    custom_id names the digest's outbox row (the topic and date the card shows) and its message."""

    def __init__(self, key: str) -> None:
        super().__init__(discord.ui.Button(label="💬 " + t("button.discuss", "en"),
                                           style=discord.ButtonStyle.success, custom_id=f"pb:discuss:{key}"))
        oid, mid, self.arxiv_id = key.split(":", 2)
        self.outbox_id, self.message_id = int(oid), int(mid)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(f"{match['oid']}:{match['mid']}:{match['key']}")

    async def clicked(self, interaction: Interaction) -> None:
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            await interaction.response.send_message("Threads can be opened in a text channel only; "
                                                    "discuss this paper right here.", ephemeral=True)
            return
        paper = await stored_paper(interaction, self.arxiv_id)
        if paper is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        paper, day = await _as_listed(interaction.client.store, self.outbox_id, paper)
        lock = _THREAD_LOCKS.setdefault((channel.id, paper.arxiv_id), asyncio.Lock())
        async with lock:  # two clicks at once make one thread
            thread = await find_thread(channel, paper.arxiv_id)
            if thread is not None:
                if thread.archived:
                    thread = await thread.edit(archived=False)
                await thread.add_user(interaction.user)
                await interaction.followup.send(f"This paper's discussion: {thread.mention}", ephemeral=True)
                return
            try:
                thread = await channel.create_thread(name=thread_name(paper), auto_archive_duration=10080,
                                                     type=discord.ChannelType.public_thread)
            except discord.Forbidden:
                await interaction.followup.send(
                    "I can't open a thread here: I need the **Create Public Threads** and **Send Messages in "
                    "Threads** permissions in this channel. Ask an admin, or discuss the paper right here.",
                    ephemeral=True)
                return
        digest = channel.get_partial_message(self.message_id).jump_url
        where = " · ".join(x for x in (day.get("topic"), day.get("date")) if x) or "the digest"
        also_in = (await interaction.client.store.paper_topics([paper.arxiv_id])).get(paper.arxiv_id, [])
        await thread.send(
            content=f"{interaction.user.mention} opened a discussion of this paper from [{where}]({digest})",
            embed=paper_embed(paper, images=interaction.client.config.feeds.images, also_in=also_in),
            view=paper_view(paper), allowed_mentions=discord.AllowedMentions.none(),
        )
        await thread.add_user(interaction.user)
        await interaction.followup.send(f"Opened a thread for this paper: {thread.mention}", ephemeral=True)


async def digest_message(store: Store, outbox_id: int, *, page: int = 0, day: dict[str, Any] | None = None,
                         language: str = "zh", lang: str = "en", menu: bool = True) -> dict[str, Any] | None:
    """The send()/edit() arguments of a digest message at `page`, its entries read in `language` (the
    server's: zh, en, both), its header, footer and controls in `lang` (text_lang); None when none of
    its papers is stored any more. `day` is the outbox row's digest payload (read when not given)."""
    if day is None:
        row = await store.outbox_item(outbox_id)
        day = row.payload.get("digest") if row is not None else None
        if not day:
            return None
    ids: list[str] = day["papers"]
    page = min(max(0, page), page_count(len(ids)) - 1)
    wanted = ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    found = await store.get_papers(wanted)
    if not found and not await store.get_papers(ids):
        return None
    papers = [replace(found[i], topic=day["topic"], date=day["date"]) for i in wanted if i in found]
    view = PaperboyView(timeout=None)
    view.add_item(DigestMenu(outbox_id, papers, page * PAGE_SIZE + 1, language, lang))
    pages = page_count(len(ids))
    if pages > 1:
        view.add_item(DigestPageButton(outbox_id, max(0, page - 1), "p", disabled=page == 0, lang=lang))
        view.add_item(DigestPageButton(outbox_id, min(pages - 1, page + 1), "n", disabled=page == pages - 1,
                                       lang=lang))
    toggle = DigestLanguageButton.toggle(outbox_id, page, language)
    if toggle is not None:
        view.add_item(toggle)
    return {"embed": digest_embed(day, papers, page, language, lang, menu=menu), "view": view}
