"""/settings: a server's own Paperboy settings (Manage Server). One group; each setting is one method
below (`@settings.command(name=...)`), so adding one touches nothing else. The cog also answers the
language toggle under every card (the other language, to the clicker only)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import say
from bot.ui.buttons import LanguageButton, LanguageMenu
from bot.ui.language import CHOICES
from bot.ui.render import alert_line
from bot.ui.views import ItemOwner
from jobs.ops.source_watch import ongoing_alerts

log = logging.getLogger(__name__)
MANAGE = discord.Permissions(manage_guild=True)


class Settings(ItemOwner):
    settings = app_commands.Group(name="settings", description="This server's Paperboy settings",
                                  guild_only=True, default_permissions=MANAGE)

    # "English" / "中文" under a card, "Read in …" under a message of several: shows the other
    # language to the one who clicked, on any message we ever sent.
    PERSISTENT = (LanguageButton, LanguageMenu)

    @settings.command(name="language", description="The language of paper cards and digests in this server")
    @app_commands.describe(language="zh: Chinese; en: English; both: both languages")
    @app_commands.choices(language=CHOICES)
    async def language(self, interaction: Interaction, language: app_commands.Choice[str]) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.set_guild_language(interaction.guild_id, language.value, interaction.user.id)
        await interaction.response.send_message(
            say(interaction, "settings.language_set", language=say(interaction, f"language.{language.value}")),
            ephemeral=True,
        )

    @settings.command(name="alerts", description="Where Paperboy says when a paper source fails or goes quiet")
    @app_commands.describe(channel="The channel for alerts; leave it out to turn alerts off")
    async def alerts(self, interaction: Interaction, channel: discord.TextChannel | None = None) -> None:
        assert interaction.guild is not None
        store = self.bot.store
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

    async def _announce_ongoing(self, channel: discord.TextChannel) -> None:
        """An outage that began before this channel was set is announced there now: the cycle that
        raised its alert had nowhere to post it, and it says nothing more until the source is back."""
        for alert in await ongoing_alerts(self.bot.store):
            try:
                await channel.send(alert_line({"event": "alert", "source": alert.source, "text": alert.text()}),
                                   allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException:
                log.warning("could not announce %s's outage in channel %s", alert.source, channel.id, exc_info=True)
                return


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Settings(bot))
