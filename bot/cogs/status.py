"""/status (Manage Server): what `python -m bot status` prints, as an embed only the asker sees."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import reply_lang
from bot.ui.status import status_embed
from jobs.ops.status import gather_status


class Status(commands.Cog):
    def __init__(self, bot: PaperboyClient) -> None:
        self.bot = bot

    @app_commands.command(name="status", description="Paperboy's sources, schedule, deliveries and database")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def status(self, interaction: Interaction) -> None:
        report = await gather_status(self.bot.store, self.bot.config, self.bot.clock())
        await interaction.response.send_message(embed=status_embed(report, reply_lang(interaction)), ephemeral=True)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Status(bot))


