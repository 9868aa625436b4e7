"""/settings: a server's own Paperboy settings (Manage Server). One group; each setting is one method
below (`@settings.command(name=...)`), so adding one touches nothing else. The cog also answers the
language toggle under every card (the other language, to the clicker only)."""

from __future__ import annotations

import logging
from typing import Protocol

import discord
from discord import app_commands

from bot.client import Interaction, PaperboyClient
from bot.dm_schedule import WEEKDAYS, weekday_name
from bot.i18n.replies import reply_lang, say
from bot.ui.buttons import LanguageButton, LanguageMenu
from bot.ui.language import CHOICES
from bot.ui.render import alert_line
from bot.ui.views import ItemOwner
from jobs.lab_week import WeekPost
from jobs.messages import AlertMessage
from jobs.ops.source_watch import ongoing_alerts
from jobs.store.areas import LabWeekArea, SettingsArea, WatchArea

log = logging.getLogger(__name__)
MANAGE = discord.Permissions(manage_guild=True)


class SettingsStore(SettingsArea, WatchArea, LabWeekArea, Protocol):
    """The store areas the settings cog uses: the server's settings, the watchdog's alerts, the weekly post."""


class Settings(ItemOwner):
    settings = app_commands.Group(name="settings", description="This server's Paperboy settings",
                                  guild_only=True, default_permissions=MANAGE)

    # "English" / "中文" under a card, "Read in …" under a message of several: shows the other
    # language to the one who clicked, on any message we ever sent.
    PERSISTENT = (LanguageButton, LanguageMenu)

    def __init__(self, bot: PaperboyClient, store: SettingsStore) -> None:
        super().__init__(bot)
        self.store = store

    @settings.command(name="language", description="The language of paper cards and digests in this server")
    @app_commands.describe(language="zh: Chinese; en: English; both: both languages")
    @app_commands.choices(language=CHOICES)
    async def language(self, interaction: Interaction, language: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        await self.store.set_guild_language(interaction.guild_id, language.value, interaction.user.id)
        await interaction.response.send_message(
            say(interaction, "settings.language_set", language=say(interaction, f"language.{language.value}")),
            ephemeral=True,
        )

    @settings.command(name="alerts", description="Where Paperboy says when a paper source fails or goes quiet")
    @app_commands.describe(channel="The channel for alerts; leave it out to turn alerts off")
    async def alerts(self, interaction: Interaction, channel: discord.TextChannel | None = None) -> None:
        assert interaction.guild is not None
        store = self.store
        if channel is None:
            before = await store.alert_channel(interaction.guild.id)
            await store.set_alert_channel(interaction.guild.id, None)
            was = say(interaction, "settings.alerts_were", channel=f"<#{before}>") if before else ""
            await interaction.response.send_message(say(interaction, "settings.alerts_off", was=was), ephemeral=True)
            return
        perms = channel.permissions_for(interaction.guild.me)
        if not (perms.view_channel and perms.send_messages):
            await interaction.response.send_message(
                say(interaction, "settings.alerts_cannot_post", channel=channel.mention), ephemeral=True
            )
            return
        before = await store.alert_channel(interaction.guild.id)
        await store.set_alert_channel(interaction.guild.id, channel.id, interaction.user.id)
        await interaction.response.send_message(say(interaction, "settings.alerts_on", channel=channel.mention),
                                                ephemeral=True)
        if before != channel.id:
            await self._announce_ongoing(channel)

    @settings.command(name="week", description="A weekly post of the papers this server reacted to most")
    @app_commands.describe(channel="Where it goes; leave it out to stop the weekly post",
                           weekday="The day it comes (default Monday)", hour="The hour it comes, UTC (default 9)")
    @app_commands.choices(weekday=WEEKDAYS)
    async def week(self, interaction: Interaction, channel: discord.TextChannel | None = None,
                   weekday: app_commands.Choice[int] | None = None,
                   hour: app_commands.Range[int, 0, 23] | None = None) -> None:
        assert interaction.guild is not None
        store = self.store
        if channel is None:
            await store.set_week_post(interaction.guild.id, None)
            await interaction.response.send_message(say(interaction, "settings.week_off"), ephemeral=True)
            return
        perms = channel.permissions_for(interaction.guild.me)
        if not (perms.view_channel and perms.send_messages and perms.embed_links):
            await interaction.response.send_message(
                say(interaction, "settings.alerts_cannot_post", channel=channel.mention), ephemeral=True)
            return
        day = weekday.value if weekday is not None else 0
        at = 9 if hour is None else hour
        post = WeekPost(interaction.guild.id, channel.id, day, at)
        await store.set_week_post(post.guild_id, channel.id, day, at, post.due(self.bot.clock()))
        await interaction.response.send_message(
            say(interaction, "settings.week_on", channel=channel.mention,
                day=weekday_name(day, reply_lang(interaction)), hour=f"{at:02d}:00"), ephemeral=True)

    async def _announce_ongoing(self, channel: discord.TextChannel) -> None:
        """An outage that began before this channel was set is announced there now: the cycle that
        raised its alert had nowhere to post it, and it says nothing more until the source is back."""
        for alert in await ongoing_alerts(self.store):
            try:
                await channel.send(alert_line(AlertMessage("alert", alert.source, alert.text())),
                                   allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException:
                log.warning("could not announce %s's outage in channel %s", alert.source, channel.id, exc_info=True)
                return


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Settings(bot, bot.store))
