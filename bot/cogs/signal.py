"""The group's own signal (issue 22): the 👍 / 👎 and 🔖 Save buttons under every card (bot/ui/buttons.py),
`/saved` and `/forget-me`. Everything here answers its member alone."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import reply_lang, say
from bot.ui.buttons import FeedbackButton, SaveButton
from bot.ui.embeds import trim
from bot.ui.language import reading_language
from bot.ui.pager import PAGE_SIZE, Entry, PaperPages
from bot.ui.render import top_embed
from bot.ui.views import ItemOwner, OwnedView
from jobs.plan.lab_week import top_message
from jobs.plan.personal import rank
from jobs.present.export import EXTENSIONS, export
from jobs.present.i18n import t
from jobs.store.areas import DeparturesArea, PapersArea, SignalArea

PERIODS = [app_commands.Choice(name="week", value="week"), app_commands.Choice(name="month", value="month")]
CONFIRM_TIMEOUT = 300  # seconds a /forget-me confirmation stays clickable
FORYOU_DAYS = 7  # /foryou ranks the papers of the newest post date and the six days before it
WHY_TITLE = 80  # characters of a liked paper's title in a "why" line


class ForgetConfirm(OwnedView):
    """The one button that deletes a member's data: theirs to click, once."""

    def __init__(self, owner_id: int, lang: str, signal: SignalArea) -> None:
        super().__init__(owner_id, timeout=CONFIRM_TIMEOUT)
        self.signal = signal
        self.confirm.label = t("forget.button", lang)

    @discord.ui.button(label="…", style=discord.ButtonStyle.danger)  # labelled in the member's language
    async def confirm(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        gone = await self.signal.forget_member(interaction.user.id)
        self.stop()
        await interaction.response.edit_message(
            content=say(interaction, "forget.done", subs=gone.get("subscriptions", 0),
                        feedback=gone.get("feedback", 0), saved=gone.get("saved", 0)), view=None)


export_text = export  # the command's option is named `export` too


class SignalStore(SignalArea, PapersArea, DeparturesArea, Protocol):
    """The store areas the signal cog uses: members' signal and saved papers, the papers, departures."""


class Signal(ItemOwner):
    PERSISTENT = (FeedbackButton, SaveButton)  # under any card we ever sent

    def __init__(self, bot: PaperboyClient, store: SignalStore) -> None:
        super().__init__(bot)
        self.store = store

    @app_commands.command(name="saved", description="The papers you saved with 🔖 (only you see this)")
    @app_commands.describe(export="Also attach them as a file: BibTeX (LaTeX) or RIS (Zotero, EndNote)")
    @app_commands.choices(export=[app_commands.Choice(name="BibTeX", value="bibtex"),
                                  app_commands.Choice(name="RIS", value="ris")])
    async def saved(self, interaction: Interaction, export: app_commands.Choice[str] | None = None) -> None:
        store = self.store
        ids = await store.saved_papers(interaction.user.id)
        if not ids:
            await interaction.response.send_message(say(interaction, "saved.none"), ephemeral=True)
            return
        if export is not None:
            found = await store.get_papers(ids)
            papers = [found[i] for i in ids if i in found]
            data = export_text(papers, export.value).encode("utf-8")
            await interaction.response.send_message(
                say(interaction, "saved.export", n=len(papers), format=export.name), ephemeral=True,
                file=discord.File(io.BytesIO(data), filename=f"paperboy-saved.{EXTENSIONS[export.value]}"))
            return

        async def fetch(offset: int, limit: int) -> tuple[list[Entry], int]:
            wanted = ids[offset:offset + limit]
            found = await store.get_papers(wanted)
            return [Entry(found[i]) for i in wanted if i in found], len(ids)

        lang = reply_lang(interaction)
        entries, total = await fetch(0, PAGE_SIZE)
        view = PaperPages(interaction.user.id, t("saved.title", lang), fetch, entries, total, lang=lang,
                          language=await reading_language(interaction))
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)
        view.message = await interaction.original_response()

    @app_commands.command(name="foryou", description="Your ranked papers of the last 7 days (only you see this)")
    async def foryou(self, interaction: Interaction) -> None:
        store = self.store
        lang = reply_lang(interaction)
        latest = max((info.latest for info in await store.topics() if info.latest), default=None)
        if latest is None:
            await interaction.response.send_message(t("latest.none", lang), ephemeral=True)
            return
        since = (date.fromisoformat(latest[:10]) - timedelta(days=FORYOU_DAYS - 1)).isoformat()
        ids = await store.recent_papers(since)
        found = await store.get_papers(ids)
        told = (await store.member_signals([interaction.user.id])).get(interaction.user.id, {})
        candidates = [found[i] for i in ids if i in found and i not in told]  # what they rated, they have seen
        rated = await store.get_papers(sorted(told))
        ranked = rank(candidates, told, [rated[i] for i in told if i in rated])
        if ranked is None:  # cold start: the days as they came, newest first
            entries = [Entry(p) for p in candidates]
            title = t("foryou.cold", lang, since=since)
        else:
            entries = [Entry(candidates[i], t("reason.like", lang, title=discord.utils.escape_markdown(
                trim(rated[ranked.why[i]].title, WHY_TITLE))) if i in ranked.why else "") for i in ranked.order]
            title = t("foryou.title", lang, since=since)

        async def fetch(offset: int, limit: int) -> tuple[list[Entry], int]:
            return entries[offset:offset + limit], len(entries)

        view = PaperPages(interaction.user.id, title, fetch, entries[:PAGE_SIZE], len(entries), lang=lang,
                          language=await reading_language(interaction))
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)
        view.message = await interaction.original_response()

    @app_commands.command(name="top", description="The papers this server reacted to most (👍 / 👎)")
    @app_commands.describe(period="The last 7 days (week) or 30 days (month)")
    @app_commands.choices(period=PERIODS)
    @app_commands.guild_only()
    async def top(self, interaction: Interaction, period: app_commands.Choice[str] | None = None) -> None:
        assert interaction.guild_id is not None
        store = self.store
        message = await top_message(store, interaction.guild_id, period.value if period else "week", self.bot.clock())
        found = await store.get_papers([p[0] for p in message.papers])
        await interaction.response.send_message(embed=top_embed(message, found, reply_lang(interaction)),
                                                ephemeral=True)

    @app_commands.command(name="forget-me", description="Erase everything Paperboy keeps about you")
    async def forget_me(self, interaction: Interaction) -> None:
        lang = reply_lang(interaction)
        view = ForgetConfirm(interaction.user.id, lang, self.store)
        await interaction.response.send_message(t("forget.ask", lang, what=t("forget.what", lang)), view=view,
                                                ephemeral=True)
        view.message = await interaction.original_response()


    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member left (or was removed): their feedback here goes in DEPARTED_DAYS (jobs/departures.py)."""
        await self.store.record_departure(payload.user.id, payload.guild_id, self.bot.clock())

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Back within DEPARTED_DAYS: nothing of theirs goes."""
        await self.store.cancel_departure(member.id, member.guild.id)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Signal(bot, bot.store))
