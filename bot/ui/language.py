"""Which language papers read in for whoever is looking: zh (the digests' own), en, or both; and the
language of Paperboy's own words (headers, buttons) where several people read them."""

from __future__ import annotations

from discord import app_commands

from bot.client import Interaction
from jobs.present.i18n import Lang, text_lang
from jobs.present.reading import DEFAULT, READINGS, reading_of
from jobs.store.areas import SettingsArea

# The option of /settings language and /subscriptions language (bot/i18n translates them by value).
CHOICES = [app_commands.Choice(name="Chinese", value="zh"), app_commands.Choice(name="English", value="en"),
           app_commands.Choice(name="Both", value="both")]


async def reading_language(interaction: Interaction) -> str:
    """For what only this member sees (search, /paper, an opened card): their own setting, else the
    server's, else zh. What a channel sees follows the server; DMs follow the member."""
    store = interaction.client.store
    mine = await store.member_language(interaction.user.id)
    if mine in READINGS:
        return mine
    if interaction.guild_id is not None:
        return await guild_language(store, interaction.guild_id)
    return DEFAULT


async def reader_languages(interaction: Interaction) -> tuple[str, Lang]:
    """For a page only this member sees: how papers read (reading_language) and Paperboy's words around
    them, which follow what was chosen (theirs, else the server's) and otherwise their client's locale."""
    store = interaction.client.store
    chosen = await store.member_language(interaction.user.id)
    if chosen not in READINGS and interaction.guild_id is not None:
        chosen = await store.guild_language(interaction.guild_id)
    locale = str(interaction.locale)
    if not locale.startswith("zh"):  # which Chinese script: the member's client, else their server's
        locale = server_locale(interaction) or locale
    return reading_of(chosen), text_lang(chosen, locale)


async def guild_language(store: SettingsArea, guild_id: int | None) -> str:
    return reading_of(await store.guild_language(guild_id) if guild_id is not None else None)


async def member_language(store: SettingsArea, user_id: int) -> str:
    return reading_of(await store.member_language(user_id))


async def guild_languages(store: SettingsArea, guild_id: int | None, locale: str | None) -> tuple[str, Lang]:
    """A server's channels: how papers read, and Paperboy's words (text_lang; `locale` is the server's
    Discord locale)."""
    chosen = await store.guild_language(guild_id) if guild_id is not None else None
    return reading_of(chosen), text_lang(chosen, locale)


async def member_languages(store: SettingsArea, user_id: int) -> tuple[str, Lang]:
    """A member's DMs: how papers read, and Paperboy's words (text_lang of their setting)."""
    chosen = await store.member_language(user_id)
    return reading_of(chosen), text_lang(chosen)


def server_locale(interaction: Interaction) -> str | None:
    """The Discord locale of the server an interaction came from (its primary language)."""
    if interaction.guild is not None:
        return str(interaction.guild.preferred_locale)
    return str(interaction.guild_locale) if interaction.guild_locale else None
