"""The base of every view and persistent item we send: a failure in a callback gets an answer.

discord.py routes a View item's errors to `View.on_error`, but a DynamicItem's callback runs from the
view store, which only logs what it raises ("Ignoring exception in dynamic item callback"); so our
dynamic items catch their own."""

from __future__ import annotations

from typing import Any, TypeVar

import discord

from bot.client import Interaction
from bot.errors import report_failure

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


class PaperboyView(discord.ui.View):
    async def on_error(self, interaction: Interaction, error: Exception,  # type: ignore[override]
                       item: discord.ui.Item[Any], /) -> None:
        await report_failure(interaction, error)


class PersistentItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """A DynamicItem whose handler is `clicked`; whatever it raises is logged and answered."""

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        try:
            await self.clicked(interaction)
        except Exception as exc:
            await report_failure(interaction, exc)

    async def clicked(self, interaction: Interaction) -> None:
        raise NotImplementedError
