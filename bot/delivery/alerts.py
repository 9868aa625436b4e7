"""Alerts that do not wait for the outbox: the database found damaged when the bot starts (the outbox
lives in that database, so the alert is sent straight to each server's alert channel)."""

from __future__ import annotations

import contextlib
import logging

import discord

from bot.ui.language import guild_languages
from jobs.present.i18n import Lang, t
from jobs.store import DatabaseError, Store

log = logging.getLogger(__name__)

PROBLEM_SHOWN = 300  # SQLite's first problem, cut: the alert is one readable message


async def check_database(client: discord.Client, store: Store) -> list[str]:
    """Run SQLite's quick check on the open database; when it finds damage, log it and alert every
    server's alert channel directly. The problems found ([] when the file is sound)."""
    problems = await store.check_integrity()
    if not problems:
        return []
    log.error("database %s is damaged (PRAGMA quick_check: %s); restore the newest good backup "
              "(README: Recover from a damaged database)", store.path, "; ".join(problems[:3]))
    try:
        channels = await store.alert_channels()
    except DatabaseError as exc:  # the damage may reach the settings too: the log has said it
        log.error("could not read the alert channels to announce the damage: %s", exc)
        return problems
    problem = problems[0][:PROBLEM_SHOWN]
    for guild_id, channel_id in channels:
        channel = client.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("alert channel %s of server %s is gone: the damage is only in the log", channel_id, guild_id)
            continue
        guild = client.get_guild(guild_id)
        lang: Lang = "en"
        with contextlib.suppress(DatabaseError):  # else English, as the log
            _, lang = await guild_languages(store, guild_id, str(guild.preferred_locale) if guild else None)
        text = "⚠️ " + t("alert.database_damaged", lang, problem=problem)
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("could not alert channel %s about the damaged database", channel_id, exc_info=True)
    return problems

