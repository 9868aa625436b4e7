"""Past one process, on a simulated Discord (issue 18): one day's delivery to S servers × 3 feeds and N DM
subscribers, by the whole bot in one process, and by a scheduler plus two senders sharing the outbox.

Each mode gets a fresh PostgreSQL database (the server of PAPERBOY_TEST_POSTGRES, default the local one; the
database is dropped after) and a SimCord world, seeded untimed through the store: S servers, each with three
channels following one of three topics (a day as one paged message), N members each following one topic, their
DM channels known. Then a day of posts (3 topics × --papers papers) arrives, and:

- single: `bot.run_digest()` of the real bot (`--role all`): ingest, planning, sending; the send phase timed;
- split: the same cycle on a bot that plans and does not send (what `--role scheduler` runs: the gateway role's
  `run_digest` plans only), then two senders (`send_pending` with a store of their own, their own claimer
  names, the one request budget in the database), each sending until the outbox is empty; timed from their
  start to the last send.

Printed per mode, over --rounds interleaved rounds (min and median): requests per delivered message (every REST
call during the send phase, over the messages delivered: goal <= 1.05), the send rate as a fraction of Discord's
50 requests/s bound (goal >= 0.8; the senders' budget is 45/s, 0.9), duplicates (a row's nonce posted twice) and
losses (rows not sent, or members and channels without their message), wall and CPU time, and the CPU a
delivered message beside Discord's bound of 20 ms a request. SimCord answers at once, so the bound is the
budget's, not Discord's round trips; but the simulator runs in this process, and its CPU is in the figure.
--profile profiles the last round and splits that CPU by whose code it is: Paperboy's (bot/, jobs/),
SimCord's, discord.py's, asyncpg's and the rest (the event loop): Paperboy's own send overhead a message is
its share.

The bot runs as `serve()` runs it: its start-up heap frozen before it connects (jobs/gc_pause.py). The simulated
world (servers, channels, members: in production Discord's, not in the bot's process) is frozen too before the
cycle, so that a full collection walks what a served bot would hold (--unfrozen: nothing frozen, as before).
SimCord's diagnostics (its log of every request and its transcript: two more copies of every message sent,
which the collector would walk with the bot's heap) are tallied as they come and emptied, every 50 ms;
the messages stay in their channels, as they would on Discord (--keep-log: kept, as before).

    .venv/bin/python benchmarks/senders.py [--servers 1000] [--subscribers 20000] [--papers 5] [--rounds 3]
                                           [--profile] [--unfrozen] [--keep-log]
    .venv/bin/python benchmarks/senders.py --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import logging
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import simcord  # noqa: E402

from benchmarks._bench import machine  # noqa: E402
from bot import create_bot  # noqa: E402
from bot.delivery.sender import BUDGET, send_pending  # noqa: E402
from bot.delivery.targets import Targets  # noqa: E402
from jobs.config import Config, FeedsConfig, SourceConfig  # noqa: E402
from jobs.database_url import parse_database_url  # noqa: E402
from jobs.gc_pause import freeze_heap, thaw_heap  # noqa: E402
from jobs.store.backends import open_database  # noqa: E402
from jobs.subscriptions import MAX_SUBSCRIPTIONS, folded_value  # noqa: E402
from tests.postgen import entries, write_kedreamix  # noqa: E402

DISCORD_GLOBAL_RATE = 50.0
TOPICS = ("3DGS", "NeRF", "Diffusion Models")
SERVER = os.environ.get("PAPERBOY_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Run:
    mode: str
    requests: int = 0
    delivered: int = 0
    duplicates: int = 0
    losses: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    by_sender: list[int] = field(default_factory=list)
    block: float = 0.0  # the longest the event loop went without a turn over the whole cycle (issue 20 item 3)
    block_besides: float = 0.0  # the same, the full collections within it left out
    full: list[float] = field(default_factory=list)  # the cyclic GC's full collections meanwhile, wall seconds
    tracked: int = 0  # objects the GC tracked at the cycle's end
    # A full collection at the cycle's end (CPU ms, objects walked): over all this process holds, then with the
    # simulated channels' messages dropped (what a served bot holds: Discord keeps those, not the bot).
    collect_all: tuple[float, int] = (0.0, 0)
    collect_bot: tuple[float, int] = (0.0, 0)
    shares: dict[str, float] = field(default_factory=dict)  # --profile: the send phase's CPU by whose code

    @property
    def per_message(self) -> float:
        return self.requests / max(1, self.delivered)

    @property
    def bound(self) -> float:
        return self.requests / max(1e-9, self.seconds) / DISCORD_GLOBAL_RATE


class Background:
    """A task running `_run` while in use (`async with`), cancelled at the end."""

    _task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        raise NotImplementedError

    def _started(self) -> None:
        pass

    def _ended(self) -> None:
        pass

    async def __aenter__(self) -> Self:
        self._started()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._ended()


class Heartbeat(Background):
    """Sleeps 1 ms at a time on the event loop while in use; `worst` is the longest it waited past that: how
    long the bot's gateway heartbeat and slash commands could not run (benchmarks/loop_block.py's measure).
    Also the cyclic garbage collector's full collections meanwhile (`full`: their wall times) and the objects
    it tracks at the end: a full collection walks all of them, GIL held, the simulated Discord's (in this
    process: every message it was sent, kept) with the bot's; `worst_besides` is the longest wait with the
    full collections within it left out (what the bot's own work blocked)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_besides = 0.0  # the longest, the full collections within it left out
        self.full: list[float] = []
        self._in_full = 0.0  # seconds of full collections so far
        self.tracked = 0
        self._began = 0.0

    def _collection(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.full.append(time.perf_counter() - self._began)
            self._in_full += self.full[-1]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before, full = loop.time(), self._in_full
            await asyncio.sleep(0.001)
            late = loop.time() - before - 0.001
            self.worst = max(self.worst, late)
            self.worst_besides = max(self.worst_besides, late - (self._in_full - full))

    def _started(self) -> None:
        gc.callbacks.append(self._collection)

    def _ended(self) -> None:
        gc.callbacks.remove(self._collection)
        self.tracked = len(gc.get_objects())


class Tally(Background):
    """The REST calls the bot makes, counted from SimCord's request log as they come (requests, each message
    post's nonce, the channels reached), then, unless `keep`, dropped from the log and the transcript. The
    counting runs on the loop inside the measured phase (a regex and a Counter a request: small beside the
    send, but in its CPU and blocks)."""

    def __init__(self, env: Any, keep: bool) -> None:
        self.env, self.keep = env, keep
        self.reset()

    def reset(self) -> None:
        """Count from now on."""
        self.seen = len(self.env.http_requests)
        self.requests = 0
        self.nonces: Counter[Any] = Counter()
        self.reached: Counter[int] = Counter()

    def take(self) -> None:
        log = self.env.backend.http_requests
        for r in log[self.seen:]:
            self.requests += 1
            if r.method == "POST" and (m := re.match(r"/channels/(\d+)/messages$", r.path)):
                self.nonces[(r.json or {}).get("nonce")] += 1
                self.reached[int(m[1])] += 1
        self.seen = len(log)
        if not self.keep:
            log.clear()
            self.env.backend.transcript.clear()
            self.seen = 0

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            self.take()

    def _ended(self) -> None:
        self.take()


def full_collection() -> tuple[float, int]:
    """CPU ms of one full collection after garbage is gone (what every later one walks), and the objects it
    walks (the frozen heap is not walked)."""
    gc.collect()
    began = time.process_time()
    gc.collect()
    return (time.process_time() - began) * 1000, len(gc.get_objects())


def database_url(name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def one_run(mode: str, args: argparse.Namespace, tmp: Path, profiled: bool = False) -> Run:
    name = f"pb_scale_{secrets.token_hex(5)}"
    await admin(f'CREATE DATABASE "{name}"')
    posts = tmp / name
    posts.mkdir()
    url = parse_database_url(database_url(name), "benchmark")
    config = Config(database_path=tmp / "unused.db", database_url=url,
                    sources=[SourceConfig(name="local", kind="directory", format="kedreamix", path=str(posts))],
                    feeds=FeedsConfig(max_per_cycle=25))
    bot = create_bot(config, scheduler=False, role="all" if mode == "single" else "gateway")
    bot.freeze_heap_at_start = not args.unfrozen  # as serve() runs it
    stores: list[Any] = []
    run = Run(mode)
    profile = cProfile.Profile(time.process_time) if profiled else None
    try:
        async with simcord.run(bot, settle_timeout=30) as env:
            store = await bot.open_store()
            feeds: list[tuple[int, int, str]] = []
            for s in range(args.servers):
                guild = env.create_guild(name=f"Lab {s}")
                feeds += [(guild.id, guild.create_text_channel(f"papers-{len(feeds) + i}").id, topic)
                          for i, topic in enumerate(TOPICS)]
            members = [(user.id, user.dm_channel.id, TOPICS[u % len(TOPICS)])
                       for u in range(args.subscribers) if (user := env.create_user(f"member{u}"))]
            await env.settle()
            async with store.transaction():  # one commit for the lot; each call a savepoint
                for guild_id, channel_id, topic in feeds:
                    await store.add_feed(guild_id, channel_id, topic, [], None, style="digest")
                for user_id, dm_id, topic in members:
                    await store.add_subscription(user_id, "topic", topic, folded_value("topic", topic),
                                                 MAX_SUBSCRIPTIONS)
                    await store.set_dm_channel(user_id, dm_id)
            channels = [c for _, c, _ in feeds]
            dms = [d for _, d, _ in members]
            for t, topic in enumerate(TOPICS):
                write_kedreamix(posts, topic, "2024-05-06", entries(str(6 + t), args.papers))
            if not args.unfrozen:  # the simulated Discord's servers, channels and members: Discord's, not the bot's
                freeze_heap()
            tally = Tally(env, args.keep_log)
            beat = Heartbeat()
            if mode == "single":
                plain_send = bot._send
                timing: dict[str, float] = {}

                async def timed_send(guild_id: int | None) -> Any:
                    wall, cpu = time.perf_counter(), time.process_time()
                    profile.enable() if profile else None
                    try:
                        return await plain_send(guild_id)
                    finally:
                        profile.disable() if profile else None
                        timing["wall"], timing["cpu"] = time.perf_counter() - wall, time.process_time() - cpu

                bot._send = timed_send  # type: ignore[method-assign]
                tally.reset()
                async with beat, tally:
                    await bot.run_digest()
                run.seconds, run.cpu = timing["wall"], timing["cpu"]
            else:
                async with beat, tally:
                    await bot.run_digest()  # the scheduler's cycle: planned, nothing sent
                stores = [await open_database(url) for _ in range(args.senders)]
                tally.reset()
                sent = [0] * len(stores)

                async def sender(i: int, mine: Any) -> None:
                    # Counted, as a sender role's round ends when its claims find nothing (`pending()` would
                    # decode every pending row's message on the loop each time: the benchmark's block, not a
                    # sender's).
                    while (await mine.outbox_counts()).get("pending"):
                        report = await send_pending(mine, Targets(bot, mine), images=True, claimer=f"sender-{i}",
                                                    budget=BUDGET)
                        sent[i] += report.sent
                        await asyncio.sleep(0.01)

                wall, cpu = time.perf_counter(), time.process_time()
                profile.enable() if profile else None
                async with beat, tally:
                    await asyncio.gather(*(sender(i, s) for i, s in enumerate(stores)))
                profile.disable() if profile else None
                run.seconds, run.cpu = time.perf_counter() - wall, time.process_time() - cpu
                run.by_sender = sent
            run.block, run.full, run.tracked = beat.worst, beat.full, beat.tracked
            run.block_besides = beat.worst_besides
            await env.settle()
            tally.take()
            run.requests = tally.requests
            run.duplicates = sum(n - 1 for n in tally.nonces.values() if n > 1)
            counts = await store.outbox_counts()
            run.delivered = counts.get("sent", 0)
            reached = tally.reached
            if profile:
                run.shares = shares(profile)
            run.losses = (counts.get("pending", 0) + counts.get("failed", 0)
                          + sum(1 for c in channels if not reached[c]) + sum(1 for d in dms if reached[d] != 1))
            run.collect_all = full_collection()
            for messages in env.backend.messages.values():
                messages.clear()
            run.collect_bot = full_collection()
    finally:
        thaw_heap()  # the next round starts from the same heap
        for s in stores:
            await s.close()
        if bot._store is not None:
            await bot._store.close()
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return run


AREAS = {"Paperboy": (str(ROOT / "bot"), str(ROOT / "jobs")), "SimCord": ("/simcord/",),
         "discord.py": ("/discord/",), "asyncpg": ("/asyncpg/",)}


def area_of(path: str) -> str | None:
    return next((name for name, marks in AREAS.items() if any(m in path for m in marks)), None)


def shares(profile: cProfile.Profile) -> dict[str, float]:
    """The profiled CPU by whose code asked for it: Paperboy's, the simulator's, discord.py's, the database
    driver's. A standard-library or builtin function's own time (json, asyncio's machinery, copying) goes to
    its callers, in proportion to their calls' time, up to the first caller that is one of those; what
    nobody of those called (the event loop itself) is "other"."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    totals: Counter[str] = Counter()
    loose: dict[Any, float] = {}
    for func, (_, _, own, _, _) in stats.items():
        area = area_of(func[0])
        if area is not None:
            totals[area] += own
        else:
            loose[func] = loose.get(func, 0.0) + own
    for _ in range(30):  # up the call graph, a level a pass
        moved: dict[Any, float] = {}
        for func, mass in loose.items():
            callers = stats[func][4] if func in stats else {}
            weights = {c: v[3] for c, v in callers.items()}
            total = sum(weights.values())
            if mass <= 0 or total <= 0:
                totals["other"] += mass
                continue
            for caller, weight in weights.items():
                share = mass * weight / total
                area = area_of(caller[0])
                if area is not None:
                    totals[area] += share
                else:
                    moved[caller] = moved.get(caller, 0.0) + share
        loose = moved
        if not loose:
            break
    totals["other"] += sum(loose.values())
    whole = sum(totals.values()) or 1.0
    return {name: totals[name] / whole for name in (*AREAS, "other")}


def line(runs: list[Run]) -> str:
    per = [r.per_message for r in runs]
    timed = [r for r in runs if not r.shares] or runs  # a profiled round is slower for the profiler
    bound = [r.bound for r in timed]
    wall = [r.seconds for r in timed]
    cpu = [r.cpu for r in timed]
    last = runs[-1]
    split = f" · messages by sender {last.by_sender}" if last.by_sender else ""
    return (f"{last.mode:6s}: {last.delivered:,} messages, {last.requests:,} requests · requests/message min "
            f"{min(per):.3f} median {statistics.median(per):.3f} · of the 50/s bound min {min(bound):.2f} median "
            f"{statistics.median(bound):.2f} · send wall min {min(wall):.1f} s median {statistics.median(wall):.1f} s"
            f" · CPU median {statistics.median(cpu):.1f} s · duplicates {sum(r.duplicates for r in runs)} · losses "
            f"{sum(r.losses for r in runs)}{split} · longest loop block per round (ms, the whole cycle"
            f"{' in one process' if last.mode == 'single' else ': planning, then the senders'}) "
            + " / ".join(f"{r.block * 1000:.0f}" for r in runs) + ", leaving out the full collections within it "
            + " / ".join(f"{r.block_besides * 1000:.0f}" for r in runs)
            + " · the cyclic GC's full collections meanwhile (count, longest ms, objects tracked at the end) "
            + " / ".join(f"{len(r.full)}, {max(r.full, default=0) * 1000:.0f}, {r.tracked:,}" for r in runs)
            + " · a full collection at the end, CPU ms over objects: all " + " / ".join(
                f"{r.collect_all[0]:.0f} over {r.collect_all[1]:,}" for r in runs)
            + "; without SimCord's messages (a served bot's heap) " + " / ".join(
                f"{r.collect_bot[0]:.0f} over {r.collect_bot[1]:,}" for r in runs)
            + "\n        " + overhead(runs))


def overhead(runs: list[Run]) -> str:
    """CPU a delivered message beside Discord's bound (50 requests/s: 20 ms a request), and with --profile
    how much of it is Paperboy's own code and how much the simulator's and the libraries': the shares of the
    profiled last round applied to the CPU of the rounds before it (the profiler's own cost inflates its
    round's CPU several times)."""
    plain = [r for r in runs if not r.shares] or runs
    per = statistics.median(r.cpu / max(1, r.delivered) * 1000 for r in plain)
    text = f"CPU a message {per:.2f} ms (Discord's bound: {1000 / DISCORD_GLOBAL_RATE:.0f} ms a request)"
    if runs[-1].shares:
        if plain is runs:
            text += " under the profiler (run 2+ rounds for the plain figure)"
        text += " · by code: " + ", ".join(f"{name} {share * per:.2f} ms ({share:.0%})"
                                           for name, share in runs[-1].shares.items())
    return text


async def main_async(args: argparse.Namespace) -> int:
    print(machine())
    print(f"{args.servers:,} servers × {len(TOPICS)} feeds, {args.subscribers:,} subscribers, {args.papers} papers "
          f"a topic; senders' budget {BUDGET.rate:g}/s (burst {BUDGET.burst:g}); {args.rounds} round(s), interleaved")
    results: dict[str, list[Run]] = {"single": [], "split": []}
    with tempfile.TemporaryDirectory(prefix="paperboy-scale-") as tmp:
        for r in range(args.rounds):
            for mode in results:
                profiled = args.profile and r == args.rounds - 1
                results[mode].append(await one_run(mode, args, Path(tmp), profiled))
    for runs in results.values():
        print(line(runs))
    failed = [r for rs in results.values() for r in rs if r.duplicates or r.losses or r.per_message > 1.05
              or (not args.smoke and not r.shares and r.bound < 0.8)]
    if failed:
        print(f"goals missed: {[(r.mode, r.per_message, r.bound, r.duplicates, r.losses) for r in failed]}")
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--subscribers", type=int, default=20000)
    parser.add_argument("--papers", type=int, default=5, help="papers a topic in the day's posts")
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="profile the last round: the send phase's CPU by code (Paperboy, SimCord, "
                             "discord.py, asyncpg, other)")
    parser.add_argument("--smoke", action="store_true", help="3 servers, 30 subscribers, one round: seconds")
    parser.add_argument("--unfrozen", action="store_true",
                        help="no heap frozen: neither the served bot's start-up heap (jobs/gc_pause.py freeze_heap) "
                             "nor the simulated Discord's world, which a full collection then walks too")
    parser.add_argument("--keep-log", action="store_true",
                        help="keep SimCord's request log and transcript (two copies of every message sent, "
                             "walked by every full collection), as before")
    args = parser.parse_args()
    if args.smoke:
        args.servers, args.subscribers, args.rounds = 3, 30, 1
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
