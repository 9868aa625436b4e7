"""What cogs and interaction callbacks may know about the bot: its store, its config, a digest run.

A minimal base class rather than the app itself, so UI code and cogs reach the store through a typed
`Interaction[PaperboyClient]` without importing bot.app (the composition root, which nothing imports).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import discord
from discord.ext import commands

from jobs.config import Config
from jobs.store import StoreProtocol


class Summary(Protocol):
    """A digest cycle's outcome, as a command shows it."""

    def text(self) -> str: ...


class PaperboyClient(commands.Bot):
    config: Config
    _store: StoreProtocol | None
    clock: Callable[[], datetime]  # now, as an aware datetime; tests pass a simulated one

    @property
    def store(self) -> StoreProtocol:
        if self._store is None:
            raise RuntimeError("the store opens in setup_hook; the bot is not set up yet")
        return self._store

    async def run_digest(self, *, guild_id: int | None = None, trigger: str = "manual") -> Summary:
        raise NotImplementedError

    async def wait_until_started(self) -> None:
        """Connected, and the start-up checks done: work a cog starts at start waits for it, so that it does not
        hold up the database's check (on SQLite they share the read connection)."""
        await self.wait_until_ready()

    def digest_busy(self) -> bool:
        """A digest cycle, or the start-up delivery, is running now."""
        raise NotImplementedError


Interaction = discord.Interaction[PaperboyClient]
