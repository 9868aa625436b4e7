"""The command tree: one gate in front of every slash command, one handler behind them all."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import report_failure

_PERMISSION_NAMES = {"manage_guild": "Manage Server"}


class PaperboyTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Commands with default permissions are hidden from members who lack them, but a server's
        command settings can let anyone run them. Refuse those here, with a message, rather than
        raise: a refusal is an answer, not an error."""
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        command = interaction.command
        if command is None:
            return True
        root = getattr(command, "root_parent", None) or command
        required = getattr(root, "default_permissions", None)
        if required is None or interaction.permissions >= required:
            return True
        names = [_PERMISSION_NAMES.get(name, name.replace("_", " ").title()) for name, on in required if on]
        await interaction.response.send_message(
            f"You need the **{', '.join(names)}** permission to use `/{root.name}`.", ephemeral=True
        )
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await report_failure(interaction, error)
