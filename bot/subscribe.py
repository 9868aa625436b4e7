"""Adding a subscription, shared by /subscribe and the Follow topic button."""

from __future__ import annotations

import discord

from jobs.store import Store
from jobs.subscriptions import MAX_SUBSCRIPTIONS, MAX_VALUE, folded_value

OPEN_DMS_HELP = (
    "To get them, allow direct messages from this server's members: click the server name → "
    "**Privacy Settings** → turn on **Direct Messages** (or User Settings → Privacy & Safety)."
)


async def remember_dm_channel(store: Store, user: discord.User | discord.Member) -> None:
    """Store the user's DM channel now, so each later delivery costs one request, not two."""
    state = await store.dm_state(user.id)
    if state.dm_channel_id is None:
        channel = await user.create_dm()
        await store.set_dm_channel(user.id, channel.id)


async def subscribe(store: Store, user: discord.User | discord.Member, kind: str, value: str) -> str:
    """Add the subscription and return the reply for the user."""
    value = " ".join(value.split())
    if len(value) < 2:
        return f"That {kind} is too short: type at least 2 characters."
    if len(value) > MAX_VALUE:
        return f"That {kind} is too long: at most {MAX_VALUE} characters."
    shown = discord.utils.escape_markdown(value)
    _, status = await store.add_subscription(user.id, kind, value, folded_value(kind, value),
                                                   MAX_SUBSCRIPTIONS)
    if status == "duplicate":
        return f"You already follow {kind} **{shown}**; nothing changed."
    if status == "full":
        return (f"You already have {MAX_SUBSCRIPTIONS} subscriptions, the most one person can have. "
                "Remove one with `/unsubscribe` first.")
    await remember_dm_channel(store, user)
    return (f"Subscribed to {kind} **{shown}**. New matching papers will come to you by direct message "
            "after each daily digest.")
