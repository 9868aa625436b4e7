"""The bot at scale, day after day (issue 20 items 1, 2 and 5): a database grown one day's ingest at a time
to N papers (default 1,000,000, about five years of daily-arXiv), logging each day's ingest (CPU and wall;
whether it merged ranking-index levels) and the first search after its commit; then search latency, size
and memory at that size, and searches while days keep being ingested.

Papers are generated, reproducibly: paper n takes its title from the real daily-arXiv entry n mod E (of
../shared/digests, else the samples), its authors, abstract and Chinese summary from other entries (so that
no two papers are the same text), a valid arXiv id of its day's month, and one post date a day (--day papers
a day). Everything goes through `Store.record_post`, as an ingest does.

Measured:
  ingest      each day's `record_post`: CPU (time.process_time, every thread) and wall; days that merged
              ranking levels against the median of those that did not (goal: at most 2x);
  first       the first search after each commit: the bot takes its own ingest in as it commits (timed apart:
              the take-in), then a member searches (goal: <= 20 ms at 100k); a second reader holding the arrays
              from before the commit searches too, before anything took the commit in (a search within the
              search cog's KEEP_CURRENT_S of another process's commit: the take-in inside it); and every --every
              days a reader that loads the arrays whole (what every first search did before);
  search      p50/p95/p99 (wall and CPU) of benchmarks/search_latency.py's queries at the end size;
  during      p50/p95/p99 (wall) of searches made while more days are ingested on the same event loop, one
              commit after another (goal p99 <= 50 ms); then with another process ingesting them (a scheduler
              apart from the gateway that answers /search);
  size        bytes per paper of the database file (goal <= 5.5 KiB); memory: the process's RSS and peak.

    .venv/bin/python benchmarks/scale.py [--papers 1000000] [--day 530] [--db PATH] [--seed N] [--merger] [--smoke]

--seed N builds the first N papers unmeasured, 20 days to a transaction (a batch of posts, as an ingest that
catches up stores them), so that a 1,000,000-paper database is built in about an hour here, not a day;
the days after N are grown and measured one by one.

With --merger, the ranking index's merger process runs beside the ingests (jobs/ops/rank_merger.py, as the
bot runs it): an ingest then never merges, and before each day's ingest the benchmark waits until the merger
has nothing left to do (days are a day apart; that wait is reported, and the merger's own CPU time).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests, machine  # noqa: E402
from search_latency import AI_PARTS, file_size, load_entries, pct  # noqa: E402

from jobs.database_url import DatabaseUrl  # noqa: E402
from jobs.find import run_search  # noqa: E402
from jobs.fold import warm_fold  # noqa: E402
from jobs.models import Paper, ParsedPost  # noqa: E402
from jobs.ops.rank_merger import Merger  # noqa: E402
from jobs.sources.base import Fetched, PostRef  # noqa: E402
from jobs.store import Store, rank_index  # noqa: E402
from jobs.store._connection import run_sync  # noqa: E402

START = dt.date(2015, 1, 1)
TOPICS = ("cs.CV", "cs.CL", "cs.LG", "cs.AI", "cs.RO")
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("gaussian", {}), ("diffusion", {}), ("language models", {}), ("reinforcement learning", {}), ("gauss", {}),
    ("segm", {}), ('"large language models"', {}), ("模型", {}), ("扩散", {}), ("强化学习", {}), ("3D 高斯", {}),
    ("agent", {"topic": "cs.CL"}), ("模型", {"topic": "cs.CV"}),
]


def day_papers(entries: list[dict[str, Any]], day: int, size: int) -> tuple[str, list[Paper]]:
    """Day `day`'s papers (numbered day * size ...), and its post date."""
    date = START + dt.timedelta(days=day)
    first_of_month = (date - date.replace(day=1)).days * size
    n_entries = len(entries)
    out: list[Paper] = []
    for k in range(size):
        n = day * size + k
        r, i = divmod(n, n_entries)
        e, people, text = entries[i], entries[(i + 7 * r + 1) % n_entries], entries[(i + 13 * r + 3) % n_entries]
        zh = entries[(i + 29 * r + 5) % n_entries].get("AI") or {}
        arxiv_id = f"{date.year % 100:02d}{date.month:02d}.{first_of_month + k + 1:05d}"
        out.append(Paper(
            arxiv_id=arxiv_id, version=1, title=" ".join(str(e.get("title", "")).split()),
            authors=[str(a) for a in people.get("authors") or []], abstract=str(text.get("summary") or ""),
            summary=str(zh.get("tldr") or ""), takeaways=[str(zh[p]) for p in AI_PARTS if zh.get(p)],
            comment="", links={"abs": f"https://arxiv.org/abs/{arxiv_id}"}, topic=TOPICS[(i + r) % len(TOPICS)],
            date=date.isoformat(),
        ))
    return date.isoformat(), out


