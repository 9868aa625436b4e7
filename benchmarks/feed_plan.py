"""What planning a cycle's feeds costs with the released-papers step (issue 19: a message Discord refused twice
gives its papers back, and each feed's plan first looks for papers released for it), on both engines.

Seeds a database per engine once (untimed): --feeds feeds (digest and cards, over 10 topics and `all`, in 50
servers), a first day of --papers papers they have all planned, then a second day. Each round plans every feed
over that second day (jobs.plan.feeds.plan_feed, each in its own transaction, as a cycle does), then forgets
what it planned (untimed), interleaved with

  baseline   the same plans without the released-papers step (plan_released answering "none" without asking
             the database): the plan before this change;
  released   the same plans when every feed has 3 papers released by a refused message waiting (posted again
             as cards ahead of the day).

Three rounds, min and median of wall and CPU time (this process: the PostgreSQL server's CPU is not in it).

    .venv/bin/python benchmarks/feed_plan.py [--feeds 500] [--papers 300] [--rounds 3] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench import machine
from benchmarks.store_engines import Databases
from jobs.database_url import parse_database_url
from jobs.models import Paper, ParsedPost
from jobs.plan import feeds as feed_rules
from jobs.plan.feeds import plan_feed
from jobs.records import ALL_TOPICS
from jobs.sources.base import Fetched, PostRef
from jobs.store.backends import open_database

TOPICS = [f"Topic{i}" for i in range(10)]
SERVERS = 50
RELEASED = 3  # papers waiting per feed in the `released` case


def day(n: int, date: str, first: int) -> dict[str, list[Paper]]:
    """`n` papers of `date` spread over TOPICS, arXiv ids from `first` on."""
    posts: dict[str, list[Paper]] = {t: [] for t in TOPICS}
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        arxiv_id = f"2405.{first + i:05d}"
        posts[topic].append(Paper(arxiv_id=arxiv_id, topic=topic, date=date, version=1, title=f"Paper {arxiv_id}",
                                  authors=["Ada Lovelace"], abstract="We splat Gaussians.", summary="一种方法。",
                                  links={"abs": f"https://arxiv.org/abs/{arxiv_id}"}))
    return posts


async def store_day(store: Any, source: int, date: str, posts: dict[str, list[Paper]]) -> None:
    for topic, papers in posts.items():
        await store.record_post(source, PostRef(f"{date}/{topic}.md", "v1"), Fetched(b""),
                                ParsedPost(papers=papers, topic=topic, date=date))


async def seed(url: str, feeds: int, papers: int) -> None:
    store = await open_database(parse_database_url(url))
    try:
        source = await store.upsert_source("bench", "directory", "kedreamix", "/bench")
        await store_day(store, source, "2024-05-01", day(papers, "2024-05-01", 1))
        for i in range(feeds):
            topic = ALL_TOPICS if i % 11 == 10 else TOPICS[i % len(TOPICS)]
            await store.add_feed(i % SERVERS + 1, 1000 + i, topic, [], None, "cards" if i % 2 else "digest")
        cycle = await store.start_cycle("bench")
        for feed in await store.feeds():
            await plan_feed(store, cycle, feed, 25)
        async with store.transaction() as db:  # the first day is delivered, and the mark for forgetting rounds
            await db.execute("UPDATE outbox SET status = 'sent'")
            await db.execute("INSERT INTO meta (key, value) VALUES ('bench_outbox', "
                             "(SELECT CAST(max(id) AS TEXT) FROM outbox))")
            await db.execute("CREATE TABLE bench_cursors AS SELECT id, cursor FROM feeds")
        await store_day(store, source, "2024-05-02", day(papers, "2024-05-02", 1 + papers))
    finally:
        await store.close()


async def release_some(url: str) -> None:
    """Every feed gets RELEASED of the first day's papers back, as a refused message would give them."""
    store = await open_database(parse_database_url(url))
    try:
        async with store.transaction() as db:
            for sql in ("DELETE FROM delivered WHERE paper_id IN (SELECT paper_id FROM delivered d WHERE d.kind = "
                        f"'channel' AND d.target_id = delivered.target_id ORDER BY paper_id LIMIT {RELEASED})",
                        "INSERT INTO released (kind, target_id, guild_id, feed_id, paper_id, outbox_id, reason, "
                        f"released_at) SELECT 'channel', f.channel_id, f.guild_id, f.id, p.id, 0, 'bench', 'now' "
                        f"FROM feeds f JOIN papers p ON p.id <= {RELEASED}"):
                await db.execute(sql)
    finally:
        await store.close()


