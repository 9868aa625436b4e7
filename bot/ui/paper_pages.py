"""A day of papers as one message of per-paper embeds, paged: a feed's topic-day (a digest) and a member's
daily DM are both this.

A page shows PAGE_SIZE papers, each a brief embed (title, first authors, badges, summary, takeaways). A
message posted in a channel never changes after it is sent: Prev/Next, the 🌐 toggle and "Open a paper…"
answer the clicker alone, with a page of their own that has its own paging, toggle and menu (a private
page is edited in place when clicked again). A DM is its member's alone, so there the message turns its
own pages. Every control is a DynamicItem whose custom_id names the outbox row (which lists the papers),
the page and the language, so it keeps working after a restart; the feeds cog registers them."""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from bot.client import Interaction
from bot.i18n.replies import say
from bot.ui.buttons import paper_view, stored_paper
from bot.ui.discuss import DiscussButton, read_day
from bot.ui.embeds import brief_embed, paper_embed, title_text, trim
from bot.ui.language import reader_languages, reading_language
from bot.ui.reused import Reused
from bot.ui.views import PaperboyView, PersistentItem
from jobs.matching import matching_keyword
from jobs.models import Paper
from jobs.present import limits
from jobs.present.i18n import t, text_lang
from jobs.present.reading import READINGS, lead, single, toggled
from jobs.records import PagedDay
from jobs.store import Store

WHY_TITLE = 60  # characters of a liked paper's title in a "why" line
PAGE_SIZE = 5  # papers a page: five brief embeds stay under Discord's 6,000 characters and one screen
_LANG = r"(?::(?P<language>zh|en|both|-))?"  # -: a private page read as its reader's settings say
_MID = r"(?::(?P<mid>\d{1,19}))?"


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def group_name(label: str, lang: str) -> str:
    """A subscription's label ("topic: 3DGS", "keyword: 扩散") as a DM's group reads: "3DGS", "keyword 扩散"."""
    kind, _, value = label.partition(": ")
    if kind == "topic" or not value:
        return value or label
    return f"{t('kind.' + kind, lang)} {value}" if kind in ("keyword", "author") else label


def _group_spans(day: PagedDay, first: int, last: int, lang: str) -> str:
    """Which subscriptions a DM page shows: "**3DGS** 1–5 of 18 · **keyword 扩散** 1–2 of 36"."""
    spans, start = [], 0
    for label, count in day.groups:
        lo, hi = max(first, start), min(last, start + count)
        if lo < hi:
            spans.append(t("dm.group_span", lang, label=group_name(label, lang), first=lo - start + 1,
                           last=hi - start, n=count))
        start += count
    return " · ".join(spans)


def header(day: PagedDay, page: int, lang: str) -> str:
    """The line over a page: what the day is, and where this page is in it."""
    total, pages = len(day.papers), page_count(len(day.papers))
    where = t("digest.page", lang, page=page + 1, pages=pages) if pages > 1 else ""
    if day.kind == "digest":
        head = "📰 **" + t("digest.header", lang, topic=day.topic, date=day.date, n=total) + "**"
        order = t("digest.ranked" if day.keywords else "digest.ranked_plain", lang) if total > 1 else ""
        return trim(" · ".join(x for x in (head, where, order) if x), limits.CONTENT)
    groups = " · ".join(t("dm.group", lang, label=group_name(label, lang), n=n) for label, n in day.groups)
    head = t("dm.day_header", lang, n=total, groups=groups)
    if day.missed:  # a catch-up after being away
        head = t("dm.catchup", lang, n=day.missed, shown=total) + "\n" + head
    first = page * PAGE_SIZE
    span = _group_spans(day, first, min(total, first + PAGE_SIZE), lang) if pages > 1 else ""
    return trim(head + ("\n" + " · ".join(x for x in (where, span) if x) if where else ""), limits.CONTENT)


def page_embeds(day: PagedDay, papers: list[Paper], first: int, *, language: str = "zh", lang: str = "en",
                topics: dict[str, list[str]] | None = None, reused: Reused | None = None) -> list[discord.Embed]:
    """A page's brief embeds, numbered from `first`; a digest's name the feed keyword each matched (its
    badges show code and venue, the other reasons it ranks where it does), a DM's the paper's other topics
    (`topics`). `reused`: a send run's embeds, each built once."""
    embeds = []
    for n, paper in enumerate(papers, first):
        # Code and a venue show as badges anyway: a matched keyword is the reason left to say.
        keyword = matching_keyword(paper, day.keywords) if day.kind == "digest" else None
        reasons = [t("reason.keyword", lang, detail=keyword)] if keyword else []
        if paper.arxiv_id in day.why:  # the member's own ranking put it here: the paper they liked it is like
            reasons.append(t("reason.like", lang,
                             title=discord.utils.escape_markdown(trim(day.why[paper.arxiv_id], WHY_TITLE))))
        also_in = (topics or {}).get(paper.arxiv_id, []) if day.kind == "dm" else None

        def build(paper: Paper = paper, n: int = n, reasons: list[str] = reasons,
                  also_in: list[str] | None = also_in) -> discord.Embed:
            return brief_embed(paper, number=n, language=language, lang=lang, reasons=reasons, also_in=also_in)

        if reused is None:
            embeds.append(build())
        else:  # what the embed shows decides it: the paper as labelled, its place, the words and reasons
            key = ("brief", paper.arxiv_id, paper.topic, paper.date, n, language, lang, tuple(reasons),
                   None if also_in is None else tuple(also_in))
            embeds.append(reused.embed(key, build))
    return embeds


