"""Buttons under a paper embed. Link buttons need no handler; the others are DynamicItems, so a click
on a message posted before a restart still finds its handler."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from bot.client import Interaction
from bot.i18n.replies import reply_lang, say
from bot.subscribe import subscribe
from bot.ui.embeds import abstract_embed, button_urls, paper_embed, title_text, trim
from bot.ui.views import PaperboyView, PersistentItem
from jobs.models import Paper
from jobs.present import limits
from jobs.present.i18n import t
from jobs.present.reading import toggled


class KeyedButton(PersistentItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button whose custom_id carries one key (an arXiv id, a topic), so a click on a message sent
    before a restart still finds its handler. Subclasses set PREFIX, LABEL (a catalogue key: the label
    reads in `lang`, the language of the message it is under), STYLE and a template with a `key` group."""

    PREFIX: ClassVar[str]
    LABEL: ClassVar[str]
    STYLE: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, key: str, lang: str = "en") -> None:
        super().__init__(discord.ui.Button(label=t(self.LABEL, lang), style=self.STYLE,
                                           custom_id=f"{self.PREFIX}{key}"))
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["key"])


ECHOED_ID_MAX = 40  # an arXiv id with its version is at most about 20 characters


async def stored_paper(interaction: Interaction, arxiv_id: str) -> Paper | None:
    """The paper a button names; None, after telling the clicker, when it is gone."""
    paper = await interaction.client.store.get_paper(arxiv_id)
    if paper is None:
        # The id comes from the client and may be forged: echo a bounded, inert piece of it.
        shown = discord.utils.escape_markdown(trim(arxiv_id, ECHOED_ID_MAX))
        await interaction.response.send_message(say(interaction, "paper.gone", id=shown), ephemeral=True)
    return paper


class AbstractButton(KeyedButton, template=r"pb:abs:(?P<key>[\w./-]{4,60})"):
    """Shows the English abstract to the person who clicked, and to no one else (in their language)."""

    PREFIX, LABEL = "pb:abs:", "button.abstract"

    async def clicked(self, interaction: Interaction) -> None:
        paper = await stored_paper(interaction, self.key)
        if paper is not None:
            await interaction.response.send_message(embed=abstract_embed(paper, lang=reply_lang(interaction)),
                                                    ephemeral=True)


class FollowTopicButton(KeyedButton, template=r"pb:follow:(?P<key>.{1,90})"):
    """Subscribes the clicker to the paper's topic, and tells only them."""

    PREFIX, LABEL, STYLE = "pb:follow:", "button.follow_topic", discord.ButtonStyle.secondary  # grey: not the loudest

    async def clicked(self, interaction: Interaction) -> None:
        reply = await subscribe(interaction.client.store, interaction.user, "topic", self.key,
                                reply_lang(interaction))
        await interaction.response.send_message(reply, ephemeral=True)


FEEDBACK_MARKS = {"up": "👍", "down": "👎", "hide": "🙈"}
FEEDBACK_LABELS = {"up": "button.like", "down": "button.dislike", "hide": "button.not_interested"}


class FeedbackButton(KeyedButton, template=r"pb:fb:(?P<key>(?:up|down|hide):[\w./-]{4,60})"):
    """👍 / 👎 / 🙈 Not interested under every card: the clicker's own feedback on the paper, toggled (a
    second click takes it back, another one replaces it) and told to them alone with the paper's counts,
    never who. "Not interested" is about the card's topic: their ranking puts that topic's papers last."""

    PREFIX, LABEL = "pb:fb:", "button.like"

    def __init__(self, key: str, lang: str = "en") -> None:
        super().__init__(key, lang)
        self.value, _, self.arxiv_id = key.partition(":")
        self.item.label = t(FEEDBACK_LABELS[self.value], lang)
        self.item.row = 1  # under the links and Abstract: a second row for what the reader thinks

    async def clicked(self, interaction: Interaction) -> None:
        paper = await stored_paper(interaction, self.arxiv_id)
        if paper is None:
            return
        store = interaction.client.store
        now = await store.toggle_feedback(interaction.user.id, paper.arxiv_id, self.value, paper.topic or None,
                                          interaction.guild_id)
        counts = await store.feedback_counts(paper.arxiv_id)
        title = discord.utils.escape_markdown(trim(title_text(paper), 120))
        topic = discord.utils.escape_markdown(trim(paper.topic, 90))
        said = (say(interaction, f"feedback.{now}", title=title, topic=topic) if now is not None
                else say(interaction, "feedback.cleared", title=title, mark=FEEDBACK_MARKS[self.value]))
        await interaction.response.send_message(
            said + "\n" + say(interaction, "feedback.counts", up=counts["up"], down=counts["down"]), ephemeral=True)


class SaveButton(KeyedButton, template=r"pb:save:(?P<key>[\w./-]{4,60})"):
    """🔖 Save under every card: adds the paper to the clicker's `/saved`, or takes it out again."""

    PREFIX, LABEL = "pb:save:", "button.save"

    def __init__(self, key: str, lang: str = "en") -> None:
        super().__init__(key, lang)
        self.item.row = 1

    async def clicked(self, interaction: Interaction) -> None:
        paper = await stored_paper(interaction, self.key)
        if paper is None:
            return
        saved = await interaction.client.store.toggle_saved(interaction.user.id, paper.arxiv_id)
        title = discord.utils.escape_markdown(trim(title_text(paper), 120))
        await interaction.response.send_message(say(interaction, "saved.added" if saved else "saved.removed",
                                                    title=title), ephemeral=True)


