"""The base of every view and persistent item we send (a failure in a callback gets an answer), and
of the cogs that answer persistent items.

discord.py routes a View item's errors to `View.on_error`, but a DynamicItem's callback runs from the
view store, which only logs what it raises ("Ignoring exception in dynamic item callback"); so our
dynamic items catch their own."""

from __future__ import annotations

import contextlib
from typing import Any, TypeVar

import discord
from discord.ext import commands

from bot.client import Interaction, PaperboyClient
from bot.errors import report_failure
from bot.i18n.replies import say

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


class PaperboyView(discord.ui.View):
    async def on_error(self, interaction: Interaction, error: Exception,  # type: ignore[override]
                       item: discord.ui.Item[Any], /) -> None:
        await report_failure(interaction, error)


class OwnedView(PaperboyView):
    """A view shown to one member (result pages, a confirmation): only they may click it, and its controls are
    removed when it times out, so nobody clicks a dead button. Set `message` once it is sent."""

    def __init__(self, owner_id: int, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(say(interaction, "list.not_yours"), ephemeral=True)
        return False

    async def on_timeout(self) -> None:
        if self.message is not None:
            # The message may be gone or its token expired: then there is nothing left to tidy.
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=None)


class PersistentItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A DynamicItem whose handler is `clicked`; whatever it raises is logged and answered."""

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        try:
            await self.clicked(interaction)
        except Exception as exc:
            await report_failure(interaction, exc)

    async def clicked(self, interaction: Interaction) -> None:
        raise NotImplementedError


class ItemOwner(commands.Cog):
    """A cog that answers persistent items (`PERSISTENT`) on any message we ever sent: it registers
    them while it is loaded, so a restart finds them answered again."""

    PERSISTENT: tuple[type[discord.ui.DynamicItem[Any]], ...] = ()

    def __init__(self, bot: PaperboyClient) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.PERSISTENT)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.PERSISTENT)
