"""Alerts off the outbox's usual path: the database found damaged when the bot starts (the outbox lives
in that database, so the alert is sent straight to each server's alert channel); and an alert whose
channel is lost (deleted, or the bot may no longer post there): the setting is cleared and the alert
goes to the server's system channel, or else the first channel a feed posts into, saying why."""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol

import discord

from bot.ui.language import guild_languages
from bot.ui.render import alert_line
from jobs.messages import AlertMessage
from jobs.present import limits
from jobs.present.i18n import Lang, t
from jobs.records import OutboxItem
from jobs.store import DatabaseError
from jobs.store.areas import FeedsArea, SettingsArea, WatchArea

log = logging.getLogger(__name__)

PROBLEM_SHOWN = 300  # the check's first problem, cut: the alert is one readable message


class CheckedStore(WatchArea, SettingsArea, Protocol):
    """The store areas the check at start uses: the integrity check, the alert channels, their languages."""


class LostChannelStore(FeedsArea, SettingsArea, Protocol):
    """The store areas a lost alert channel uses: the setting, the feeds' channels, the server's language."""


async def check_database(client: discord.Client, store: CheckedStore, name: str) -> list[str]:
    """Run the store's integrity check (SQLite's quick_check; on PostgreSQL, that every table answers) on the
    open database `name` (as messages name it: the file, or the URL without its password); when it finds
    damage, log it and alert every server's alert channel directly. The problems found ([] when sound)."""
    problems = await store.check_integrity()
    if not problems:
        return []
    log.error("database %s is damaged (integrity check: %s); restore the newest good backup "
              "(README: Recover from a damaged database)", name, "; ".join(problems[:3]))
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


async def fallback_channel(client: discord.Client, store: FeedsArea, guild_id: int,
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


async def alert_channel_lost(client: discord.Client, store: LostChannelStore, item: OutboxItem,
                             alert: AlertMessage) -> None:
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
