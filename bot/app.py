"""The composition root: builds the bot and wires the store, the scheduler, delivery and the cogs.
Nothing imports this module but the entry point (bot/cli.py, and `bot.create_bot` lazily)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from apscheduler.triggers.cron import CronTrigger
from discord.ext import commands

from bot.client import PaperboyClient
from bot.delivery.alerts import check_database
from bot.delivery.sender import BUDGET, RETRY_DELAYS, SendReport, claimer_name, send_pending
from bot.delivery.targets import Targets
from bot.digest import DigestSummary, run_cycle
from bot.i18n.translator import PaperboyTranslator
from bot.tree import PaperboyTree
from jobs.config import Config
from jobs.config_load import load_config
from jobs.gc_pause import freeze_heap, thaw_heap
from jobs.ops.instance import SoleLeader, leader_lock
from jobs.ops.rank_merger import Merger
from jobs.ops.roles import Role, Shards, connects_gateway, schedules, sends
from jobs.ops.schedule import make_scheduler, missed_run, next_scheduled
from jobs.ops.source_watch import RetryPlan, plan_retry, retry_plan
from jobs.plan.dms import FanoutReport, plan_due
from jobs.plan.lab_week import plan_club_reminders, plan_week_posts
from jobs.store import StoreProtocol
from jobs.store.backends import open_database, outage

if TYPE_CHECKING:
    from jobs.store.postgres.leader_lock import PgLeaderLock

log = logging.getLogger(__name__)

# On SIGTERM/SIGINT the send in flight gets this long to finish before the cycle is cancelled:
# under Docker's 10 s between SIGTERM and SIGKILL (systemd waits 90 s).
SHUTDOWN_GRACE = 8.0
MERGER_STOP_S = 1.5  # what is left of Docker's 10 s for the ranking index merger's piece in flight

# One cog per module; each registers the persistent buttons and menus it owns.
EXTENSIONS = ("bot.cogs.feeds", "bot.cogs.search", "bot.cogs.subscriptions", "bot.cogs.settings",
              "bot.cogs.status", "bot.cogs.signal", "bot.cogs.club")
RETRY_JOB = "digest-retry"
HOURLY_JOB = "hourly"  # members' DMs at their hour (jobs/dm_schedule.py)
# A sender is woken when a plan commits (PostgreSQL's NOTIFY); it also looks this often, for rows whose
# lease ran out (a sender died) and rows kept after a passing failure.
SEND_POLL_S = 10.0
# Cycles that count for the schedule: they are retried when they fail (a server's /digest run is not).
RETRIED_TRIGGERS = ("schedule", "catch-up", "retry")
# View Channel, Send Messages, Embed Links, Read Message History, Send Messages in Threads, and Create
# Public Threads (a digest's Discuss button opens a thread per paper).
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                                  read_message_history=True, send_messages_in_threads=True,
                                  create_public_threads=True)


class PaperboyBot(PaperboyClient):
    def __init__(self, config: Config, *, scheduler: bool = True, role: Role = "all", members: bool = True,
                 **client: Any) -> None:
        intents = discord.Intents.default()
        # Server Members (privileged): who leaves and comes back, for the 30-day privacy rule
        # (jobs/departures.py). Members are not cached or fetched: the events carry what is needed.
        intents.members = members
        # No message cache: nothing reads it (buttons and menus carry their message), and it kept the last
        # 1,000 messages the bot sent, each a few dozen objects that live long enough to reach the garbage
        # collector's oldest generation, so a send phase set off full collections of the whole heap.
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None,
                         tree_cls=PaperboyTree, chunk_guilds_at_startup=False,
                         member_cache_flags=discord.MemberCacheFlags.none(), max_messages=None, **client)
        self.config = config
        self.use_scheduler = scheduler
        self.role: Role = role  # which parts this process runs (jobs/ops/roles.py)
        self._leader: SoleLeader | PgLeaderLock | None = None  # the scheduler's leader lock, once taken
        self._keeper: asyncio.Task[None] | None = None  # checks that the leader lock is still held
        self._merger: Merger | None = None  # merges the ranking index beside the ingests, once leading
        self._closing = False  # close() began: a merger started meanwhile is stopped at once
        self.stopped = asyncio.Event()  # set when shutdown is done: a process without a gateway ends then
        self.scheduler: Any = None
        self._digest_lock = asyncio.Lock()
        self._store: StoreProtocol | None = None
        self._startup: asyncio.Task[None] | None = None
        self.retry_delays = RETRY_DELAYS  # tests shorten them
        self.claimer = claimer_name()  # who holds this process's claims on the outbox
        self.send_budget = BUDGET  # the bot token's requests a second, shared by every sender
        self.send_poll = SEND_POLL_S
        self.stopping = asyncio.Event()  # set on shutdown: no new send starts
        # serve() sets it: a running bot's start-up heap is left out of later collections (jobs/gc_pause.py);
        # not in a test process, which would keep each test's objects
        self.freeze_heap_at_start = False
        self._checked = asyncio.Event()  # the start-up check of the database is done (wait_until_started)
        self._frozen = False  # this bot froze the heap: a closed bot thaws it, so none of it stays for good
        self._cycle: asyncio.Task[Any] | None = None  # the task holding the digest lock
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests pass a simulated one

    async def open_store(self) -> StoreProtocol:
        """Open the database (once). `serve` calls it before logging in, so a database that cannot
        be opened is reported as such, before any network use. The backend follows the database's URL."""
        if self._store is None:
            self._store = await open_database(self.config.database())
        return self._store

    async def setup_hook(self) -> None:
        await self.open_store()
        if connects_gateway(self.role):  # a gateway answers commands; a sender or a scheduler has none
            await self._answer_commands()
        if self.freeze_heap_at_start:
            # Before the gateway fills the guild cache: that cache is not kept for life (a new session
            # clears it, a server that removes the bot drops its part), and what is frozen is never collected.
            log.info("start-up heap frozen: %d objects left out of later garbage collections", freeze_heap())
            self._frozen = True

    async def _answer_commands(self) -> None:
        for ext in EXTENSIONS:
            await self.load_extension(ext)
        # Before the sync: the synced payload carries the zh-CN / zh-TW names and descriptions.
        await self.tree.set_translator(PaperboyTranslator())
        await self._sync_commands()
        # Kept, so the task is not garbage-collected while it waits for the gateway.
        self._startup = asyncio.create_task(self._after_ready(), name="paperboy-startup")
        self._startup.add_done_callback(self._startup_ended)

    def _startup_ended(self, task: asyncio.Task[None]) -> None:
        """Nothing awaits the start-up task: what escaped it is said here, or nobody would hear of it."""
        if not task.cancelled() and task.exception() is not None:
            self._failed("starting up", task.exception())  # type: ignore[arg-type]

    async def _sync_commands(self) -> None:
        """Sync slash commands only when they changed: a sync on every start wastes a rate limit.
        "Changed" means our definitions differ from the last sync, or Discord's list of names differs
        from ours (a new application, or commands removed elsewhere): one GET tells."""
        # What tree.sync sends, translations included: a changed translation is a change too.
        translator = self.tree.translator
        commands_ = self.tree.get_commands()
        payload = ([await cmd.get_translated_payload(self.tree, translator) for cmd in commands_] if translator
                   else [cmd.to_dict(self.tree) for cmd in commands_])
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
        try:  # a damaged file is said at once, in the log and the alert channels; the bot goes on
            await check_database(self, self.store, self.config.database_name())
        except Exception:
            log.exception("could not check the database at start")
        finally:
            self._checked.set()
        if sends(self.role):  # whatever a crash left planned but unsent goes out first, once
            try:
                await self.deliver()
            except Exception as exc:  # the schedule must start all the same: it plans the retries
                self._failed("the delivery at start", exc, "the next cycle sends what is left")
        if schedules(self.role):
            await self.start_schedule()

    async def start_schedule(self) -> None:
        """Lead (one scheduler per database: a second waits here), then run the schedule, catching up a
        missed cycle and keeping a planned retry."""
        if not self.use_scheduler or self.stopping.is_set():
            return
        self._leader = leader_lock(self.config.database())
        if not await self._leader.lead(self.stopping) or self.stopping.is_set():
            return
        if not isinstance(self._leader, SoleLeader):  # a lock that a lost connection takes away
            self._keeper = asyncio.create_task(self._keep_leading(self._leader), name="paperboy-leader")
        await self._start_merger()
        sched = self.config.schedule
        self.scheduler = make_scheduler(self.scheduled_digest, sched.time, sched.timezone)
        self.scheduler.add_job(self.hourly, CronTrigger(minute=0, timezone=UTC), id=HOURLY_JOB, max_instances=1,
                               coalesce=True, misfire_grace_time=3600, replace_existing=True)
        self.scheduler.start()
        last = await self.store.last_completed_cycle()
        if missed_run(last, self.clock(), sched.time, sched.timezone):
            log.info("the last scheduled digest was missed (last completed: %s); running it now", last)
            if self._keeper is None:  # failed, it is retried with the backoff as a scheduled cycle is
                await self._guarded("catch-up")
                return
            # A task of its own: a leader lock lost meanwhile cancels the cycle, not the process's work.
            cycle = asyncio.create_task(self._guarded("catch-up"), name="paperboy-catch-up")
            await asyncio.wait({cycle})
            if not cycle.cancelled():
                cycle.result()
            return
        plan = await retry_plan(self.store)
        if plan.at is not None:  # a retry planned before a restart: keep it
            self.scheduler.add_job(self.retry_digest, "date", run_date=max(plan.at, self.clock()), id=RETRY_JOB,
                                   replace_existing=True, misfire_grace_time=3600)

    async def _keep_leading(self, leader: PgLeaderLock) -> None:
        """Check every few seconds that the leader lock is still held. Lost with its connection, another
        scheduler may lead at once: this one stops its schedule and its cycle in flight (its open
        transaction rolls back), and waits to lead again."""
        from jobs.store.postgres.leader_lock import RETRY_S

        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), RETRY_S)
            if self.stopping.is_set() or await leader.holds():
                continue
            log.warning("lost the leader lock (its connection to the database ended): the schedule stops "
                        "until this process leads again")
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.scheduler = None
            cycle = self._cycle
            if cycle is not None and not cycle.done():
                cycle.cancel()
                await asyncio.wait({cycle}, timeout=5)
            await self._stop_merger()  # the next leader runs its own; leading again starts a new one
            await leader.release()
            self._leader = None
            self._keeper = None
            await self.start_schedule()  # waits to lead, like a scheduler started now
            return

    async def run_role(self, token: str | None) -> None:
        """A scheduler or a sender: no gateway. Runs until shutdown."""
        await self.open_store()
        if self.role == "sender":
            assert token is not None
            await self.login(token)  # REST only
        # As a task: a shutdown may come while it still waits to lead or runs the catch-up cycle.
        work = asyncio.create_task(self._send_loop() if self.role == "sender" else self.start_schedule())
        stopped = asyncio.create_task(self.stopped.wait())
        try:
            await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if work.done():
                work.result()  # a failure (the database out of reach) ends the process with its line
                await stopped
        finally:
            for task in (work, stopped):
                task.cancel()
            await asyncio.gather(work, stopped, return_exceptions=True)

    async def _send_loop(self) -> None:
        """Send whatever is pending, then wait to be woken (a plan committed) or for `send_poll` to pass; a
        failed round is logged and the next one tries again. A lost listening connection is made again."""
        while not self.stopping.is_set():
            try:
                async with self.store.outbox_notices() as notices:
                    while not self.stopping.is_set() and notices.lost is None:
                        notices.event.clear()
                        await self._send_round()
                        await self._wait_for_work(notices.event)
                    if notices.lost is not None and not self.stopping.is_set():
                        log.warning("not woken when messages are queued (%s); looking every %.0f s meanwhile",
                                    notices.lost, self.send_poll)
                        await self._wait_for_work(None)
            except Exception as exc:
                self._failed("sending the outbox", exc, f"trying again in {self.send_poll:.0f} s")
                await self._wait_for_work(None)

    async def _send_round(self) -> None:
        try:
            await self.deliver()
        except Exception as exc:
            self._failed("sending the outbox", exc, f"trying again in {self.send_poll:.0f} s")

    def _failed(self, what: str, exc: BaseException, then: str = "") -> None:
        """A failure said in one line when the database is out of reach (no traceback: it is not a bug),
        else with its traceback; `then` says what happens next."""
        line = outage(exc, self.config.database())
        tail = f"; {then}" if then else ""
        if line is None:
            log.error("%s failed%s", what, tail, exc_info=exc)
        else:
            log.error("%s failed: %s%s", what, line, tail)

    async def _wait_for_work(self, woken: asyncio.Event | None) -> None:
        waits = [asyncio.create_task(self.stopping.wait())]
        if woken is not None:
            waits.append(asyncio.create_task(woken.wait()))
        try:
            await asyncio.wait(waits, timeout=self.send_poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    async def _start_merger(self) -> None:
        """The ranking index's merger process (jobs/ops/rank_merger.py), so that no ingest of this scheduler
        pays for merging. Not started, ingests merge themselves, as before: said, and the bot goes on."""
        await self._stop_merger()  # never two: a leader lock lost and taken back starts it again
        merger = await Merger.beside(self.config.database())
        if merger is None:
            return
        if self._closing:  # closed while it started: close() found none to stop
            await merger.stop(MERGER_STOP_S)
            return
        self._merger = merger

    async def _stop_merger(self) -> None:
        merger, self._merger = self._merger, None
        if merger is not None:  # its piece in flight ends (or is rolled back), within the shutdown's time
            await merger.stop(MERGER_STOP_S)

    async def close(self) -> None:
        self._closing = True
        if self._frozen:
            self._frozen = False
            thaw_heap()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self._stop_merger()
        keeper, self._keeper = self._keeper, None
        if keeper is not None and keeper is not asyncio.current_task():
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
        try:
            await super().close()
        finally:
            if self._leader is not None:
                leader, self._leader = self._leader, None
                await leader.release()
            if self._store is not None:
                store, self._store = self._store, None
                await store.close()

    # ---- the digest cycle ----------------------------------------------------------------------

    async def run_digest(self, *, guild_id: int | None = None, trigger: str = "manual") -> DigestSummary:
        """One cycle (bot/digest.py) for every server, or one. Never two at once. A scheduled, catch-up
        or retry cycle that fails (a source unread, posts unfetched) is retried with backoff."""
        async with self._digest_lock:
            self._cycle = asyncio.current_task()
            try:
                now = self.clock()
                summary = await run_cycle(self.store, self.config, self._send, guild_id=guild_id,
                                          trigger=trigger, now=now)
                if guild_id is None and trigger in RETRIED_TRIGGERS:
                    await self._plan_retry(summary.failed, trigger, now)
                return summary
            finally:
                self._cycle = None

    async def wait_until_started(self) -> None:
        await self._checked.wait()

    def digest_busy(self) -> bool:
        return self._digest_lock.locked()

    async def _plan_retry(self, failed: bool, trigger: str, now: datetime) -> RetryPlan:
        sched = self.config.schedule
        plan = await plan_retry(self.store, failed=failed, was_retry=trigger == "retry", now=now,
                                next_run=next_scheduled(now, sched.time, sched.timezone))
        if self.scheduler is not None and self.scheduler.get_job(RETRY_JOB) is not None:
            self.scheduler.remove_job(RETRY_JOB)
        if plan.at is not None:
            log.warning("the %s cycle failed (%s in a row); retrying at %s", trigger, plan.failures,
                        plan.at.isoformat(timespec="minutes"))
            if self.scheduler is not None:
                self.scheduler.add_job(self.retry_digest, "date", run_date=plan.at, id=RETRY_JOB,
                                       replace_existing=True, misfire_grace_time=3600)
        return plan

    async def scheduled_digest(self) -> None:
        # A coroutine function, so APScheduler awaits it on the bot's loop rather than in a thread.
        await self._guarded("schedule")

    async def retry_digest(self) -> None:
        await self._guarded("retry")

    async def _guarded(self, trigger: str) -> None:
        """A scheduler job: a cycle that raises is logged and retried like one that failed."""
        try:
            await self.run_digest(trigger=trigger)
        except Exception as exc:
            self._failed(f"the {trigger} digest cycle", exc)
            try:
                await self._plan_retry(True, trigger, self.clock())
            except Exception as again:
                self._failed("planning a retry", again, "the next scheduled cycle runs as planned")

    async def hourly(self) -> FanoutReport:
        """Every hour on the hour: the DMs held for members whose hour, week or return has come are planned
        (jobs/plan/dms.py plan_due), and each server's weekly top when due (jobs/plan/lab_week.py),
        and sent. Under the digest lock, like a cycle. A failure is logged; the next hour tries again (what
        is held stays held)."""
        async with self._digest_lock:
            self._cycle = asyncio.current_task()
            try:
                now = self.clock()
                report = await plan_due(self.store, None, now)
                weekly = await plan_week_posts(self.store, now)
                reminders = await plan_club_reminders(self.store, now)
                if report.messages + weekly + reminders:
                    await self._send(None)
                return report
            except Exception as exc:
                self._failed("the hourly DM check", exc, "the next hour tries again")
                return FanoutReport()
            finally:
                self._cycle = None

    async def deliver(self) -> SendReport:
        """Send whatever is planned and not yet sent. Under the digest lock, like a cycle: a `/digest run`
        arriving meanwhile would otherwise read the same pending rows and send them twice."""
        async with self._digest_lock:
            self._cycle = asyncio.current_task()
            try:
                return await self._send(None)
            finally:
                self._cycle = None

    async def _send(self, guild_id: int | None) -> SendReport:
        if not sends(self.role):  # a scheduler or a gateway plans; a sender sends
            return SendReport()
        return await send_pending(self.store, Targets(self, self.store), images=self.config.feeds.images,
                                  guild_id=guild_id, retry_delays=self.retry_delays, stop=self.stopping,
                                  claimer=self.claimer, budget=self.send_budget)

    async def shutdown(self, why: str) -> None:
        """Stop gracefully: no new send starts (the rest stays pending in the outbox), the send in
        flight finishes (or, after SHUTDOWN_GRACE, the cycle is cancelled: its open transaction rolls
        back), the scheduler stops, the gateway and the database close."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info("%s: stopping; the send in flight finishes, anything unsent stays queued", why)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            # Taken and kept: the running cycle ends (its sends stop), and no other starts.
            await asyncio.wait_for(self._digest_lock.acquire(), SHUTDOWN_GRACE)
        except TimeoutError:
            cycle = self._cycle
            if cycle is not None:
                log.warning("the digest cycle did not stop within %.0f s; cancelling it", SHUTDOWN_GRACE)
                cycle.cancel()
                await asyncio.wait({cycle}, timeout=5)
        try:
            await self.close()
        finally:
            self.stopped.set()

    def invite_url(self) -> str:
        assert self.application_id is not None
        return discord.utils.oauth_url(
            self.application_id, permissions=PERMISSIONS, scopes=("bot", "applications.commands")
        )


@contextlib.asynccontextmanager
async def stop_on_signals(bot: PaperboyBot) -> AsyncIterator[list[str]]:
    """While inside, SIGTERM or SIGINT (how systemd, Docker and Ctrl-C stop a process) start a graceful
    `bot.shutdown`; on the way out it is awaited. Yields the names of the signals received."""
    loop = asyncio.get_running_loop()
    received: list[str] = []
    pending: set[asyncio.Task[None]] = set()  # the shutdown task, kept from the garbage collector

    def on_signal(sig: signal.Signals) -> None:
        if received:
            log.info("%s again: already stopping", sig.name)
            return
        received.append(sig.name)
        task = asyncio.ensure_future(bot.shutdown(f"received {sig.name}"))
        pending.add(task)
        task.add_done_callback(pending.discard)

    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        yield received
    finally:
        try:
            if pending:
                await asyncio.wait(pending)
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
    if received:
        log.info("Paperboy stopped (%s); the database is closed", received[0])


async def serve(bot: PaperboyBot, main: Coroutine[Any, Any, None]) -> str | None:
    """Run `main` (`bot.start(token)`) with the database opened first, until it ends or SIGTERM or
    SIGINT arrives; then shut down gracefully. Returns the signal's name, if one stopped it."""
    bot.freeze_heap_at_start = True
    async with stop_on_signals(bot) as received, bot:
        try:
            await bot.open_store()
            await main
        finally:
            main.close()  # never awaited when the store failed to open; else a no-op
    return received[0] if received else None


class ShardedPaperboyBot(PaperboyBot, commands.AutoShardedBot):
    """A gateway for some of the bot's shards (`run --shards 0-3/16`): past 2,500 servers Discord requires them."""


def create_bot(config: Config | str | Path | None = None, *, scheduler: bool = True, role: Role = "all",
               shards: Shards | None = None, members: bool = True) -> PaperboyBot:
    """Build the bot without starting it. `config` is a loaded Config or a path to a YAML file; `role` says
    which parts run (jobs/ops/roles.py); `shards`, which of the bot's shards its gateway connects; `members`,
    whether it asks for the Server Members intent (departures, for the 30-day privacy rule)."""
    if not isinstance(config, Config):
        config = load_config(config)
    if shards is not None:
        return ShardedPaperboyBot(config, scheduler=scheduler, role=role, shard_ids=shards.ids,
                                  shard_count=shards.count, members=members)
    return PaperboyBot(config, scheduler=scheduler, role=role, members=members)