async def page_args(store: Store, outbox_id: int, day: PagedDay, *, page: int = 0, language: str = "zh",
                    lang: str = "en", shown: str | None = None, message_id: int = 0,
                    reused: Reused | None = None) -> dict[str, Any] | None:
    """The send()/edit() arguments of `page` (0-based) of a day: its header line, one brief embed a paper
    read in `language` (zh, en, both) and the controls, Paperboy's words in `lang`. `shown` marks a page
    shown to one member: the language its controls keep (zh, en, both; "-": whatever the reader's settings
    say); None for the message posted in a channel or DM. None when none of the day's papers is stored.
    `reused`: a send run's papers, topics and embeds, read and built once for all its messages."""
    ids = day.papers
    page = min(max(0, page), page_count(len(ids)) - 1)
    first = page * PAGE_SIZE
    wanted = ids[first:first + PAGE_SIZE]
    reused = reused if reused is not None else Reused()  # a page of its own (a click): read for it alone
    found = await reused.get_papers(store, wanted)
    if not found and not await reused.get_papers(store, ids):
        return None
    papers = [day.labelled(found[i]) for i in wanted if i in found]
    topics = await reused.paper_topics(store, [p.arxiv_id for p in papers]) if day.kind == "dm" else {}
    embeds = page_embeds(day, papers, first + 1, language=language, lang=lang, topics=topics, reused=reused)
    view = PaperboyView(timeout=None)
    options = reused.one(("day options", tuple((p.arxiv_id, p.title) for p in papers), first, language),
                         lambda: day_options(papers, first + 1, language))
    view.add_item(DayMenu(outbox_id, papers, first + 1, language, lang, shown=shown, message_id=message_id,
                          options=options))
    pages = page_count(len(ids))
    if pages > 1:
        for target, way in ((max(0, page - 1), "p"), (min(pages - 1, page + 1), "n")):
            view.add_item(DayPageButton(outbox_id, target, way, lang=lang, shown=shown, message_id=message_id,
                                        disabled=(page == 0) if way == "p" else (page == pages - 1)))
    toggle = DayLanguageButton.toggle(outbox_id, page, language, message_id=message_id)
    if toggle is not None:
        view.add_item(toggle)
    return {"content": header(day, page, lang), "embeds": embeds, "view": view}


async def _show(interaction: Interaction, outbox_id: int, page: int, shown: str | None,
                message_id: int | None) -> None:
    """Answer a click on a day's controls: the page it names, to the clicker alone. In a channel the
    message stays as it was posted and the clicker gets a page of their own; on that private page (or in
    a DM, which only its member sees) the page turns in place."""
    day = await read_day(interaction.client.store, outbox_id)
    message = interaction.message
    in_place = message is not None and (message.flags.ephemeral or interaction.guild_id is None)
    if shown in READINGS:  # a language picked with the toggle: its words follow it
        language, lang = shown, text_lang(shown, str(interaction.locale))
    else:  # the page as the reader's settings say
        (language, lang), shown = await reader_languages(interaction), "-"
    mid = message_id or (message.id if message is not None and not in_place else 0)
    args = None if day is None else await page_args(interaction.client.store, outbox_id, day, page=page,
                                                    language=language, lang=lang, shown=shown, message_id=mid)
    if args is None:
        await interaction.response.send_message(say(interaction, "digest.gone"), ephemeral=True)
    elif in_place:
        await interaction.response.edit_message(**args)
    else:
        await interaction.response.send_message(**args, ephemeral=True)


class DayPageButton(PersistentItem[discord.ui.Button[Any]],
                    template=rf"pb:dg:(?P<oid>\d{{1,19}}):(?P<page>\d{{1,4}}):(?P<way>[pn]){_LANG}{_MID}"):
    """◀ Prev / Next ▶: the page its custom_id names, to the clicker (see `_show`)."""

    def __init__(self, outbox_id: int, page: int, way: str, *, disabled: bool = False, lang: str = "en",
                 shown: str | None = None, message_id: int | None = None) -> None:
        label = "◀ " + t("button.prev", lang) if way == "p" else t("button.next", lang) + " ▶"
        extra = f":{shown}:{message_id or 0}" if shown else ""
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, disabled=disabled,
                                           custom_id=f"pb:dg:{outbox_id}:{page}:{way}{extra}", row=1))
        self.outbox_id, self.page, self.shown, self.message_id = outbox_id, page, shown, message_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["oid"]), int(match["page"]), match["way"], shown=match["language"],
                   message_id=int(match["mid"] or 0))

    async def clicked(self, interaction: Interaction) -> None:
        await _show(interaction, self.outbox_id, self.page, self.shown, self.message_id)


