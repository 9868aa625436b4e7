"""A page of papers with Prev / Next buttons and a menu that opens any of them, for /search and /latest.

Shown to the caller only; only the caller can turn its pages; the controls are removed when it times
out, so nobody clicks a dead button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.client import Interaction
from bot.i18n.replies import say
from bot.ui.buttons import KeyedButton, paper_view, stored_paper
from bot.ui.embeds import DESCRIPTION_MAX, LIST_COLOUR, Images, paper_embed, title_text, trim
from bot.ui.language import guild_languages, server_locale
from bot.ui.views import OwnedView
from jobs.models import Paper
from jobs.present import limits
from jobs.present.i18n import t
from jobs.present.plural import plural
from jobs.present.reading import lead, single

PAGE_SIZE = 5
TIMEOUT = 600  # seconds; ephemeral messages can be edited for 15 minutes


@dataclass(slots=True)
class Entry:
    paper: Paper
    snippet: str = ""


SUMMARY_LINE = 160  # characters of the one-line summary under a listed paper


def summary_line(paper: Paper, language: str = "zh") -> str:
    """One line saying what a listed paper is about, in one language (jobs.present.reading)."""
    return lead(paper, single(language), SUMMARY_LINE).text()


# Fetches one page: (entries, total). Offsets are in entries.
PageFetcher = Callable[[int, int], Awaitable[tuple[list[Entry], int]]]


class ShareButton(KeyedButton, template=r"pb:share:(?P<key>[\w./-]{4,60})"):
    """Posts an opened paper in the channel, for everyone: its words in the server's language."""

    PREFIX, LABEL, STYLE = "pb:share:", "button.share", discord.ButtonStyle.success

    async def clicked(self, interaction: Interaction) -> None:
        paper = await stored_paper(interaction, self.key)
        if paper is None:
            return
        store = interaction.client.store
        also_in = (await store.paper_topics([paper.arxiv_id])).get(paper.arxiv_id)
        # The channel's readers, not the clicker: the card reads as the server's cards do.
        language, lang = await guild_languages(store, interaction.guild_id, server_locale(interaction))
        await interaction.response.send_message(
            t("share.shared", lang, user=interaction.user.mention),
            embed=paper_embed(paper, images=interaction.client.config.feeds.images, also_in=also_in,
                              language=language, lang=lang),
            view=paper_view(paper, language=language, lang=lang), allowed_mentions=discord.AllowedMentions.none(),
        )


def opened_paper(paper: Paper, *, images: Images, also_in: list[str] | None = None,
                 language: str = "zh", lang: str = "en") -> dict[str, Any]:
    """The send() arguments for a paper opened privately: the embed, its buttons and Share. `also_in`
    names the paper's other topics, as every card does; `language` is the reader's reading language,
    `lang` their client's (the card's own words and buttons)."""
    return {"embed": paper_embed(paper, images=images, also_in=also_in, language=language, lang=lang),
            "view": paper_view(paper, ShareButton(paper.arxiv_id, lang), language=language, lang=lang)}


def results_embed(title: str, entries: list[Entry], offset: int, total: int, *, lang: str = "en",
                  language: str = "zh") -> discord.Embed:
    """A page of listed papers: the footer in the reader's `lang`, summaries in the reading `language`."""
    pages = max(1, -(-total // PAGE_SIZE))
    lines = []
    for n, entry in enumerate(entries, offset + 1):
        p = entry.paper
        link = p.abs_url
        head = f"**{n}. [{trim(title_text(p), 200).replace(']', ')')}]({link})**"
        meta = " · ".join(x for x in (p.topic, p.date, f"arXiv {p.arxiv_id}") if x)
        about = entry.snippet or summary_line(p, language)
        lines.append(f"{head}\n{meta}" + (f"\n> {about}" if about else ""))
    embed = discord.Embed(title=trim(title, limits.EMBED_TITLE), colour=LIST_COLOUR,
                          description=trim("\n\n".join(lines), DESCRIPTION_MAX))
    embed.set_footer(text=t("list.footer", lang, page=offset // PAGE_SIZE + 1, pages=pages,
                            papers=plural(total, "paper", lang)))
    return embed


class PaperPages(OwnedView):
    def __init__(self, owner_id: int, title: str, fetch: PageFetcher, entries: list[Entry], total: int, *,
                 lang: str = "en", language: str = "zh") -> None:
        super().__init__(owner_id, timeout=TIMEOUT)
        self.title = title
        self.fetch = fetch
        self.entries = entries
        self.total = total
        self.lang = lang  # replies and controls: the member's client language
        self.language = language  # the papers' own text: zh, en or both
        self.offset = 0
        self._sync_controls()

    def embed(self) -> discord.Embed:
        return results_embed(self.title, self.entries, self.offset, self.total, lang=self.lang,
                             language=self.language)

    def _sync_controls(self) -> None:
        self.prev.label = "◀ " + t("button.prev", self.lang)
        self.next.label = t("button.next", self.lang) + " ▶"
        self.open.placeholder = t("menu.open_paper", self.lang)
        self.prev.disabled = self.offset == 0
        self.next.disabled = self.offset + PAGE_SIZE >= self.total
        self.open.options = [
            discord.SelectOption(
                label=trim(f"{n}. {title_text(e.paper)}", limits.OPTION_TEXT), value=e.paper.arxiv_id,
                description=trim(" · ".join(x for x in (e.paper.topic, e.paper.date, e.paper.arxiv_id) if x),
                                 limits.OPTION_TEXT),
            )
            for n, e in enumerate(self.entries, self.offset + 1)
        ]
        self.open.disabled = not self.entries

    async def _turn(self, interaction: Interaction, offset: int) -> None:
        self.offset = max(0, offset)
        self.entries, self.total = await self.fetch(self.offset, PAGE_SIZE)
        self._sync_controls()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    # One pager style with a day's pages (bot/ui/paper_pages.py): the menu on top, Prev and Next under it.
    @discord.ui.button(label="◀ Prev", style=discord.ButtonStyle.secondary, row=1)
    async def prev(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, self.offset - PAGE_SIZE)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, row=1)
    async def next(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        await self._turn(interaction, self.offset + PAGE_SIZE)

    @discord.ui.select(placeholder="Open a paper…", min_values=1, max_values=1,
                       options=[discord.SelectOption(label="…")], row=0)
    async def open(self, interaction: Interaction, select: discord.ui.Select[Any]) -> None:
        paper = next((e.paper for e in self.entries if e.paper.arxiv_id == select.values[0]), None)
        if paper is None:
            paper = await interaction.client.store.get_paper(select.values[0])
        if paper is None:
            await interaction.response.send_message(say(interaction, "list.gone"), ephemeral=True)
            return
        images = interaction.client.config.feeds.images
        also_in = (await interaction.client.store.paper_topics([paper.arxiv_id])).get(paper.arxiv_id)
        await interaction.response.send_message(**opened_paper(paper, images=images, also_in=also_in,
                                                               language=self.language, lang=self.lang),
                                                ephemeral=True)