def days(entries: list[dict[str, Any]], start: int, papers: int, size: int) -> Iterator[tuple[int, str, list[Paper]]]:
    day = start
    while day * size < papers:
        date, batch = day_papers(entries, day, size)
        yield day, date, batch
        day += 1


def day_post(date: str, batch: list[Paper]) -> tuple[PostRef, Fetched, ParsedPost]:
    """A day's papers as the post `record_post(s)` takes, as a daily-arXiv source would hand it over."""
    return PostRef(f"{date}_AI_enhanced_Chinese.jsonl", date), Fetched(b""), ParsedPost(papers=batch, topic="",
                                                                                         date=date)


async def ingest(store: Store, source: int, date: str, batch: list[Paper]
                 ) -> tuple[float, float, bool, tuple[float, float]]:
    """(CPU s, wall s, merged?) of one day's record_post, and (CPU s, wall s) of the take-in it begins (the bot
    takes its own ingest in as it commits: search.TakeIn), from the commit until it ends."""
    before = await store._one("SELECT coalesce(max(seg), 0) FROM rank_segments WHERE level > 0")
    c0, t0 = time.process_time(), time.perf_counter()
    await store.record_post(source, *day_post(date, batch))
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    await store._settle_take_in()  # nothing else read meanwhile
    take_in = time.process_time() - c0, time.perf_counter() - t0
    after = await store._one("SELECT coalesce(max(seg), 0) FROM rank_segments WHERE level > 0")
    return cpu, wall, after != before, take_in


async def as_connected(store: Store) -> None:
    """What the bot does once connected (bot/cogs/search.py): the fold's table, and the search arrays loaded,
    appearances included."""
    warm_fold()
    await store.ready_search()


