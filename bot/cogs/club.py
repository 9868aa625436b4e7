"""/club propose|schedule|list and the 🗳️ Vote button: a server's journal club (jobs/club.py). Scheduling
creates a Discord scheduled event and a thread for the paper; the presenter's reminder, a day before, goes
through the outbox (jobs/plan/lab_week.py plan_club_reminders, from the hourly check)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import discord
from discord import app_commands

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import reply_lang, say
from bot.ui.buttons import KeyedButton
from bot.ui.embeds import LIST_COLOUR, title_text, trim
from bot.ui.views import ItemOwner, PaperboyView
from jobs.arxiv_id import normalize_arxiv_id
from jobs.club import SESSION, ClubPaper, parse_when, pick
from jobs.models import Paper
from jobs.present.i18n import t
from jobs.store.areas import ClubArea, PapersArea

WHEN = "%Y-%m-%d %H:%M"


def _title(paper: Paper | None, arxiv_id: str) -> str:
    return discord.utils.escape_markdown(trim(title_text(paper), 90)) if paper else arxiv_id


class VoteButton(KeyedButton, template=r"pb:club:(?P<key>[\w./-]{4,60})"):
    """🗳️ Vote under a proposal: the clicker's vote, cast or taken back, answered to them with the count."""

    PREFIX, LABEL, STYLE = "pb:club:", "club.vote", discord.ButtonStyle.primary

    async def clicked(self, interaction: Interaction) -> None:
        if interaction.guild_id is None:
            return
        club = interaction.client.get_cog("Club")
        assert isinstance(club, Club), "the Club cog registers this button"
        await club.vote(interaction, self.key)


class ClubStore(ClubArea, PapersArea, Protocol):
    """The store areas the club cog uses: the reading list and its votes, and the papers."""