class DayLanguageButton(PersistentItem[discord.ui.Button[Any]],
                        template=rf"pb:dglang:(?P<oid>\d{{1,19}}):(?P<page>\d{{1,4}}):(?P<lang>en|zh){_MID}"):
    """"🌐 English" / "🌐 中文": the page it shows, in that language, to the clicker (see `_show`), with
    the same paging, menu, takeaways and Discuss as the page it came from."""

    def __init__(self, outbox_id: int, page: int, language: str, *, message_id: int | None = None) -> None:
        label = "🌐 " + t("toggle.to_en" if language == "en" else "toggle.to_zh", "en")
        extra = f":{message_id}" if message_id else ""
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, row=1,
                                           custom_id=f"pb:dglang:{outbox_id}:{page}:{language}{extra}"))
        self.outbox_id, self.page, self.language, self.message_id = outbox_id, page, language, message_id

    @classmethod
    def toggle(cls, outbox_id: int, page: int, shown: str, *,
               message_id: int | None = None) -> DayLanguageButton | None:
        """The toggle under a page shown in `shown`; none under one that already has both."""
        other = toggled(shown)
        return None if other is None else cls(outbox_id, page, other, message_id=message_id)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["oid"]), int(match["page"]), match["lang"], message_id=int(match["mid"] or 0))

    async def clicked(self, interaction: Interaction) -> None:
        await _show(interaction, self.outbox_id, self.page, self.language, self.message_id)


def day_options(papers: list[Paper], first: int, language: str) -> list[discord.SelectOption]:
    """A day menu's papers: number and title, the paper's lead line under it."""
    return [discord.SelectOption(label=trim(f"{n}. {title_text(p)}", limits.OPTION_TEXT), value=p.arxiv_id,
                                 description=trim(lead(p, single(language), limits.OPTION_TEXT).text(),
                                                  limits.OPTION_TEXT) or None)
            for n, p in enumerate(papers[:limits.SELECT_OPTIONS], first)]


class DayMenu(PersistentItem[discord.ui.Select[Any]], template=rf"pb:dgo:(?P<oid>\d{{1,19}}){_LANG}{_MID}"):
    """"Open a paper…": the full card of the paper picked, to the one who picked it, with Discuss under a
    channel's day."""

    def __init__(self, outbox_id: int, papers: list[Paper], first: int = 1, language: str = "zh",
                 lang: str = "en", *, shown: str | None = None, message_id: int | None = None,
                 options: list[discord.SelectOption] | None = None) -> None:
        options = options if options is not None else day_options(papers, first, language)
        extra = f":{shown}:{message_id or 0}" if shown else ""
        super().__init__(discord.ui.Select(custom_id=f"pb:dgo:{outbox_id}{extra}", row=0,
                                           placeholder=t("menu.open_paper", lang),
                                           options=options or [discord.SelectOption(label="…")]))
        self.outbox_id, self.shown, self.message_id = outbox_id, shown, message_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        # the choice arrives with the interaction
        return cls(int(match["oid"]), [], shown=match["language"], message_id=int(match["mid"] or 0))

    async def clicked(self, interaction: Interaction) -> None:
        values = (interaction.data or {}).get("values") or [""]
        paper = await stored_paper(interaction, str(values[0]))
        if paper is None:
            return
        store = interaction.client.store
        day = await read_day(store, self.outbox_id)
        if day is not None:
            paper = day.labelled(paper)
        also_in = (await store.paper_topics([paper.arxiv_id])).get(paper.arxiv_id, [])
        language = self.shown if self.shown in READINGS else await reading_language(interaction)
        _, lang = await reader_languages(interaction)  # a card for the clicker alone: in their words
        embed = paper_embed(paper, images=interaction.client.config.feeds.images, also_in=also_in,
                            language=language, lang=lang)
        view = paper_view(paper, language=language, lang=lang)
        message = interaction.message
        mid = self.message_id or (message.id if message is not None and not message.flags.ephemeral else 0)
        if interaction.guild_id is not None and mid and len(paper.arxiv_id) <= 30:
            view.add_item(DiscussButton(f"{self.outbox_id}:{mid}:{paper.arxiv_id}", lang))
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


PERSISTENT: tuple[type[discord.ui.DynamicItem[Any]], ...] = (DayPageButton, DayLanguageButton, DayMenu, DiscussButton)
