"""Slash commands in zh-CN and zh-TW through discord.py's Translator: Discord shows each member the
names and descriptions of their client's language. Other locales keep the English source."""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n.commands_zh import CHOICES, COMMANDS, Command, Text

_COLUMN = {Locale.chinese: 0, Locale.taiwan_chinese: 1}  # zh-CN, zh-TW


def _command(data: object) -> Command | None:
    name = getattr(data, "qualified_name", None)
    return COMMANDS.get(name) if isinstance(name, str) else None


def translation(location: Where, data: object, locale: Locale) -> str | None:
    """The catalogue's text for what discord.py asks about, or None to keep the English."""
    column = _COLUMN.get(locale)
    if column is None:
        return None
    text: Text | None = None
    if location in (Where.command_name, Where.group_name, Where.command_description, Where.group_description):
        command = _command(data)
        if command is not None:
            text = command.name if location in (Where.command_name, Where.group_name) else command.description
    elif location in (Where.parameter_name, Where.parameter_description):
        command = _command(getattr(data, "command", None))
        option = command.options.get(getattr(data, "name", "")) if command else None
        if option is not None:
            text = option.name if location is Where.parameter_name else option.description
    elif location is Where.choice_name:
        text = CHOICES.get(str(getattr(data, "value", "")))
    return text[column] if text else None


class PaperboyTranslator(app_commands.Translator):
    """Install with `await bot.tree.set_translator(PaperboyTranslator())` before the tree syncs."""

    async def translate(self, string: app_commands.locale_str, locale: Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        return translation(context.location, context.data, locale)
