"""Alerts off the outbox's usual path: the database found damaged when the bot starts (the outbox lives
in that database, so the alert is sent straight to each server's alert channel); and an alert whose
channel is lost (deleted, or the bot may no longer post there): the setting is cleared and the alert
goes to the server's system channel, or else the first channel a feed posts into, saying why."""

from __future__ import annotations

import contextlib
import logging

import discord

from bot.ui.language import guild_languages
from bot.ui.render import alert_line
from jobs.messages import AlertMessage
from jobs.present import limits
from jobs.present.i18n import Lang, t
from jobs.records import OutboxItem
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



def _can_post(channel: object, me: discord.Member) -> bool:
    if isinstance(channel, discord.Thread):
        perms = channel.permissions_for(me)
        return perms.view_channel and perms.send_messages_in_threads and not channel.archived
    if isinstance(channel, discord.TextChannel):
        perms = channel.permissions_for(me)
        return perms.view_channel and perms.send_messages
    return False


async def fallback_channel(client: discord.Client, store: Store, guild_id: int,
                           besides: int) -> discord.TextChannel | discord.Thread | None:
    """Where a server's alert goes when its alert channel is lost: the server's system channel, else the
    first channel a feed posts into, that the bot can post in (never `besides`, the lost one)."""
    guild = client.get_guild(guild_id)
    if guild is None:
        return None
    feeds = [client.get_channel(f.channel_id) for f in await store.feeds(guild_id) if f.paused_reason is None]
    for channel in (guild.system_channel, *feeds):
        if channel is not None and channel.id != besides and _can_post(channel, guild.me):
            assert isinstance(channel, discord.TextChannel | discord.Thread)
            return channel
    return None


async def alert_channel_lost(client: discord.Client, store: Store, item: OutboxItem, alert: AlertMessage) -> None:
    """An alert row whose channel will not take it: clear the server's alert setting (when it still
    names that channel) and post the alert in the fallback channel, saying why. Best effort: a failure
    here is logged, and the row is given up by the sender as any other."""
    guild_id = item.guild_id
    if guild_id is None:
        return
    if await store.alert_channel(guild_id) == item.target_id:
        await store.set_alert_channel(guild_id, None)
        log.warning("server %s: alert channel %s is lost; the setting is cleared", guild_id, item.target_id)
    channel = await fallback_channel(client, store, guild_id, item.target_id)
    if channel is None:
        log.warning("server %s: no channel to say its alert channel is lost; the alert is only in the log",
                    guild_id)
        return
    guild = client.get_guild(guild_id)
    _, lang = await guild_languages(store, guild_id, str(guild.preferred_locale) if guild else None)
    text = f"{t('alert.channel_lost', lang, channel=f'<#{item.target_id}>')}\n{alert_line(alert, lang)}"
    try:
        await channel.send(text[:limits.CONTENT], allowed_mentions=discord.AllowedMentions.none())
    except discord.HTTPException:
        log.warning("server %s: could not post the lost alert channel's alert in %s", guild_id, channel.id,
                    exc_info=True)
