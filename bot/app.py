"""The composition root: builds the bot and wires the store, the scheduler, delivery and the cogs.
Nothing imports this module but the entry point (bot/cli.py, and `bot.create_bot` lazily)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.client import PaperboyClient
from bot.delivery.sender import SendReport, send_pending
from bot.delivery.targets import Targets
from bot.digest import DigestSummary, run_cycle
from bot.tree import PaperboyTree
from jobs.config import Config
from jobs.config_load import load_config
from jobs.schedule import make_scheduler, missed_run
from jobs.store import Store

log = logging.getLogger(__name__)

# One cog per module; each registers the persistent buttons and menus it owns.
EXTENSIONS = ("bot.cogs.feeds", "bot.cogs.search", "bot.cogs.subscriptions")
# View Channel, Send Messages, Embed Links, Read Message History, Send Messages in Threads, and Create
# Public Threads (a digest's Discuss button opens a thread per paper).
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                                  read_message_history=True, send_messages_in_threads=True,
                                  create_public_threads=True)


class PaperboyBot(PaperboyClient):
    def __init__(self, config: Config, *, scheduler: bool = True) -> None:
        intents = discord.Intents.default()
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None,
                         tree_cls=PaperboyTree)
        self.config = config
        self.use_scheduler = scheduler
        self.scheduler: Any = None
        self._digest_lock = asyncio.Lock()
        self._store: Store | None = None
        self._startup: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        self._store = await Store.open(self.config.database_path)
        for ext in EXTENSIONS:
            await self.load_extension(ext)
        await self._sync_commands()
        # Kept, so the task is not garbage-collected while it waits for the gateway.
        self._startup = asyncio.create_task(self._after_ready(), name="paperboy-startup")

    async def _sync_commands(self) -> None:
        """Sync slash commands only when they changed: a sync on every start wastes a rate limit.
        "Changed" means our definitions differ from the last sync, or Discord's list of names differs
        from ours (a new application, or commands removed elsewhere): one GET tells."""
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands()]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands:{self.application_id}"
        if await self.store.get_meta(key) == digest:
            remote = {c.name for c in await self.tree.fetch_commands()}
            if remote == {c["name"] for c in payload}:
                return
        await self.tree.sync()
        await self.store.set_meta(key, digest)

    async def _after_ready(self) -> None:
        await self.wait_until_ready()
        log.info("logged in as %s; invite it to a server with: %s", self.user, self.invite_url())
        # Whatever a crash left planned but unsent goes out first, once.
        await self.deliver()
        if not self.use_scheduler:
            return
        sched = self.config.schedule
        self.scheduler = make_scheduler(self.scheduled_digest, sched.time, sched.timezone)
        self.scheduler.start()
        last = await self.store.last_completed_cycle()
        if missed_run(last, datetime.now(UTC), sched.time, sched.timezone):
            log.info("the last scheduled digest was missed (last completed: %s); running it now", last)
            await self.run_digest(trigger="catch-up")

    async def close(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await super().close()
        if self._store is not None:
            await self._store.close()
            self._store = None

    # ---- the digest cycle ----------------------------------------------------------------------

    async def run_digest(self, *, guild_id: int | None = None, trigger: str = "manual") -> DigestSummary:
        """One cycle (bot/digest.py) for every server, or one. Never two at once."""
        async with self._digest_lock:
            return await run_cycle(self.store, self.config, self._send, guild_id=guild_id, trigger=trigger)

    async def scheduled_digest(self) -> None:
        # A coroutine function, so APScheduler awaits it on the bot's loop rather than in a thread.
        try:
            await self.run_digest(trigger="schedule")
        except Exception:
            log.exception("the scheduled digest cycle failed; the next one runs as planned")

    async def deliver(self) -> SendReport:
        """Send whatever is planned and not yet sent."""
        return await self._send(None)

    async def _send(self, guild_id: int | None) -> SendReport:
        return await send_pending(self.store, Targets(self, self.store), images=self.config.feeds.images,
                                  guild_id=guild_id)

    def invite_url(self) -> str:
        assert self.application_id is not None
        return discord.utils.oauth_url(
            self.application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands")
        )


def create_bot(config: Config | str | Path | None = None, *, scheduler: bool = True) -> PaperboyBot:
    """Build the bot without starting it. `config` is a loaded Config or a path to a YAML file."""
    if not isinstance(config, Config):
        config = load_config(config)
    return PaperboyBot(config, scheduler=scheduler)
