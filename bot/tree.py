"""The command tree: one gate in front of every slash command, one handler behind them all."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import report_failure
from bot.i18n.commands_zh import COMMANDS, LOCALES
from bot.i18n.replies import reply_lang
from jobs.present.i18n import CATALOGUE, t


def shown_name(command: str, lang: str) -> str:
    """A command's name as a client in `lang` lists it."""
    entry = COMMANDS.get(command)
    return entry.name[LOCALES.index(lang)] if entry is not None and lang in LOCALES else command  # type: ignore[arg-type]


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
        # Discord keeps default permissions for top-level commands only: a subcommand's own (/club
        # schedule's Manage Events) is checked here or nowhere. Both levels must be met.
        required = discord.Permissions.none()
        for level in (root, command):
            required |= getattr(level, "default_permissions", None) or discord.Permissions.none()
        if interaction.permissions >= required:
            return True
        lang = reply_lang(interaction)
        names = [t(f"permission.{name}", lang) if f"permission.{name}" in CATALOGUE
                 else name.replace("_", " ").title() for name, on in required if on]
        await interaction.response.send_message(
            t("error.permission", lang, permission=", ".join(names), command=shown_name(root.name, lang)
              if root.default_permissions is not None else command.qualified_name),
            ephemeral=True,
        )
        return False

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError, /) -> None:
        await report_failure(interaction, error)
