"""Which language papers read in for whoever is looking: zh (the digests' own), en, or both."""

from __future__ import annotations

from discord import app_commands

from bot.client import Interaction
from bot.ui.embeds import READING_LANGUAGES
from jobs.store import Store

DEFAULT = "zh"
# The option of /settings language and /subscriptions language (bot/i18n translates them by value).
CHOICES = [app_commands.Choice(name="Chinese", value="zh"), app_commands.Choice(name="English", value="en"),
           app_commands.Choice(name="Both", value="both")]


async def reading_language(interaction: Interaction) -> str:
    """For what only this member sees (search, /paper, an opened card): their own setting, else the
    server's, else zh. What a channel sees follows the server; DMs follow the member."""
    store = interaction.client.store
    mine = await store.member_language(interaction.user.id)
    if mine in READING_LANGUAGES:
        return mine
    if interaction.guild_id is not None:
        return await guild_language(store, interaction.guild_id)
    return DEFAULT


async def guild_language(store: Store, guild_id: int | None) -> str:
    chosen = await store.guild_language(guild_id) if guild_id is not None else None
    return chosen if chosen in READING_LANGUAGES else DEFAULT


async def member_language(store: Store, user_id: int) -> str:
    chosen = await store.member_language(user_id)
    return chosen if chosen in READING_LANGUAGES else DEFAULT
