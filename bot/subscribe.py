"""Adding a subscription, shared by /subscribe and the Follow topic button."""

from __future__ import annotations

import discord

from jobs.present.i18n import t
from jobs.store import Store
from jobs.subscriptions import MAX_SUBSCRIPTIONS, MAX_VALUE, folded_value


async def remember_dm_channel(store: Store, user: discord.User | discord.Member) -> None:
    """Store the user's DM channel now, so each later delivery costs one request, not two."""
    state = await store.dm_state(user.id)
    if state.dm_channel_id is None:
        channel = await user.create_dm()
        await store.set_dm_channel(user.id, channel.id)


async def subscribe(store: Store, user: discord.User | discord.Member, kind: str, value: str,
                    lang: str = "en") -> str:
    """Add the subscription and return the reply for the user, in `lang`."""
    value = " ".join(value.split())
    noun = t(f"kind.{kind}", lang)
    if len(value) < 2:
        return t("subscribe.too_short", lang, kind=noun)
    if len(value) > MAX_VALUE:
        return t("subscribe.too_long", lang, kind=noun, max=MAX_VALUE)
    shown = discord.utils.escape_markdown(value)
    _, status = await store.add_subscription(user.id, kind, value, folded_value(kind, value),
                                                   MAX_SUBSCRIPTIONS)
    if status == "duplicate":
        return t("subscribe.duplicate", lang, kind=noun, value=shown)
    if status == "full":
        return t("subscribe.full", lang, max=MAX_SUBSCRIPTIONS)
    await remember_dm_channel(store, user)
    return t("subscribe.done", lang, kind=noun, value=shown)