class LanguageButton(KeyedButton, template=r"pb:lang:(?P<key>(?:en|zh):[\w./-]{4,60})"):
    """Shows a card in the other language to the one who clicked, and to no one else. The key is the
    language to show and the arXiv id ("en:2410.18355"); the label names that language in itself."""

    PREFIX, LABEL = "pb:lang:", "toggle.to_en"

    def __init__(self, key: str, lang: str = "en") -> None:
        super().__init__(key, lang)
        self.language, _, self.arxiv_id = key.partition(":")
        self.item.label = "🌐 " + t("toggle.to_en" if self.language == "en" else "toggle.to_zh", "en")

    @classmethod
    def toggle(cls, arxiv_id: str, shown: str) -> LanguageButton | None:
        """The toggle under a card shown in `shown`; none under a card that already has both. Its label
        names the language it shows, in that language, whatever the reader's."""
        other = toggled(shown)
        if other is None or len(arxiv_id) > 60:
            return None
        return cls(f"{other}:{arxiv_id}")

    async def clicked(self, interaction: Interaction) -> None:
        paper = await stored_paper(interaction, self.arxiv_id)
        if paper is not None:
            images = interaction.client.config.feeds.images
            lang = reply_lang(interaction)  # the card is the clicker's alone: their client's words
            await interaction.response.send_message(
                embed=paper_embed(paper, images=images, language=self.language, lang=lang),
                view=paper_view(paper, language=self.language, lang=lang), ephemeral=True,
            )


class AbstractMenu(PersistentItem[discord.ui.Select[Any]], template=r"pb:absmenu"):
    """Under a message of several papers (a DM): pick one to read its English abstract, privately."""

    def __init__(self, papers: list[Paper], lang: str = "en") -> None:
        options = [discord.SelectOption(label=trim(f"{n}. {title_text(p)}", limits.OPTION_TEXT), value=p.arxiv_id,
                                        description=trim(f"arXiv {p.arxiv_id}", limits.OPTION_TEXT))
                   for n, p in enumerate(papers[:limits.SELECT_OPTIONS], 1)]
        super().__init__(discord.ui.Select(custom_id="pb:absmenu", placeholder=t("menu.read_abstract", lang),
                                           options=options or [discord.SelectOption(label="…")]))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AbstractMenu:
        return cls([])  # the choice arrives with the interaction; the options live in the message

    async def clicked(self, interaction: Interaction) -> None:
        values = (interaction.data or {}).get("values") or [""]
        paper = await stored_paper(interaction, str(values[0]))
        if paper is not None:
            await interaction.response.send_message(embed=abstract_embed(paper, lang=reply_lang(interaction)),
                                                    ephemeral=True)


class LanguageMenu(PersistentItem[discord.ui.Select[Any]], template=r"pb:langmenu:(?P<language>en|zh)"):
    """Under a message of several papers: pick one to read it in the other language, privately."""

    def __init__(self, papers: list[Paper], language: str, lang: str = "en") -> None:
        self.language = language
        options = [discord.SelectOption(label=trim(f"{n}. {title_text(p)}", limits.OPTION_TEXT), value=p.arxiv_id)
                   for n, p in enumerate(papers[:limits.SELECT_OPTIONS], 1)]
        placeholder = t("menu.read_in_en" if language == "en" else "menu.read_in_zh", lang)
        super().__init__(discord.ui.Select(custom_id=f"pb:langmenu:{language}", placeholder=placeholder,
                                           options=options or [discord.SelectOption(label="…")]))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LanguageMenu:
        return cls([], match["language"])

    async def clicked(self, interaction: Interaction) -> None:
        values = (interaction.data or {}).get("values") or [""]
        await LanguageButton(f"{self.language}:{values[0]}").clicked(interaction)


def papers_view(papers: list[Paper], language: str = "zh", lang: str = "en") -> discord.ui.View:
    """The controls under a message of several paper embeds (shown in `language`; labels in `lang`)."""
    view = PaperboyView(timeout=None)
    view.add_item(AbstractMenu(papers, lang))
    if language != "both":
        view.add_item(LanguageMenu(papers, "zh" if language == "en" else "en", lang))
    return view


def paper_view(paper: Paper, *extra: discord.ui.Item[Any], language: str = "zh", lang: str = "en") -> discord.ui.View:
    """PDF and Code links, Abstract, the language toggle (for a card shown in `language`), Follow topic
    (the topic the card shows); under them 👍, 👎, 🔖 Save and 🙈 Not interested; then any `extra` items
    (Share, Discuss); labels in `lang`. The title links to arXiv; a project page stays in the comment."""
    view = PaperboyView(timeout=None)
    for key in ("pdf", "code"):
        url = paper.links.get(key, "")
        if url in button_urls(paper):
            view.add_item(discord.ui.Button(label=t(f"button.{key}", lang), url=url))
    if len(paper.arxiv_id) <= 60:
        view.add_item(AbstractButton(paper.arxiv_id, lang))
    toggle = LanguageButton.toggle(paper.arxiv_id, language)
    if toggle is not None:
        view.add_item(toggle)
    if paper.topic and len(paper.topic) <= 90:
        view.add_item(FollowTopicButton(paper.topic, lang))
    if len(paper.arxiv_id) <= 60:
        for value in ("up", "down"):
            view.add_item(FeedbackButton(f"{value}:{paper.arxiv_id}", lang))
        view.add_item(SaveButton(paper.arxiv_id, lang))
        if paper.topic:  # "not interested in this topic": a card without one has nothing to say it of
            view.add_item(FeedbackButton(f"hide:{paper.arxiv_id}", lang))
    for item in extra:
        view.add_item(item)
    return view
