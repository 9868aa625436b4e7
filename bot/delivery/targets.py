"""Where an outbox row goes, and what it means when that place will not take it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bot.delivery.alerts import alert_channel_lost
from jobs.messages import AlertMessage
from jobs.records import OutboxItem
from jobs.store import Store

log = logging.getLogger(__name__)

# Discord error codes that mean "this target will not work until a person fixes something".
UNKNOWN_CHANNEL = 10003
MISSING_ACCESS = 50001
CANNOT_DM = 50007
MISSING_PERMISSIONS = 50013
GONE_CODES = (UNKNOWN_CHANNEL, MISSING_ACCESS, CANNOT_DM, MISSING_PERMISSIONS)

Target = discord.abc.Messageable | discord.ForumChannel
# Takes n of the bot's requests from the senders' shared budget (waiting if need be) before they are made.
Spend = Callable[[int], Awaitable[None]]


async def _free(requests: int) -> None:
    return None


def describe_failure(exc: discord.HTTPException, where: str, *, feed: bool = True) -> str:
    """Why `where` failed and, for a feed's channel, what to do about it."""
    if exc.code in (UNKNOWN_CHANNEL,) or isinstance(exc, discord.NotFound):
        fix = "; remove the feed or add it again" if feed else ""
        return f"{where} no longer exists (Discord error {exc.code or exc.status}){fix}"
    if exc.code == MISSING_ACCESS:
        return f"the bot can no longer see {where} (Missing Access); give it View Channel there, then /feed resume"
    if exc.code == MISSING_PERMISSIONS or isinstance(exc, discord.Forbidden):
        return (f"the bot may not post in {where} (Missing Permissions); give it Send Messages and Embed Links "
                "there, then /feed resume")
    return f"Discord answered {exc.status} (error {exc.code}): {exc.text or 'no detail'}"


def is_gone(exc: discord.HTTPException) -> bool:
    """The target will not work until a person fixes something (as opposed to a passing failure)."""
    return exc.status in (403, 404) or exc.code in GONE_CODES


class Targets:
    """Channels and members' DMs, looked up through a discord client and remembered in the store."""

    def __init__(self, client: discord.Client, store: Store) -> None:
        self.client = client
        self.store = store

    async def resolve(self, item: OutboxItem, *, spend: Spend = _free) -> Target:
        """Where the row goes; a request to Discord, when one is needed, is paid through `spend` first."""
        if item.kind == "dm":
            return await self.dm_channel(item.target_id, spend=spend)
        channel = self.client.get_channel(item.target_id)
        if channel is None:
            await spend(1)
            channel = await self.client.fetch_channel(item.target_id)
        assert isinstance(channel, discord.abc.Messageable | discord.ForumChannel)
        return channel

    def locale(self, guild_id: int | None) -> str | None:
        """A server's Discord locale (its primary language), when the client has the server."""
        guild = self.client.get_guild(guild_id) if guild_id is not None else None
        return str(guild.preferred_locale) if guild is not None else None

    async def dm_channel(self, user_id: int, *, spend: Spend = _free) -> discord.abc.Messageable:
        """The user's DM channel from the database: one request per message, not two."""
        state = await self.store.dm_state(user_id)
        if state.dm_channel_id is not None:
            return self.client.get_partial_messageable(state.dm_channel_id, type=discord.ChannelType.private)
        user = self.client.get_user(user_id)
        if user is None:
            await spend(1)
            user = await self.client.fetch_user(user_id)
        await spend(1)
        channel = await user.create_dm()
        await self.store.set_dm_channel(user_id, channel.id)
        return channel

    async def failed(self, item: OutboxItem, exc: discord.HTTPException) -> str:
        """A target that cannot take messages: stop DMs to a closed inbox, or pause the channel's feeds;
        either way, store and return why."""
        if item.kind == "dm":
            reason = ("Discord would not let me DM you (error 50007: your direct messages are closed)"
                      if exc.code == CANNOT_DM else describe_failure(exc, "your DMs", feed=False))
            await self.store.mark_dm_closed(item.target_id, reason)
            log.info("DMs to user %s stopped: %s", item.target_id, reason)
            return f"user {item.target_id}: {reason}"
        channel = self.client.get_channel(item.target_id)
        where = f"#{channel.name}" if channel is not None and hasattr(channel, "name") else f"channel {item.target_id}"
        reason = describe_failure(exc, where)
        await self.store.pause_feeds_of_channel(item.target_id, reason)
        log.warning("feeds of %s paused: %s", where, reason)
        if isinstance(alert := item.message, AlertMessage):  # a lost alert channel: cleared, the alert goes elsewhere
            await alert_channel_lost(self.client, self.store, item, alert)
        return reason
