"""DM fan-out at scale: one digest cycle delivering new papers to N subscribers, on SimCord.

Builds a temporary config (SQLite database and one directory source of Kedreamix posts written with
tests/postgen.py), starts the real bot (`bot.create_bot(config, scheduler=False)`) under
`simcord.run`, and seeds it, untimed:

  1. a first day of posts (a few papers per topic), ingested with `bot.run_digest()`, so that the
     subscriptions made next only want the papers that come after;
  2. N SimCord users, each with a mix of subscriptions written through the store exactly as
     /subscribe writes them (`Store.add_subscription` with `folded_value`, then `Store.set_dm_channel`
     with the user's DM channel): 35% one topic, 42% one or two keywords, 20% one author (a few by
     last name alone, which matches everyone who has it), 3% five to twelve of any kind (all in
     one transaction, to seed faster);
  3. a new day of posts (default 300 papers over the nine Kedreamix topics, 5% cross-listed under a
     second topic), with titles, abstracts, summaries and authors drawn from skewed vocabularies, so
     that keyword and author followers get a few papers, topic followers dozens, and some none.

Then times ONE `await bot.run_digest()` (ingest + feed planning + fan-out planning + sending), split
into phases by wrapping the functions run_digest calls, and prints: subscribers, subscribers DM'd,
papers delivered, DM messages, REST requests made during the cycle (and by method and route),
requests per subscriber, wall time (and how much of the send phase SimCord's fake REST itself
takes), peak memory (the process's maximum RSS; with --tracemalloc the traced peak, per phase), and
the "Discord bound": requests / 50 per second (Discord's global rate limit for a bot) — the least
wall time real Discord would allow — with wall time / bound (below 1: we are faster than Discord
would let us send, so its rate limit, not our code, sets the pace). SimCord answers at once and has
no rate limits, so it also prints an estimate for real Discord: send_pending keeps SEND_WORKERS
requests in flight (a round trip each, --rtt-ms), round-robin over users so that a DM channel's own
bucket (about 5 messages per 5 s) only holds up its own user.

The result is checked against an independent brute-force match over the generated papers: every
DM'd user got each paper meant for them exactly once, under a subscription of the right kind, in ONE
message a day (a lone paper as a card, more as a paged day), within Discord's limits, and each DM message
cost exactly one request (no create-DM calls, no lookups).

tracemalloc makes the send phase about 4x slower (SimCord deep-copies every message), so timings
come from a run without it; --tracemalloc measures the traced peak instead (the same seeded world;
its timings are printed too, marked as traced). --profile prints the cProfile top 15 of the cycle
(cumulative, own time, and Paperboy's own functions); SQL runs in aiosqlite's thread, which cProfile
does not see: it shows up as waiting (select/epoll). 10,000 subscribers take about a minute in all.

    .venv/bin/python benchmarks/fanout.py [--subscribers 10000] [--papers 300] [--seed 1]
                                          [--tracemalloc] [--profile] [--rtt-ms 100]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import math
import pstats
import random
import re
import resource
import sqlite3
import sys
import tempfile
import threading
import time
import tracemalloc
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import simcord  # noqa: E402

import bot.app as app_module  # noqa: E402
import bot.digest as digest_module  # noqa: E402
import jobs.plan.cycle as plan_cycle_module  # noqa: E402
from bot import create_bot  # noqa: E402
from bot.delivery.sender import SEND_WORKERS  # noqa: E402
from jobs.config import Config, FeedsConfig, SourceConfig  # noqa: E402
from jobs.subscriptions import MAX_SUBSCRIPTIONS, folded_value  # noqa: E402
from tests.postgen import Entry, write_kedreamix  # noqa: E402

DISCORD_GLOBAL_RATE = 50  # requests per second, per bot
# What Discord has answered for message sends in one channel (a DM channel is one): read from the
# X-RateLimit headers by discord.py, which waits when a bucket is empty. Not a documented constant.
CHANNEL_BURST, CHANNEL_WINDOW_S = 5, 5.0
MAX_EMBEDS = 10
EMBED_TOTAL_MAX = 6000

# (topic, share of the day's papers, share of topic subscribers): the Kedreamix topics.
TOPICS: list[tuple[str, float, float]] = [
    ("3DGS", 0.22, 0.24),
    ("Diffusion Models", 0.22, 0.20),
    ("NeRF", 0.14, 0.12),
    ("Talking Head Generation", 0.10, 0.09),
    ("LLM", 0.10, 0.14),
    ("3D reconstruction", 0.08, 0.07),
    ("元宇宙/虚拟人", 0.07, 0.06),
    ("GAN", 0.04, 0.04),
    ("医学图像", 0.03, 0.04),
]
CROSS_LISTED = 0.05  # share of papers that appear in a second topic's post too

# Terms a paper is about, by topic; "*" terms go with any topic. A paper takes one term of its topic
# and often one or two more, the first terms of each list most often (Zipf); they end up in its
# title, abstract and summary, and are what keyword subscribers follow.
TERMS: dict[str, list[str]] = {
    "3DGS": ["Gaussian splatting", "real-time rendering", "SLAM", "mesh extraction", "anti-aliasing",
             "4D Gaussians", "scene editing", "densification", "relighting", "feed-forward Gaussians",
             "surface reconstruction", "large scenes"],
    "Diffusion Models": ["text-to-image", "video generation", "image editing", "score distillation",
                         "consistency models", "ControlNet", "inpainting", "super-resolution", "LoRA",
                         "flow matching", "personalization", "classifier-free guidance"],
    "NeRF": ["neural radiance fields", "novel view synthesis", "sparse views", "dynamic scenes",
             "unbounded scenes", "pose-free", "hash encoding", "reflections", "neural SDF"],
    "Talking Head Generation": ["talking head", "lip sync", "audio-driven", "facial animation",
                                "emotion control", "one-shot portrait", "co-speech gesture"],
    "LLM": ["tool use", "agent planning", "reinforcement learning", "multi-agent", "web navigation",
            "code generation", "long context", "chain-of-thought", "instruction tuning", "hallucination"],
    "3D reconstruction": ["multi-view stereo", "structure from motion", "monocular depth", "indoor scenes",
                          "photogrammetry", "single-view reconstruction"],
    "元宇宙/虚拟人": ["avatar", "digital human", "motion capture", "clothed humans", "hand reconstruction",
                 "virtual try-on", "SMPL"],
    "GAN": ["StyleGAN", "GAN inversion", "adversarial training", "image translation"],
    "医学图像": ["medical image segmentation", "computed tomography", "MRI", "histopathology", "X-ray"],
    "*": ["transformer", "point cloud", "self-supervised", "zero-shot", "robotics", "autonomous driving",
          "semantic segmentation", "knowledge distillation", "benchmark dataset", "uncertainty",
          "mixture of experts", "state space model"],
}
# Keywords people follow that no generated paper contains.
NEVER_MATCH = ["quantum gravity", "protein folding", "graph neural network", "speech recognition",
               "federated learning", "weather forecasting"]

FIRST = ["Wei", "Li", "Jun", "Yu", "Xin", "Hao", "Ming", "Anna", "David", "Maria", "John", "Sara", "Kenji",
         "Yuki", "Arjun", "Priya", "Lukas", "Sofia", "Omar", "Elena", "Jean-Pierre", "José", "Zoë", "Søren",
         "Chen", "Ivan", "Fatima", "Lucas", "Emma", "Noah", "Mei", "Tao", "Rui", "Jia", "Kai", "Lin"]
LAST = ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
        "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao", "Smith", "Müller", "García", "Rossi", "Kim", "Park",
        "Tanaka", "Suzuki", "Singh", "Kumar", "Novak", "Dubois", "Schmidt", "Ivanova", "Nguyen",
        "Fernández", "O'Brien", "van der Berg", "Lee", "Johnson"]
TITLE_LEADS = ["Towards", "Rethinking", "Learning", "Scaling", "Revisiting", "Unified", "Fast", "Robust",
               "Generalizable", "Controllable", "Efficient", "Hierarchical", "Adaptive", "Sparse"]
TITLE_TAILS = ["in the Wild", "at Scale", "from a Single Image", "without Supervision", "with Priors",
               "for Everyone", "Made Simple", "via Distillation", "in Real Time", "Revisited"]


# ---- generating papers and subscribers --------------------------------------------------------------


def zipf_pick(rng: random.Random, items: list[Any], s: float = 1.1) -> Any:
    weights = [1 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights)[0]


@dataclass
class GenPaper:
    entry: Entry
    topics: list[str]


@dataclass
class GenSub:
    kind: str
    value: str


@dataclass
class GenUser:
    name: str
    subs: list[GenSub]
    id: int = 0
    dm_channel_id: int = 0
    expected: dict[str, str] = field(default_factory=dict)  # arxiv id -> expected label kind


def author_pool(rng: random.Random, n: int) -> list[str]:
    names: set[str] = set()
    while len(names) < n:  # 36 x 40 plain names, and as many again with a middle initial
        middle = f" {rng.choice('ABCDEFGHJKLMNPRSTWY')}." if rng.random() < 0.3 else ""
        names.add(f"{rng.choice(FIRST)}{middle} {rng.choice(LAST)}")
    pool = sorted(names)
    rng.shuffle(pool)
    return pool  # front of the list: prolific (picked by Zipf)


def make_papers(rng: random.Random, n: int, authors: list[str], id_prefix: str) -> list[GenPaper]:
    names = [t for t, _, _ in TOPICS]
    shares = [s for _, s, _ in TOPICS]
    papers = []
    for i in range(1, n + 1):
        topic = rng.choices(names, shares)[0]
        topics = [topic]
        if rng.random() < CROSS_LISTED:
            topics.append(rng.choice([t for t in names if t != topic]))
        terms = [zipf_pick(rng, TERMS[topic], 0.8)]
        for _ in range(rng.choice([0, 1, 1, 2])):
            terms.append(zipf_pick(rng, TERMS["*"] if rng.random() < 0.4 else TERMS[rng.choice(topics)], 0.8))
        terms = list(dict.fromkeys(terms))
        title = f"{rng.choice(TITLE_LEADS)} {terms[0].title()} {rng.choice(TITLE_TAILS)} ({id_prefix}-{i})"
        abstract = (f"We study {terms[0]} and propose a new method. "
                    + " ".join(f"It also handles {t} well." for t in terms[1:])
                    + " Experiments on standard benchmarks show clear gains.")
        summary = f"本文研究{terms[0]}，提出了一种新方法，" + "".join(f"并兼顾{t}，" for t in terms[1:]) + "效果显著。"
        takeaways = [f"提出新的{terms[0]}方法。", "在标准基准上效果很好。"]
        n_auth = rng.choice([1, 2, 3, 3, 4, 5, 6, 8])
        paper_authors = list(dict.fromkeys(zipf_pick(rng, authors, 0.8) for _ in range(n_auth)))
        papers.append(GenPaper(Entry(arxiv_id=f"{id_prefix}.{i:05d}", title=title, authors=paper_authors,
                                     abstract=abstract, summary=summary, takeaways=takeaways),
                               topics))
    return papers


def write_day(root: Path, date: str, papers: list[GenPaper]) -> None:
    by_topic: dict[str, list[Entry]] = defaultdict(list)
    for p in papers:
        for t in p.topics:
            by_topic[t].append(p.entry)
    for topic, entries in by_topic.items():
        write_kedreamix(root, topic, date, entries)


def make_users(rng: random.Random, n: int, authors: list[str]) -> list[GenUser]:
    names = [t for t, _, _ in TOPICS]
    topic_weights = [w for _, _, w in TOPICS]
    keywords = sorted({t for terms in TERMS.values() for t in terms})
    rng.shuffle(keywords)  # popularity order, independent of how often papers use them

    def one(kind: str) -> GenSub:
        if kind == "topic":
            return GenSub("topic", rng.choices(names, topic_weights)[0])
        if kind == "keyword":
            word = rng.choice(NEVER_MATCH) if rng.random() < 0.08 else zipf_pick(rng, keywords, 0.9)
            return GenSub("keyword", rng.choice([word, word.lower(), word.upper()]))
        name = zipf_pick(rng, authors, 0.7)
        r = rng.random()
        if r < 0.05:
            name = name.split()[-1]  # a last name alone matches every author who has it
        elif r < 0.25:
            name = name.lower()
        elif r < 0.40:
            name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
        elif r < 0.45:
            name = f"{rng.choice(FIRST)} Nobody"
        return GenSub("author", name)

    users = []
    for i in range(n):
        r = rng.random()
        if r < 0.03:
            subs = [one(rng.choice(["topic", "keyword", "keyword", "author"])) for _ in range(rng.randint(5, 12))]
        elif r < 0.38:
            subs = [one("topic")]
        elif r < 0.80:
            subs = [one("keyword") for _ in range(rng.choice([1, 2]))]
        else:
            subs = [one("author")]
        users.append(GenUser(f"reader{i:05d}", subs))
    return users


# ---- the brute-force match, written independently of jobs/subscriptions.py -----------------------------


def bf_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def bf_words(text: str) -> list[str]:
    return bf_fold(text).replace(".", " ").replace("-", " ").split()


def brute_force(users: list[GenUser], papers: list[GenPaper]) -> None:
    """Fill each user's `expected`: arxiv id -> the kind of the label the DM must show (topic beats
    author beats keyword)."""
    texts = {p.entry.arxiv_id: " ".join(bf_fold("\n".join([p.entry.title, p.entry.abstract, p.entry.summary,
                                                             *p.entry.takeaways])).split()) for p in papers}
    for user in users:
        user.expected = {}
        seen: set[tuple[str, str]] = set()
        subs = []
        for s in user.subs:  # duplicates (after folding) were refused by the store
            key = (s.kind, " ".join(bf_words(s.value)) if s.kind == "author" else " ".join(bf_fold(s.value).split()))
            if key not in seen:
                seen.add(key)
                subs.append((s.kind, key[1]))
        for p in papers:
            kinds = set()
            for kind, want in subs:
                if kind == "topic" and any(" ".join(bf_fold(t).split()) == want for t in p.topics):
                    kinds.add("topic")
                elif kind == "keyword" and re.search(  # at the start of a word (no boundary for Chinese)
                    (r"(?<![a-z0-9])" if want[:1].isascii() and want[:1].isalnum() else "") + re.escape(want),
                    texts[p.entry.arxiv_id],
                ):
                    kinds.add("keyword")
                elif kind == "author":
                    w = want.split()
                    for name in p.entry.authors:
                        words = bf_words(name)
                        if any(words[i : i + len(w)] == w for i in range(len(words) - len(w) + 1)):
                            kinds.add("author")
            for kind in ("topic", "author", "keyword"):
                if kind in kinds:
                    user.expected[p.entry.arxiv_id] = kind
                    break


# ---- measuring ---------------------------------------------------------------------------------------


class Phases:
    """Wraps the functions run_digest calls (module globals of bot.digest, jobs.plan.cycle and bot.app) to time
    each phase and, when tracemalloc is on, its memory: the peak over the phase's start, and what it left
    allocated."""

    NAMES = ("ingest", "plan_fanout", "send_pending")
    MODULES: ClassVar[dict[str, Any]] = {"ingest": digest_module, "plan_fanout": plan_cycle_module,
                                         "send_pending": app_module}

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.memory: dict[str, tuple[float, float]] = {}
        self.peak = 0  # bytes: the highest traced total seen across phases
        self._saved: dict[str, Any] = {}

    def install(self) -> None:
        for name in self.NAMES:
            original = getattr(self.MODULES[name], name)
            self._saved[name] = original
            setattr(self.MODULES[name], name, self._timed(name, original))

    def uninstall(self) -> None:
        for name, original in self._saved.items():
            setattr(self.MODULES[name], name, original)

    def _timed(self, name: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            tracing = tracemalloc.is_tracing()
            if tracing:
                start, peak = tracemalloc.get_traced_memory()
                self.peak = max(self.peak, peak)
                tracemalloc.reset_peak()
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
                if tracing:
                    end, peak = tracemalloc.get_traced_memory()
                    self.peak = max(self.peak, peak)
                    self.memory[name] = ((peak - start) / 2**20, (end - start) / 2**20)

        return wrapper


class LagMonitor:
    """The longest time the event loop went without running a callback, seen from a thread that
    posts one every few milliseconds: how long a slash command could wait on the cycle."""

    def __init__(self, loop: asyncio.AbstractEventLoop, every: float = 0.005) -> None:
        self.loop, self.every, self.worst = loop, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            done = threading.Event()
            posted = time.perf_counter()

            def ran(posted: float = posted, done: threading.Event = done) -> None:
                self.worst = max(self.worst, time.perf_counter() - posted)
                done.set()

            self.loop.call_soon_threadsafe(ran)
            while not done.wait(0.5) and not self._stop.is_set():
                self.worst = max(self.worst, time.perf_counter() - posted)

    def __enter__(self) -> LagMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def route_shape(method: str, path: str) -> str:
    return f"{method} {re.sub(r'/[0-9]{6,}', '/{id}', path)}"


def maxrss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


@dataclass
class Result:
    subscribers: int
    subscriptions: int
    papers: int
    dm_users: int = 0
    papers_delivered: int = 0
    messages: int = 0
    requests: int = 0
    routes: Counter[str] = field(default_factory=Counter)
    wall: float = 0.0
    settle: float = 0.0
    worst_lag: float = 0.0
    simcord_rest: float = 0.0  # inside SimCord's fake HTTP client: routing, validation, storing, events
    phases: dict[str, float] = field(default_factory=dict)
    traced_peak_mb: float | None = None
    traced_end_mb: float = 0.0
    phase_memory: dict[str, tuple[float, float]] = field(default_factory=dict)  # MiB: peak over start, end over start
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    seed_seconds: float = 0.0
    per_user_papers: list[int] = field(default_factory=list)
    per_user_messages: list[int] = field(default_factory=list)
    profile: str = ""


async def run(args: argparse.Namespace, tmp: Path) -> Result:
    rng = random.Random(args.seed)
    posts = tmp / "posts"
    posts.mkdir()
    config = Config(
        database_path=tmp / "paperboy.db",
        sources=[SourceConfig(name="local", kind="directory", format="kedreamix", path=str(posts))],
        feeds=FeedsConfig(),
    )
    authors = author_pool(rng, 1500)
    first_day = make_papers(rng, 3 * len(TOPICS), authors, "2405")
    new_day = make_papers(rng, args.papers, authors, "2406")
    users = make_users(rng, args.subscribers, authors)
    brute_force(users, new_day)

    bot = create_bot(config, scheduler=False)
    phases = Phases()
    result = Result(subscribers=len(users), subscriptions=sum(len(u.subs) for u in users), papers=len(new_day))
    try:
        async with simcord.run(bot, settle_timeout=args.settle_timeout) as env:
            # ---- seeding (untimed) ----
            t_seed = time.perf_counter()
            write_day(posts, "2024-05-01", first_day)
            await bot.run_digest()
            store = bot.store
            async with store.transaction():  # one commit for the lot; each call is a savepoint
                for user in users:
                    handle = env.create_user(user.name)
                    user.id = handle.id
                    user.dm_channel_id = handle.dm_channel.id
                    for s in user.subs:
                        await store.add_subscription(user.id, s.kind, s.value, folded_value(s.kind, s.value),
                                                     MAX_SUBSCRIPTIONS)
                    await store.set_dm_channel(user.id, user.dm_channel_id)
            await env.settle()
            write_day(posts, "2024-05-02", new_day)
            result.seed_seconds = time.perf_counter() - t_seed

            # ---- the timed cycle ----
            before = len(env.http_requests)
            result.rss_before_mb = maxrss_mb()
            profiler = cProfile.Profile() if args.profile else None
            phases.install()
            fake_rest = bot.http.request  # SimCord's FakeHTTPClient.request, bound

            async def timed_request(*a: Any, **kw: Any) -> Any:
                t = time.perf_counter()
                try:
                    return await fake_rest(*a, **kw)
                finally:
                    result.simcord_rest += time.perf_counter() - t

            bot.http.request = timed_request  # type: ignore[method-assign]
            if args.tracemalloc:
                tracemalloc.start()
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            with LagMonitor(asyncio.get_running_loop()) as lag:
                summary = await bot.run_digest()
            result.wall = time.perf_counter() - t0
            result.worst_lag = lag.worst
            t1 = time.perf_counter()
            await env.settle()  # gateway events SimCord queued for the bot (its own MESSAGE_CREATEs)
            result.settle = time.perf_counter() - t1
            if profiler:
                profiler.disable()
            if args.tracemalloc:
                current, peak = tracemalloc.get_traced_memory()
                result.traced_peak_mb = max(phases.peak, peak) / 2**20
                result.traced_end_mb = current / 2**20
                tracemalloc.stop()
            phases.uninstall()
            bot.http.request = fake_rest  # type: ignore[method-assign]
            result.phases = dict(phases.seconds)
            result.phase_memory = dict(phases.memory)
            result.rss_after_mb = maxrss_mb()
            requests = env.http_requests[before:]
            result.requests = len(requests)
            result.routes = Counter(route_shape(r.method, r.path) for r in requests)
            if profiler:
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(15)
                stats.sort_stats("tottime").print_stats(15)
                print("Paperboy's own functions (bot/, jobs/), by cumulative time:", file=out)
                stats.sort_stats("cumulative").print_stats(re.escape(str(ROOT)) + "/(bot|jobs)/", 15)
                result.profile = out.getvalue()

            # ---- checks ----
            assert summary.ingest.papers_new == len(new_day), summary.text()
            assert summary.send.failed == 0, summary.text()
            verify(env, users, requests, result, config.database_path)
            assert summary.fanout is not None
            assert summary.fanout.subscribers == result.dm_users, (summary.fanout, result.dm_users)
            assert summary.fanout.messages == result.messages == summary.send.sent
            assert summary.fanout.papers == result.papers_delivered
    finally:
        phases.uninstall()
        if bot._store is not None:
            await bot._store.close()
    return result


def verify(env: Any, users: list[GenUser], requests: list[Any], result: Result, db: Path) -> None:
    """Each DM'd user got ONE message: a lone paper as a full card, more as a paged day whose outbox row
    lists every paper meant for them exactly once, grouped under subscriptions of the right kinds."""
    backend = env.backend
    dm_ids = {u.dm_channel_id: u for u in users}
    footer_id = re.compile(r"arXiv (\S+)")
    page_row = re.compile(r"^pb:dgo:(\d+)")
    with sqlite3.connect(db) as conn:
        days = {oid: json.loads(payload) for oid, payload in conn.execute(
            "SELECT id, payload FROM outbox WHERE kind = 'dm'")}
    for user in users:
        messages = sorted(backend.messages.get(user.dm_channel_id, {}).values(), key=lambda m: m.id)
        assert len(messages) <= 1, f"{user.name}: {len(messages)} DMs in one cycle"
        got: list[str] = []
        for m in messages:
            assert m.author_id == backend.bot_user.id
            assert 1 <= len(m.embeds) <= MAX_EMBEDS, f"{user.name}: {len(m.embeds)} embeds in one message"
            assert sum(len(discord.Embed.from_dict(e)) for e in m.embeds) <= EMBED_TOTAL_MAX
            menu = next((c["custom_id"] for row in m.components for c in row["components"]
                         if page_row.match(c.get("custom_id", ""))), None)
            if menu is None:  # a lone paper: a full card naming the subscription that matched it
                (e,) = m.embeds
                arxiv_id = footer_id.search(e["footer"]["text"]).group(1)
                label = next(f["value"] for f in e["fields"] if f["name"] == "Matched")
                got.append(arxiv_id)
                assert label.startswith(f"{user.expected.get(arxiv_id)}: "), (user.name, arxiv_id, label)
                continue
            day = days[int(page_row.match(menu).group(1))]["dm"]
            got += day["papers"]
            kinds = [label.split(": ", 1)[0] for label, _ in day["groups"]]
            assert len(kinds) == len(set(label for label, _ in day["groups"])), f"{user.name}: a group twice"
            start = 0
            for (label, count), kind in zip(day["groups"], kinds, strict=True):
                for arxiv_id in day["papers"][start:start + count]:
                    assert user.expected.get(arxiv_id) == kind, (user.name, arxiv_id, label)
                start += count
            assert start == len(day["papers"])
            n = len(day["papers"])
            assert m.content.startswith(f"📬 **{n} new paper{'s' if n != 1 else ''}**"), m.content
        assert len(got) == len(set(got)), f"{user.name} got a paper twice: {Counter(got).most_common(3)}"
        assert set(got) == set(user.expected), (
            f"{user.name}: missing {sorted(set(user.expected) - set(got))[:5]}, "
            f"extra {sorted(set(got) - set(user.expected))[:5]}")
        if got:
            result.dm_users += 1
            result.papers_delivered += len(got)
            result.messages += len(messages)
        result.per_user_papers.append(len(got))
        result.per_user_messages.append(len(messages))
    # One request per DM message, and nothing else: no create-DM, no user or channel lookups.
    for r in requests:
        assert r.method == "POST" and r.path.endswith("/messages"), f"unexpected request {r.method} {r.path}"
        assert int(r.path.split("/")[2]) in dm_ids, f"a message to a non-DM channel: {r.path}"
    assert len(requests) == result.messages, (len(requests), result.messages)


def distribution(values: list[int]) -> str:
    s = sorted(values)
    if not s:
        return "-"
    pick = [s[int(q * (len(s) - 1))] for q in (0.5, 0.9, 0.99)]
    return f"median {pick[0]}, p90 {pick[1]}, p99 {pick[2]}, max {s[-1]}"


def report(args: argparse.Namespace, r: Result) -> None:
    bound = r.requests / DISCORD_GLOBAL_RATE
    zero = sum(1 for n in r.per_user_papers if n == 0)
    ph = r.phases
    other = r.wall - sum(ph.values())
    print(f"fan-out: {r.subscribers:,} subscribers ({r.subscriptions:,} subscriptions), "
          f"{r.papers} new papers   [seed {args.seed}; seeding took {r.seed_seconds:.1f} s, untimed]")
    print(f"  subscribers DM'd       {r.dm_users:,} ({zero:,} had nothing new)")
    print(f"  papers delivered       {r.papers_delivered:,}   per DM'd subscriber: "
          f"{distribution([n for n in r.per_user_papers if n])}")
    buckets = Counter(next(label for limit, label in ((0, "0"), (3, "1-3"), (10, "4-10"), (30, "11-30"),
                                                       (10**9, ">30")) if n <= limit) for n in r.per_user_papers)
    print("  papers per subscriber  " + ", ".join(f"{k}: {buckets[k]:,}" for k in ("0", "1-3", "4-10", "11-30", ">30")))
    print(f"  DM messages sent       {r.messages:,}   per DM'd subscriber: "
          f"{distribution([n for n in r.per_user_messages if n])}")
    print(f"  REST requests          {r.requests:,}")
    for route, n in r.routes.most_common():
        print(f"      {n:>8,}  {route}")
    print(f"  requests / subscriber  {r.requests / max(1, r.subscribers):.2f}   "
          f"/ DM'd subscriber {r.requests / max(1, r.dm_users):.2f}   / DM message "
          f"{r.requests / max(1, r.messages):.2f}")
    traced = " (tracemalloc on: slower than untraced)" if r.traced_peak_mb is not None else ""
    traced += " (cProfile on: much slower)" if args.profile else ""
    print(f"  wall time              {r.wall:.2f} s{traced}")
    print(f"      ingest {ph.get('ingest', 0):.2f} s · plan fan-out {ph.get('plan_fanout', 0):.2f} s · "
          f"send {ph.get('send_pending', 0):.2f} s · rest of run_digest {other:.2f} s")
    if ph.get("send_pending"):
        send = ph["send_pending"]
        print(f"      send: {r.messages / send:,.0f} messages/s, {1000 * send / max(1, r.messages):.2f} ms per "
              f"message, of which {1000 * r.simcord_rest / max(1, r.messages):.2f} ms inside SimCord's fake REST "
              f"({100 * r.simcord_rest / send:.0f}% of the send phase)")
    print(f"      longest the event loop was blocked: {1000 * r.worst_lag:,.0f} ms (a slash command waits that "
          "long; Discord drops an interaction not answered in 3 s)")
    print(f"      then SimCord settle (gateway events to the bot) {r.settle:.2f} s, not counted")
    if r.traced_peak_mb is not None:
        print(f"  peak memory            tracemalloc peak during the cycle {r.traced_peak_mb:,.1f} MiB "
              f"(allocations made during it); {r.traced_end_mb:,.1f} MiB of them still held after it")
        for name, (peak, held) in r.phase_memory.items():
            print(f"      {name:<13} peak +{peak:,.1f} MiB over its start, +{held:,.1f} MiB held after")
        print(f"      max RSS {r.rss_before_mb:,.0f} MiB before the cycle, {r.rss_after_mb:,.0f} MiB after "
              "(tracemalloc's own bookkeeping included)")
    else:
        print(f"  peak memory            max RSS {r.rss_before_mb:,.0f} MiB before the cycle, "
              f"{r.rss_after_mb:,.0f} MiB after (--tracemalloc for the traced peak)")
    print(f"  Discord bound          {bound:.1f} s  ({r.requests:,} requests / {DISCORD_GLOBAL_RATE} per s)")
    print(f"  wall / bound           {r.wall / bound if bound else float('nan'):.3f}  "
          + ("(< 1: Discord's rate limit, not our code, sets the pace)" if bound and r.wall < bound
             else "(>= 1: our code is slower than Discord would allow)"))
    # Real Discord, estimated: SimCord answers at once and has no rate limits. send_pending keeps
    # SEND_WORKERS requests in flight, round-robin over users, one in flight per user.
    rtt = args.rtt_ms / 1000
    rate = min(DISCORD_GLOBAL_RATE, SEND_WORKERS / rtt) if rtt else DISCORD_GLOBAL_RATE
    paced = r.requests / rate
    heaviest = max(r.per_user_messages, default=0)
    bucket = max(0, math.ceil(heaviest / CHANNEL_BURST) - 1) * CHANNEL_WINDOW_S
    print(f"  real Discord, est.     {SEND_WORKERS} in flight x {args.rtt_ms:.0f} ms round trip = "
          f"{rate:.0f} requests/s -> {paced:,.0f} s; the busiest DM channel ({heaviest} messages, {CHANNEL_BURST} per "
          f"{CHANNEL_WINDOW_S:.0f} s) needs >= {bucket:,.0f} s")
    print(f"                         total ~{max(paced, bound, bucket) / 60:,.1f} min "
          f"({max(paced, bound, bucket) / bound if bound else 0:.2f}x the bound)")
    print("  checks                 passed: every match delivered exactly once with the right label, "
          "one DM message each, 1 request per DM message")
    if r.profile:
        print("\ncProfile of the cycle (SQL runs in aiosqlite's thread and shows up as waiting):")
        print(r.profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true", help="measure the traced peak (slows the cycle)")
    parser.add_argument("--profile", action="store_true", help="print the cProfile top 15 of the cycle")
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument("--rtt-ms", type=float, default=100.0,
                        help="round trip of one request to Discord, for the real-Discord estimate")
    parser.add_argument("--smoke", action="store_true", help="50 subscribers, 20 papers: seconds, for the tests "
                        "(the checks run all the same)")
    args = parser.parse_args()
    if args.smoke:
        args.subscribers, args.papers = 50, 20
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="paperboy-fanout-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    report(args, result)


if __name__ == "__main__":
    main()