class Club(ItemOwner):
    PERSISTENT = (VoteButton,)
    club = app_commands.Group(name="club", description="This server's journal club", guild_only=True)

    def __init__(self, bot: PaperboyClient, store: ClubStore) -> None:
        super().__init__(bot)
        self.store = store

    async def vote(self, interaction: Interaction, key: str) -> None:
        """🗳️ Vote clicked: the clicker's vote, cast or taken back, answered to them with the count."""
        assert interaction.guild_id is not None
        done = await self.store.toggle_club_vote(interaction.guild_id, key, interaction.user.id)
        if done is None:
            await interaction.response.send_message(say(interaction, "club.not_listed", id=key), ephemeral=True)
            return
        voted, votes = done
        await interaction.response.send_message(
            say(interaction, "club.voted" if voted else "club.unvoted", id=key, n=votes), ephemeral=True)

    @club.command(name="propose", description="Add a paper to this server's journal-club list")
    @app_commands.describe(paper="Its arXiv id, like 2410.18355")
    async def propose(self, interaction: Interaction, paper: app_commands.Range[str, 1, 300]) -> None:
        assert interaction.guild_id is not None
        arxiv_id = normalize_arxiv_id(paper)
        if arxiv_id is None:
            await interaction.response.send_message(
                say(interaction, "paper.not_an_id", given=discord.utils.escape_markdown(trim(paper, 80))),
                ephemeral=True)
            return
        store = self.store
        added = await store.propose_club_paper(interaction.guild_id, arxiv_id, interaction.user.id, self.bot.clock())
        if added is None:
            await interaction.response.send_message(say(interaction, "paper.not_stored", id=arxiv_id), ephemeral=True)
            return
        if not added:
            await interaction.response.send_message(say(interaction, "club.already", id=arxiv_id), ephemeral=True)
            return
        found = await store.get_paper(arxiv_id)
        lang = reply_lang(interaction)
        view = PaperboyView(timeout=None)
        view.add_item(VoteButton(arxiv_id, lang))
        await interaction.response.send_message(  # in the channel: members vote under it
            t("club.proposed", lang, user=interaction.user.mention, title=_title(found, arxiv_id),
              url=found.abs_url if found else ""), view=view, allowed_mentions=discord.AllowedMentions.none())

    @club.command(name="schedule", description="Schedule the most voted paper: an event, a thread, a reminder")
    @app_commands.describe(when="Date and time, UTC, like 2026-01-09 16:00", presenter="Who presents it")
    @app_commands.default_permissions(manage_events=True)
    async def schedule(self, interaction: Interaction, when: str, presenter: discord.Member) -> None:
        assert interaction.guild is not None
        store = self.store
        start = parse_when(when, self.bot.clock())
        if isinstance(start, str):
            await interaction.response.send_message(
                say(interaction, f"club.bad_{start}", when=trim(when, 40).replace("`", "'")), ephemeral=True)
            return
        chosen = pick(await store.club_papers(interaction.guild.id))
        if chosen is None:
            await interaction.response.send_message(say(interaction, "club.empty"), ephemeral=True)
            return
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            await interaction.response.send_message(say(interaction, "discuss.text_only"), ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        found = await store.get_paper(chosen.arxiv_id)
        name = trim(f"📚 {title_text(found) if found else chosen.arxiv_id}", 100)
        lang = reply_lang(interaction)
        try:
            thread = await channel.create_thread(name=name, auto_archive_duration=10080,
                                                 type=discord.ChannelType.public_thread)
            event = await interaction.guild.create_scheduled_event(
                name=name, start_time=start, end_time=start + SESSION,
                entity_type=discord.EntityType.external, privacy_level=discord.PrivacyLevel.guild_only,
                location=trim(thread.jump_url, 100),
                description=trim(t("club.event", lang, presenter=presenter.display_name,
                                   url=found.abs_url if found else chosen.arxiv_id), 1000))
        except discord.Forbidden:
            await interaction.followup.send(say(interaction, "club.forbidden"), ephemeral=True)
            return
        await store.schedule_club_paper(interaction.guild.id, chosen.arxiv_id, presenter.id, start, event.id,
                                        thread.id)
        await thread.send(t("club.thread", lang, presenter=presenter.mention, title=_title(found, chosen.arxiv_id),
                            when=start.strftime(WHEN), url=event.url),
                          allowed_mentions=discord.AllowedMentions(users=[presenter]))
        await interaction.followup.send(
            t("club.scheduled", lang, title=_title(found, chosen.arxiv_id), when=start.strftime(WHEN),
              presenter=presenter.mention, n=chosen.votes, thread=thread.mention, url=event.url),
            allowed_mentions=discord.AllowedMentions.none())

    @club.command(name="list", description="The journal club: proposed, scheduled and past papers")
    async def list_(self, interaction: Interaction) -> None:
        assert interaction.guild_id is not None
        store = self.store
        papers = await store.club_papers(interaction.guild_id)
        lang = reply_lang(interaction)
        if not papers:
            await interaction.response.send_message(say(interaction, "club.empty"), ephemeral=True)
            return
        found = await store.get_papers([p.arxiv_id for p in papers])
        now = self.bot.clock()
        sections: dict[str, list[str]] = {"proposed": [], "scheduled": [], "past": []}
        for p in sorted(papers, key=lambda p: (-p.votes, p.proposed_at)):
            sections[p.state(now)].append(_line(p, found.get(p.arxiv_id), lang))
        embed = discord.Embed(title=t("club.title", lang), colour=LIST_COLOUR)
        for state, lines in sections.items():
            if lines:
                embed.add_field(name=t(f"club.section.{state}", lang), value=trim("\n".join(lines), 1024), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)


def _line(p: ClubPaper, paper: Paper | None, lang: str) -> str:
    line = f"**{_title(paper, p.arxiv_id)}** · 🗳️ {p.votes}"
    if p.starts_at is not None:
        when: datetime = p.starts_at
        line += f" · {when.strftime(WHEN)} UTC · <@{p.presenter_id}>"
        if p.thread_id:
            line += f" · <#{p.thread_id}>"
    return line


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Club(bot, bot.store))