async def seed(path: Path, entries: list[dict[str, Any]], papers: int, size: int, batch_days: int) -> float:
    """The first `papers` papers (the same days, ids and dates as `grow` makes), `batch_days` days to a
    `record_posts` transaction, unmeasured: a big corpus built in an hour, not a day. The ranking index
    ends as such ingests leave it (fresh segments merged at once, level merges in bigger steps); the days
    after it are grown and measured one at a time. CPU seconds spent."""
    c0 = time.process_time()
    async with await Store.open(path) as store:
        source = await store.upsert_source("scale-bench", "directory", "daily-arxiv", "/scale")
        done = int(await store._one("SELECT count(*) FROM papers") or 0)
        posts: list[tuple[PostRef, Fetched, ParsedPost]] = []
        for day, date, batch in days(entries, done // size, papers, size):
            posts.append(day_post(date, batch))
            if len(posts) == batch_days or (day + 1) * size >= papers:
                await store.record_posts(source, posts)
                posts = []
                print(f"\r  seeded {(day + 1) * size:,}/{papers:,} papers, {time.process_time() - c0:.0f} s CPU",
                      end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    return time.process_time() - c0


async def timed_search(store: Store, text: str, filters: dict[str, str]) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    await run_search(store, text, **filters)  # type: ignore[arg-type]
    return time.process_time() - c0, time.perf_counter() - t0


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def spread(samples: list[float]) -> str:
    if not samples:
        return "-"
    return f"p50 {ms(pct(samples, 50))} p95 {ms(pct(samples, 95))} p99 {ms(pct(samples, 99))} max {ms(max(samples))}"


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident memory of this process, MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/status") as f:
        now = next((int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:")), float("nan"))
    return now, peak


async def merger_idle(store: Store, merger: Merger | None, timeout: float = 600.0) -> float:
    """Wait until the merger (when there is one) is at work (it said so: ingests leave merging to it) and
    has nothing left to merge; the wall seconds waited."""
    t0 = time.perf_counter()
    while merger is not None and (not await run_sync(store.reader, rank_index.merger_alive)
                                  or await run_sync(store.reader, rank_index.due)):
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"the merger did not catch up within {timeout:.0f} s")
        await asyncio.sleep(0.02)
    return time.perf_counter() - t0


async def grow(path: Path, entries: list[dict[str, Any]], papers: int, size: int, every: int,
               log: Path, use_merger: bool = False) -> dict[str, list[float]]:
    """Ingest days until `papers`, from where the file stopped; per day: ingest and the first search after
    it, and every `every` days the same search by a reader that loads the arrays whole."""
    out: dict[str, list[float]] = {k: [] for k in (
        "cpu", "merge_cpu", "wall", "merge_wall", "first_cpu", "first_wall", "whole_cpu", "whole_wall", "fresh_mib",
        "rss_mib", "waiting", "warm_cpu", "take_in_cpu", "take_in_wall", "early_cpu", "early_wall", "early_extra_cpu",
        "merger_wait")}
    merger = Merger(DatabaseUrl.for_path(path)) if use_merger else None
    async with await Store.open(path) as store, await Store.open(path) as apart:
        source = await store.upsert_source("scale-bench", "directory", "daily-arxiv", "/scale")
        done = int(await store._one("SELECT count(*) FROM papers") or 0)
        await as_connected(store)  # the running bot holds the arrays from its start
        await as_connected(apart)  # and so does a process that ingests nothing (a gateway beside a scheduler)
        if merger is not None:
            await merger.start()
        for day, date, batch in days(entries, done // size, papers, size):
            out["merger_wait"].append(await merger_idle(store, merger))
            cpu, wall, merged, take_in = await ingest(store, source, date, batch)
            out["merge_cpu" if merged else "cpu"].append(cpu)
            out["merge_wall" if merged else "wall"].append(wall)
            text, filters = QUERIES[day % len(QUERIES)]
            early = await timed_search(apart, text, filters)  # before anything took the commit in: inside it
            await settled(apart)
            first = await timed_search(store, text, filters)
            warm = await timed_search(store, text, filters)  # the same search again
            await settled(store)  # a phrase met is learned now, not during the next day's ingest
            for key, value in (("take_in", take_in), ("first", first), ("early", early)):
                out[f"{key}_cpu"].append(value[0])
                out[f"{key}_wall"].append(value[1])
            out["warm_cpu"].append(warm[0])
            out["early_extra_cpu"].append(early[0] - warm[0])
            levels = dict(await store._all("SELECT level, count(*) FROM rank_segments WHERE level > 0 "
                                           "AND merged_upto IS NULL GROUP BY level"))
            out["waiting"].append(max(levels.values(), default=0))
            held = store._snapshot
            fresh = sum(f.nbytes for f in held.fresh) if held else 0
            out["fresh_mib"].append(fresh / 2**20)
            out["rss_mib"].append(rss_mib()[0])
            line = {"day": day, "papers": (day + 1) * size, "ingest_cpu": round(cpu, 4), "ingest_wall": round(wall, 4),
                    "merged": merged, "take_in_cpu": round(take_in[0], 4), "first_cpu": round(first[0], 4),
                    "warm_cpu": round(warm[0], 4), "early_cpu": round(early[0], 4), "query": text,
                    "fresh_mib": round(fresh / 2**20, 2), "rss_mib": round(out["rss_mib"][-1], 1), "levels": levels}
            if day % every == 0:  # the same kind of search, by a reader that loads the arrays whole
                held, store._snapshot = store._snapshot, None
                whole = await timed_search(store, text, filters)
                store._snapshot = held
                out["whole_cpu"].append(whole[0])
                out["whole_wall"].append(whole[1])
                line.update(whole_cpu=round(whole[0], 4))
            with log.open("a") as f:
                f.write(json.dumps(line) + "\n")
            print(f"\r  day {day:5d}: {(day + 1) * size:,}/{papers:,} papers, ingest {ms(cpu)} ms CPU"
                  f"{' (merged)' if merged else ''}, first search {ms(first[0])} ms", end="", file=sys.stderr,
                  flush=True)
        print(file=sys.stderr)
        if merger is not None:
            out["merger_wait"].append(await merger_idle(store, merger))
            await merger.stop()
        await settled(store)
        await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # not inside a learning's transaction
    return out


async def settled(store: Store) -> None:
    """Wait for the store's writes after searches (phrases learned; older code has none)."""
    await asyncio.gather(*(getattr(store, "_learning", None) or {}).values())


async def steady(path: Path, rounds: int, repeat: int
                 ) -> tuple[list[float], list[float], dict[str, list[float]], list[tuple[str, float, float]]]:
    """Wall and CPU of every query, `repeat` times a round, on arrays already held; each query's CPU times;
    and the first search of each query: its CPU and wall, with the learning of a phrase it met (a phrase
    never searched before is ranked by FTS5, then learned: jobs/store/learned_phrases.py)."""
    wall: list[float] = []
    cpu: list[float] = []
    by_query: dict[str, list[float]] = {}
    first: list[tuple[str, float, float]] = []
    async with await Store.open(path) as store:
        await as_connected(store)  # the arrays, loaded once as a running bot holds them from its start
        for text, filters in QUERIES:
            c0, t0 = time.process_time(), time.perf_counter()
            await run_search(store, text, **filters)  # type: ignore[arg-type]
            await settled(store)
            first.append((label(text, filters), time.process_time() - c0, time.perf_counter() - t0))
        for _ in range(rounds):
            for text, filters in QUERIES:
                for _ in range(repeat):
                    c, w = await timed_search(store, text, filters)
                    cpu.append(c)
                    wall.append(w)
                    by_query.setdefault(label(text, filters), []).append(c)
    return wall, cpu, by_query, first


def label(text: str, filters: dict[str, str]) -> str:
    return text + "".join(f" {k}={v}" for k, v in filters.items())


async def ingest_days(store: Store, entries: list[dict[str, Any]], size: int, extra_days: int) -> int:
    """`extra_days` more days, one `record_post` (one commit) each, after the papers held; how many."""
    source = await store.upsert_source("scale-bench", "directory", "daily-arxiv", "/scale")
    done = int(await store._one("SELECT count(*) FROM papers") or 0)
    commits = 0
    for _, date, batch in days(entries, done // size, done + extra_days * size, size):
        await store.record_post(source, *day_post(date, batch))
        commits += 1
    return commits


async def during(path: Path, entries: list[dict[str, Any]], size: int, extra_days: int,
                 use_merger: bool = False, apart: Path | None = None
                 ) -> tuple[list[float], list[float], int, float]:
    """Wall and CPU times of searches made (one every 20 ms) while `extra_days` more days are ingested on
    the same loop (and the merger merges, with --merger); and how many commits they spanned. A search's CPU
    is the event loop's thread's and the read connection's thread's over it (the ingest's own thread is left
    out; what the ingest does on the loop meanwhile is counted in, a small share). With `apart` (the digests
    folder `entries` come from), another process ingests: a scheduler apart from the gateway that answers
    /search (`run --role scheduler`), so the ingest's Python work no longer shares this process's GIL. Last, the
    ingest's wall time (what the searches cost it: in this process it steps aside for them, jobs/foreground.py)."""
    wall: list[float] = []
    cpu: list[float] = []
    merger = Merger(DatabaseUrl.for_path(path)) if use_merger else None
    if merger is not None:
        await merger.start()
    async with await Store.open(path) as store:
        reader = time.pthread_getcpuclockid(store.reader._thread.ident)  # aiosqlite's worker thread
        await as_connected(store)
        stop = asyncio.Event()

        async def searcher() -> None:
            n = 0
            while not stop.is_set():
                text, filters = QUERIES[n % len(QUERIES)]
                n += 1
                t0, c0, r0 = time.perf_counter(), time.thread_time(), time.clock_gettime(reader)
                await run_search(store, text, **filters)  # type: ignore[arg-type]
                wall.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0 + time.clock_gettime(reader) - r0)
                await asyncio.sleep(0.02)

        task = asyncio.create_task(searcher())
        began = time.perf_counter()
        try:
            if apart:
                child = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--ingest-days", str(extra_days), "--day", str(size), "--db",
                    str(path), "--corpus", str(apart), stdout=asyncio.subprocess.PIPE)
                said, _ = await child.communicate()
                if child.returncode:
                    raise RuntimeError(f"the ingesting process failed (exit {child.returncode})")
                commits = int(said.split()[-1])
            else:
                commits = await ingest_days(store, entries, size, extra_days)
            took = time.perf_counter() - began
        finally:
            stop.set()
            await task
            if merger is not None:
                await merger.stop()
    return wall, cpu, commits, took


async def ingest_apart(path: Path, entries: list[dict[str, Any]], size: int, extra_days: int) -> None:
    async with await Store.open(path) as store:
        print(await ingest_days(store, entries, size, extra_days))  # the last line `during` reads


def during_figures(path: Path, entries: list[dict[str, Any]], corpus: Path, args: argparse.Namespace) -> None:
    """Searches during more days' ingest: on the same event loop (one process doing both), then with another
    process ingesting (the scheduler role apart)."""
    for apart in (None, corpus):
        wall, cpu, commits, took = asyncio.run(during(path, entries, args.day, args.during_days, args.merger, apart))
        print(f"searches during {commits} more days' ingest {'by another process' if apart else 'in this process'} "
              f"({len(wall)} searches): wall {spread(wall)} (goal p99 <= 50 ms); CPU (the loop's and the reader's "
              f"threads) {spread(cpu)}; the ingest took {took:.1f} s wall; load average {os.getloadavg()[0]:.1f}")


def search_figures(path: Path, args: argparse.Namespace) -> None:
    wall, cpu, by_query, first = asyncio.run(steady(path, args.rounds, args.repeat))
    papers = int(sqlite3.connect(path).execute("SELECT count(*) FROM papers").fetchone()[0])
    print(f"search at {papers:,} ({len(QUERIES)} queries x {args.repeat} x {args.rounds} rounds): "
          f"CPU {spread(cpu)}; wall {spread(wall)}")
    for name, times in by_query.items():
        print(f"  {name}: CPU p50 {ms(statistics.median(times))} ms, max {ms(max(times))} ms")
    print("  the first search of each query (a phrase never searched: FTS5 ranks it, then it is learned), "
          "CPU / wall ms: " + "; ".join(f"{name} {ms(c)} / {ms(w)}" for name, c, w in first))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--papers", type=int, default=1_000_000, help="papers to grow to (default 1,000,000)")
    ap.add_argument("--day", type=int, default=530, help="papers a day (default 530, daily-arXiv's size)")
    ap.add_argument("--db", type=Path, help="grow this file (kept; a rerun goes on from where it stopped)")
    ap.add_argument("--every", type=int, default=10, help="days between whole loads, the baseline (default 10)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--during-days", type=int, default=20, help="days ingested while searching (default 20)")
    ap.add_argument("--seed", type=int, default=0,
                    help="build the first N papers unmeasured, --seed-days days a transaction (a 1M run in hours)")
    ap.add_argument("--seed-days", type=int, default=20, help="days a transaction while seeding (default 20)")
    ap.add_argument("--corpus", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    ap.add_argument("--merger", action="store_true", help="run the ranking index's merger process beside the "
                    "ingests, as the bot does (an ingest then never merges)")
    ap.add_argument("--smoke", action="store_true", help="3,000 papers in small days, one round: seconds")
    ap.add_argument("--search-only", action="store_true", help="only the search figures, on --db as it is")
    ap.add_argument("--during-only", action="store_true",
                    help="only the searches during --during-days more days, on --db (grown by them)")
    ap.add_argument("--ingest-days", type=int, help=argparse.SUPPRESS)  # the ingesting process `during` starts
    args = ap.parse_args(argv)
    if args.smoke:
        args.papers, args.day, args.every, args.rounds, args.repeat, args.during_days = 3_000, 300, 3, 1, 1, 2
    source = digests(args.corpus) / "daily-arxiv"
    if args.ingest_days:
        asyncio.run(ingest_apart(args.db, load_entries(source), args.day, args.ingest_days))
        return 0
    print(machine())
    entries = load_entries(source)
    if not entries:
        print(f"no daily-arXiv entries at {source}", file=sys.stderr)
        return 1
    path = args.db or Path(os.environ.get("TMPDIR", "/tmp")) / f"paperboy-scale-{os.getpid()}.db"
    log = path.with_suffix(".days.jsonl")
    print(f"papers: {args.papers:,} in days of {args.day} from {len(entries)} entries; database {path}; "
          f"daily log {log}")
    if args.search_only:
        search_figures(path, args)
        return 0
    if args.during_only:
        during_figures(path, entries, source.parent, args)
        return 0
    t0 = time.perf_counter()
    if args.seed:
        cpu = asyncio.run(seed(path, entries, min(args.seed, args.papers), args.day, args.seed_days))
        print(f"seeded {min(args.seed, args.papers):,} papers, {args.seed_days} days a transaction, in "
              f"{time.perf_counter() - t0:.0f} s wall, {cpu:.0f} s CPU (unmeasured; the days after are)")
    grown = asyncio.run(grow(path, entries, args.papers, args.day, args.every, log, args.merger))
    print(f"grown in {time.perf_counter() - t0:.0f} s wall")
    size = file_size(path)
    print(f"size: {size / 2**20:.1f} MiB, {size / args.papers / 1024:.2f} KiB per paper (goal <= 5.5)")
    plain, merged = grown["cpu"], grown["merge_cpu"]
    if plain:
        base = statistics.median(plain)
        print(f"ingest of a day, CPU ms: without a merge {spread(plain)} (median {ms(base)}; {len(plain)} days)")
        if merged:
            print(f"  with a merge {spread(merged)} ({len(merged)} days); worst / median day without: "
                  f"x{max(merged) / base:.2f} (goal <= 2)")
        print(f"  most segments of one level (1 and up) at once: {max(grown['waiting'])} (a level merges at "
              f"{rank_index.FANOUT}; more means level merges fall behind)")
        print(f"  worst day of all: x{max(plain + merged) / base:.2f} its median; wall: without "
              f"{spread(grown['wall'])}, with {spread(grown['merge_wall'])}")
    if args.merger:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        merger_cpu = children.ru_utime + children.ru_stime
        per_day = merger_cpu / max(1, len(plain + merged))
        print(f"merger process (--merger): {merger_cpu:.1f} s CPU in all, {ms(per_day)} ms a day; waited for it "
              f"before a day's ingest: {spread(grown['merger_wait'])} wall")
    print(f"first search after a commit, the bot having taken it in as it committed, CPU ms: "
          f"{spread(grown['first_cpu'])}; wall {spread(grown['first_wall'])}")
    print(f"  the take-in (in the background, after the commit): CPU {spread(grown['take_in_cpu'])}; "
          f"wall {spread(grown['take_in_wall'])}")
    print(f"  the same search again right after: CPU {spread(grown['warm_cpu'])}")
    print(f"  by a reader that had not taken the commit in (another process's, within the search cog's look): CPU "
          f"{spread(grown['early_cpu'])}; wall {spread(grown['early_wall'])}; minus the search again: "
          f"{spread(grown['early_extra_cpu'])}")
    print(f"  loaded whole (before), every {args.every} days: CPU {spread(grown['whole_cpu'])}; "
          f"wall {spread(grown['whole_wall'])}")
    last = grown["first_cpu"][-max(1, len(grown["first_cpu"]) // 10):]
    print(f"  last tenth of the days (near {args.papers:,}): taken in CPU {spread(last)}")
    fresh, rss = grown["fresh_mib"], grown["rss_mib"]
    tenth = max(1, len(rss) // 10)
    print(f"memory while growing: the reader's fresh segments max {max(fresh):.1f} MiB, last {fresh[-1]:.1f}; "
          f"RSS median of each tenth of the days: " + ", ".join(
              f"{statistics.median(rss[i : i + tenth]):.0f}" for i in range(0, len(rss), tenth)) + " MiB")
    search_figures(path, args)
    now, peak = rss_mib()
    print(f"memory: RSS {now:.0f} MiB, peak {peak:.0f} MiB (the whole process: growing, then searching)")
    during_figures(path, entries, source.parent, args)
    print("load average at the end: " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores (wall times above 1 per core are inflated: read the CPU times)")
    if args.db is None:
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        log.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
