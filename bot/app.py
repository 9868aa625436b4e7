"""The Paperboy bot: a commands.Bot that owns the store, the scheduler and the digest cycle."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.delivery.fanout import DM_CURSOR, FanoutReport, plan_fanout
from bot.delivery.sender import CANNOT_DM, SendReport, describe_failure, send_pending
from bot.tree import PaperboyTree
from bot.ui.buttons import AbstractButton, AbstractMenu, FollowTopicButton
from bot.ui.pager import ShareButton
from jobs.config import Config
from jobs.config_load import load_config
from jobs.pipeline import IngestReport, ingest
from jobs.schedule import make_scheduler, missed_run
from jobs.store import OutboxItem, Store

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.feeds", "bot.cogs.search", "bot.cogs.subscriptions")
# View Channel, Send Messages, Embed Links, Read Message History, Send Messages in Threads.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                                  read_message_history=True, send_messages_in_threads=True)


@dataclass(slots=True)
class DigestSummary:
    ingest: IngestReport
    feeds: int = 0
    papers_planned: int = 0
    send: SendReport = field(default_factory=SendReport)
    fanout: FanoutReport | None = None

    def text(self) -> str:
        lines = [src.line() for src in self.ingest.sources]
        lines.append(f"feeds: {self.feeds} checked, {self.papers_planned} papers queued, "
                     f"{self.send.sent} messages sent" + (f", {self.send.failed} failed" if self.send.failed else ""))
        lines += [f"paused: {reason}" for reason in dict.fromkeys(self.send.paused)]
        if self.fanout is not None:
            f = self.fanout
            lines.append(f"subscriptions: {f.papers} papers queued for {f.subscribers} members in {f.messages} DMs")
        return "\n".join(lines)


class PaperboyBot(commands.Bot):
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

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store opens in setup_hook; the bot is not set up yet")
        return self._store

    async def setup_hook(self) -> None:
        self._store = await Store.open(self.config.database_path)
        self.add_dynamic_items(AbstractButton, AbstractMenu, FollowTopicButton, ShareButton)
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
        """One cycle: fetch sources, store, plan every (or one server's) feed, send. Never two at once."""
        async with self._digest_lock:
            store = self.store
            cycle = await store.start_cycle(trigger, guild_id)
            report = await ingest(store, self.config.sources)
            summary = DigestSummary(ingest=report)
            for feed in await store.feeds(guild_id):
                if feed.paused_reason:
                    continue
                plan = await store.plan_feed(cycle, feed, self.config.feeds.max_per_cycle)
                summary.feeds += 1
                summary.papers_planned += len(plan.papers)
            if guild_id is None:  # a server's own /digest run does not DM everyone
                summary.fanout = await plan_fanout(self, cycle)
            summary.send = await send_pending(self, guild_id=guild_id)
            if guild_id is None:
                await store.prune(int(await store.get_meta(DM_CURSOR) or 0))
            await store.finish_cycle(cycle, summary.text())
            log.info("digest cycle %s (%s): %s", cycle, trigger, summary.text().replace("\n", "; "))
            return summary

    async def scheduled_digest(self) -> None:
        # A coroutine function, so APScheduler awaits it on the bot's loop rather than in a thread.
        try:
            await self.run_digest(trigger="schedule")
        except Exception:
            log.exception("the scheduled digest cycle failed; the next one runs as planned")

    async def deliver(self) -> SendReport:
        return await send_pending(self)

    # ---- delivery hooks --------------------------------------------------------------------------

    async def target_failed(self, item: OutboxItem, exc: discord.HTTPException) -> str:
        """A target that cannot take messages: stop DMs to a closed inbox, or pause the channel's feeds;
        either way, store and return why."""
        if item.kind == "dm":
            reason = ("Discord would not let me DM you (error 50007: your direct messages are closed)"
                      if exc.code == CANNOT_DM else describe_failure(exc, "your DMs"))
            await self.store.mark_dm_closed(item.target_id, reason)
            log.info("DMs to user %s stopped: %s", item.target_id, reason)
            return f"user {item.target_id}: {reason}"
        channel = self.get_channel(item.target_id)
        where = f"#{channel.name}" if channel is not None and hasattr(channel, "name") else f"channel {item.target_id}"
        reason = describe_failure(exc, where)
        await self.store.pause_feeds_of_channel(item.target_id, reason)
        log.warning("feeds of %s paused: %s", where, reason)
        return reason

    async def dm_channel_for(self, user_id: int) -> discord.abc.Messageable:
        """The user's DM channel from the database: one request per message, not two."""
        state = await self.store.dm_state(user_id)
        if state.dm_channel_id is not None:
            return self.get_partial_messageable(state.dm_channel_id, type=discord.ChannelType.private)
        user = self.get_user(user_id) or await self.fetch_user(user_id)
        channel = await user.create_dm()
        await self.store.set_dm_channel(user_id, channel.id)
        return channel

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