async def unplan(url: str) -> None:
    """Forget what a round planned (untimed): the next round plans the same day again."""
    store = await open_database(parse_database_url(url))
    try:
        async with store.transaction() as db:
            for sql in ("DELETE FROM delivered WHERE outbox_id > (SELECT CAST(value AS INTEGER) FROM meta "
                        "WHERE key = 'bench_outbox')",
                        "DELETE FROM outbox WHERE id > (SELECT CAST(value AS INTEGER) FROM meta "
                        "WHERE key = 'bench_outbox')",
                        "UPDATE feeds SET cursor = (SELECT cursor FROM bench_cursors b WHERE b.id = feeds.id)",
                        "UPDATE released SET state = 'waiting'"):
                await db.execute(sql)
    finally:
        await store.close()


async def plan_all(url: str) -> tuple[float, float, int]:
    """(wall, CPU) of planning every feed once, and the outbox rows queued."""
    store = await open_database(parse_database_url(url))
    try:
        feeds = await store.feeds()
        cycle = await store.start_cycle("bench")
        wall, cpu = time.perf_counter(), time.process_time()
        for feed in feeds:
            await plan_feed(store, cycle, feed, 25)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        queued = len(await store.pending())
    finally:
        await store.close()
    return wall, cpu, queued


async def nothing_released(planning: Any) -> set[int]:
    return set()


async def baseline(url: str) -> tuple[float, float, int]:
    real = feed_rules.plan_released
    feed_rules.plan_released = nothing_released  # type: ignore[assignment]
    try:
        return await plan_all(url)
    finally:
        feed_rules.plan_released = real


def line(name: str, samples: list[tuple[float, float, int]]) -> str:
    walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
    return (f"  {name:<32} wall min {min(walls) * 1000:8.1f} ms  median {statistics.median(walls) * 1000:8.1f} ms"
            f"   CPU min {min(cpus) * 1000:8.1f} ms  median {statistics.median(cpus) * 1000:8.1f} ms"
            f"   rows {samples[-1][2]}")


async def run(args: argparse.Namespace) -> int:
    print(machine())
    print(f"{args.feeds} feeds, a day of {args.papers} papers, {args.rounds} rounds")
    engines = ("sqlite",) if args.sqlite_only else ("sqlite", "postgres")
    with tempfile.TemporaryDirectory() as tmp:
        dbs = Databases(Path(tmp))
        try:
            urls = {e: await dbs.new(e) for e in engines}
            released = {e: await dbs.new(e) for e in engines}
            for e in engines:
                await seed(urls[e], args.feeds, args.papers)
                await seed(released[e], args.feeds, args.papers)
                await release_some(released[e])
            cases: dict[str, Callable[[], Awaitable[tuple[float, float, int]]]] = {}
            for e in engines:
                cases[f"{e} baseline"] = lambda e=e: baseline(urls[e])
                cases[f"{e} with the release step"] = lambda e=e: plan_all(urls[e])
                cases[f"{e} {RELEASED} released a feed"] = lambda e=e: plan_all(released[e])
            results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in cases}
            for _ in range(args.rounds):
                for name, case in cases.items():
                    results[name].append(await case())
                    await unplan(released[name.split()[0]] if "released a feed" in name else urls[name.split()[0]])
        finally:
            await dbs.drop_all()
    for name, samples in results.items():
        print(line(name, samples))
    for e in engines:
        base = statistics.median(s[1] for s in results[f"{e} baseline"])
        step = statistics.median(s[1] for s in results[f"{e} with the release step"])
        print(f"  {e}: the release step, CPU median {step / base:.2f}x the baseline")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="small sizes, in seconds (tests/test_benchmarks.py)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.feeds, args.papers, args.rounds = 12, 20, 1
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
