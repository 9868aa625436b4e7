"""SQLite and PostgreSQL side by side in one run: the same work on each engine, interleaved (sqlite, postgres,
sqlite, …) in three rounds, min and median of wall and CPU time (time.process_time: this process only, so
the PostgreSQL server's own CPU is not in it; wall is what a cycle waits for).

  ingest archive   the Kedreamix archive (benchmarks/_bench.kedreamix_archive from ../shared/digests, else a
                   generated one of --archive-posts posts of 25 papers) into a new database, through
                   jobs.pipeline.ingest as `python -m bot ingest` runs it;
  ingest a day     one generated daily-arXiv day (300 papers) into a database of --papers papers (built once
                   per engine, not timed; a new day each round);
  search           p50 / p95 of Store.search (the ranked page and its total) over a fixed query set, at that
                   size; words and prefixes, and quoted phrases, also apart;
  fan-out plan     jobs.plan.dms.plan_fanout for --subscribers members (benchmarks/fanout.py's world of
                   topic, keyword and author subscriptions) and 300 new papers (seeded once per engine, not
                   timed; the DM rows and the cursor reset between rounds);
  outbox claim     the first --claims rows that plan queued, claimed and marked sent as a sender does
                   (bot/delivery/sender.py, no Discord): claims of 20 rows (SKIP LOCKED, leased), the request
                   budget reserved five requests a round trip, each row marked tried, the sends recorded
                   20 a transaction: rows per second; beside it, in the same rounds, the path before the
                   senders (`pending`, then mark_trying and mark_sent a row), "outbox per row".
--claims-only: only the fan-out plan and the outbox claim (no archive, base database or searches).

The base database is generated reproducibly (random.Random(--seed)): titles and abstracts drawn from a fixed
vocabulary with a Zipf-like skew, so common words match many papers and rare ones few. PostgreSQL databases
are made on the server named by PAPERBOY_TEST_POSTGRES (default postgres@127.0.0.1:5432/test) and dropped.
--smoke: a small run in seconds (tests/test_benchmark_engines.py runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench import SHARED, kedreamix_archive, machine
from bot.delivery.budget import Budget, Reservations
from bot.delivery.sender import CLAIM_BATCH, LEASE_S, RECORD_BATCH
from jobs.config import SourceConfig
from jobs.database_url import parse_database_url
from jobs.pipeline import ingest
from jobs.search.query import build_query
from jobs.store.backends import open_database

ENGINES = ("sqlite", "postgres")
SERVER = os.environ.get("PAPERBOY_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/test"
DAY = 300
WORDS = [f"{a}{b}" for a in ("neu", "gau", "spl", "dif", "rad", "ava", "tal", "fie", "ren", "vox", "mes", "poi",
                                 "lig", "sha", "tex", "mot", "fac", "hea", "sce", "geo")
         for b in ("ral", "ssian", "at", "fusion", "iance", "tar", "king", "ld", "der", "el", "sh", "nt", "ht",
                   "pe", "ture", "ion", "e", "ad", "ne", "metry")]
QUERIES = ["neural", "gaussian", "splat*", "diffusion", "avatar", "\"radiance field\"", "talking head", "voxel",
           "mesh*", "light", "geometry texture", "\"neural radiance\"", "rad*", "facead", "shape"]


PHRASES = [q for q in QUERIES if q.startswith('"')]


def _zipf_word(rng: random.Random) -> str:
    return WORDS[min(int(rng.paretovariate(1.2)) - 1, len(WORDS) - 1) if rng.random() < 0.7
                 else rng.randrange(len(WORDS))]


def day_lines(rng: random.Random, day: int, n: int = DAY) -> list[str]:
    out = []
    for i in range(1, n + 1):
        yy, mm = 15 + day // (12 * 330), 1 + (day // 330) % 12
        arxiv_id = f"{yy:02d}{mm:02d}.{(day % 330) * DAY + i:05d}"
        title = " ".join(_zipf_word(rng) for _ in range(8)).capitalize()
        abstract = ". ".join(" ".join(_zipf_word(rng) for _ in range(14)) for _ in range(6)) + "."
        if rng.random() < 0.05:
            abstract += " We build a neural radiance field."
        out.append(json.dumps({"id": arxiv_id, "categories": ["cs.CV"], "pdf": f"https://arxiv.org/pdf/{arxiv_id}",
                               "abs": f"https://arxiv.org/abs/{arxiv_id}", "authors": ["Ada Lovelace", f"Author {i}"],
                               "title": title, "comment": None, "summary": abstract,
                               "AI": {"tldr": "本文提出了一种新方法。", "motivation": "动机。", "method": "方法。",
                                      "result": "结果。", "conclusion": "结论。"}}, ensure_ascii=False))
    return out


def write_day(folder: Path, rng: random.Random, day: int) -> None:
    date = time.strftime("%Y-%m-%d", time.gmtime(1_400_000_000 + day * 86_400))
    (folder / f"{date}_AI_enhanced_Chinese.jsonl").write_text("\n".join(day_lines(rng, day)) + "\n", encoding="utf-8")


def generated_archive(dest: Path, posts: int) -> None:
    from tests.postgen import entries, write_kedreamix

    for p in range(posts):
        write_kedreamix(dest, ["3DGS", "NeRF", "Diffusion"][p % 3], f"2023-{1 + p // 28 % 12:02d}-{1 + p % 28:02d}",
                        entries(f"{p % 90:02d}", 25, start=1 + 25 * (p // 90)))


class Databases:
    """Fresh databases per engine: SQLite files under a temp folder, PostgreSQL databases on SERVER."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.made: list[str] = []

    async def new(self, engine: str) -> str:
        name = f"pbbench_{secrets.token_hex(5)}"
        if engine == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.db')}"
        import asyncpg

        admin = await asyncpg.connect(SERVER)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        self.made.append(name)
        return urlunsplit(urlsplit(SERVER)._replace(path=f"/{name}"))

    async def drop_all(self) -> None:
        import asyncpg

        if not self.made:
            return
        admin = await asyncpg.connect(SERVER)
        try:
            for name in self.made:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    await work()
    return time.perf_counter() - w, time.process_time() - c


async def ingest_folder(url: str, folder: Path, fmt: str) -> None:
    store = await open_database(parse_database_url(url))
    try:
        report = await ingest(store, [SourceConfig(name=fmt, kind="directory", format=fmt, path=str(folder))])
        assert report.ok, report
    finally:
        await store.close()


async def search_times(url: str, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds per search of QUERIES, `repeat` passes: (words and prefixes, quoted phrases)."""
    store = await open_database(parse_database_url(url))
    try:
        words: list[float] = []
        quoted: list[float] = []
        for _ in range(repeat):
            for q in QUERIES:
                query = build_query(q)
                t = time.perf_counter()
                await store.search(query.match, arxiv_id=query.arxiv_id, limit=10, words=query.words)
                (quoted if q in PHRASES else words).append(time.perf_counter() - t)
        return words, quoted
    finally:
        await store.close()


async def seed_fanout(url: str, tmp: Path, subscribers: int, seed: int) -> None:
    """benchmarks/fanout.py's world in the database at `url`: a first day, the subscribers (as /subscribe
    stores them), a fan-out run after day one, then a new day of 300 papers to plan."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fanout import author_pool, make_papers, make_users
    from fanout import write_day as write_posts

    from jobs.plan import dms as fanout
    from jobs.subscriptions import MAX_SUBSCRIPTIONS, folded_value

    rng = random.Random(seed)
    posts = tmp / f"fanout-{secrets.token_hex(3)}"
    authors = author_pool(rng, 1500)
    first, new = make_papers(rng, 27, authors, "2405"), make_papers(rng, DAY, authors, "2406")
    users = make_users(rng, subscribers, authors)
    source = [SourceConfig("local", "directory", "kedreamix", str(posts))]
    store = await open_database(parse_database_url(url))
    try:
        write_posts(posts, "2024-05-01", first)
        await ingest(store, source)
        await store.set_meta(fanout.DM_CURSOR, str(await store.max_paper_id()))
        async with store.transaction():
            for i, user in enumerate(users):
                for sub in user.subs:
                    await store.add_subscription(10**6 + i, sub.kind, sub.value, folded_value(sub.kind, sub.value),
                                                 MAX_SUBSCRIPTIONS)
                await store.set_dm_channel(10**6 + i, 10**7 + i)
        await store.set_meta("bench_cursor", str(await store.max_paper_id()))
        write_posts(posts, "2024-05-02", new)
        await ingest(store, source)
    finally:
        await store.close()


async def unplan(url: str) -> None:
    """Forget the DMs a round planned (untimed): the next round plans the same day again."""
    statements = ["DELETE FROM delivered WHERE kind = 'dm'", "DELETE FROM outbox WHERE kind = 'dm'",
                  "UPDATE meta SET value = (SELECT value FROM meta WHERE key = 'bench_cursor') WHERE key = 'dm_cursor'"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for sql in statements:
                conn.execute(sql)
        return
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


async def fan_out_round(url: str, claims: int) -> tuple[tuple[float, float], tuple[float, float],
                                                      tuple[float, float], int]:
    """(wall, CPU) of planning the fan-out, of claiming and recording the first `claims` rows it queued as a
    sender does, and of the same rows the way sends went before claims (a row at a time); the rows claimed."""
    from jobs.plan.dms import plan_fanout

    await unplan(url)
    store = await open_database(parse_database_url(url))
    try:
        cycle = await store.start_cycle("bench")
        plan = await timed(lambda: plan_fanout(store, cycle))
        claimed = 0
        # The database's round trips, not the wait: a budget no sender here waits on.
        budget = Reservations(store.take_send_budget, Budget(rate=1e9, burst=5.0))

        async def claim() -> None:
            nonlocal claimed
            while claimed < claims:
                batch = await store.claim_outbox("bench", min(CLAIM_BATCH, claims - claimed), kind="dm",
                                                 lease=LEASE_S)
                if not batch:
                    break
                sent: list[tuple[int, int | None]] = []
                for item in batch:
                    await budget.spend(1)
                    await store.begin_send(item.id, "bench", LEASE_S)
                    sent.append((item.id, 10**12 + item.id))
                    if len(sent) == RECORD_BATCH:
                        await store.mark_sent_many(sent)
                        sent = []
                if sent:
                    await store.mark_sent_many(sent)
                claimed += len(batch)

        claim_time = await timed(claim)
        await unplan(url)
        await plan_fanout(store, await store.start_cycle("bench"))
        per_row = 0

        async def one_by_one() -> None:
            nonlocal per_row
            for item in (await store.pending(kind="dm"))[:claims]:
                await store.mark_trying(item.id)
                await store.mark_sent(item.id, 10**12 + item.id)
                per_row += 1

        return plan, claim_time, await timed(one_by_one), claimed
    finally:
        await store.close()


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(p * len(s)))]


def line(name: str, results: dict[str, list[tuple[float, float]]]) -> str:
    parts = []
    for engine in ENGINES:
        walls, cpus = [r[0] for r in results[engine]], [r[1] for r in results[engine]]
        parts.append(f"{engine} wall min {min(walls):.3f} med {statistics.median(walls):.3f} s, "
                     f"CPU min {min(cpus):.3f} s")
    ratio = min(r[0] for r in results["postgres"]) / max(min(r[0] for r in results["sqlite"]), 1e-9)
    return f"{name:16} " + " | ".join(parts) + f" | postgres/sqlite {ratio:.2f}x"


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="pb-engines-"))
    dbs = Databases(tmp)
    try:
        print(machine())
        if args.claims_only:
            return await claims_only(args, dbs, tmp)
        archive = tmp / "archive"
        if (SHARED / "kedreamix").is_dir() and not args.smoke:
            posts = kedreamix_archive(SHARED / "kedreamix", archive)
            print(f"archive: {len(posts)} Kedreamix posts (from {SHARED / 'kedreamix'})")
        else:
            generated_archive(archive, args.archive_posts)
            why = "--smoke" if args.smoke else f"no {SHARED / 'kedreamix'}"
            print(f"archive: {args.archive_posts} generated Kedreamix posts of 25 papers ({why}: not the real archive)")
        rng = random.Random(args.seed)
        base = tmp / "base"
        base.mkdir()
        days = args.papers // DAY
        for d in range(days):
            write_day(base, rng, d)
        urls: dict[str, str] = {}
        for engine in ENGINES:
            urls[engine] = await dbs.new(engine)
            build = await timed(lambda e=engine: ingest_folder(urls[e], base, "daily-arxiv"))
            print(f"base {engine}: {days * DAY:,} papers built in {build[0]:.1f} s (not timed below)", flush=True)
        results: dict[str, dict[str, list[tuple[float, float]]]] = {
            k: {e: [] for e in ENGINES} for k in ("ingest archive", "ingest a day")}
        searches: dict[str, list[float]] = {e: [] for e in ENGINES}
        phrases: dict[str, list[float]] = {e: [] for e in ENGINES}
        words_only: dict[str, list[float]] = {e: [] for e in ENGINES}
        fan_urls: dict[str, str] = {}
        for engine in ENGINES:
            fan_urls[engine] = await dbs.new(engine)
            seeded = await timed(lambda e=engine: seed_fanout(fan_urls[e], tmp, args.subscribers, args.seed))
            print(f"fan-out {engine}: {args.subscribers:,} subscribers seeded in {seeded[0]:.1f} s (not timed below)",
                  flush=True)
        results["fan-out plan"] = {e: [] for e in ENGINES}
        results["outbox claim"] = {e: [] for e in ENGINES}
        results["outbox per row"] = {e: [] for e in ENGINES}
        claimed: dict[str, int] = {}
        for r in range(args.rounds):
            extra = tmp / f"day{r}"
            extra.mkdir()
            write_day(extra, random.Random(args.seed + 1 + r), days + r)
            for engine in ENGINES:  # interleaved: load on the machine falls on both alike
                fresh = await dbs.new(engine)
                results["ingest archive"][engine].append(
                    await timed(lambda f=fresh: ingest_folder(f, archive, "kedreamix")))
                results["ingest a day"][engine].append(
                    await timed(lambda e=engine, x=extra: ingest_folder(urls[e], x, "daily-arxiv")))
                words, quoted = await search_times(urls[engine], args.repeat)
                searches[engine] += words + quoted
                phrases[engine] += quoted
                words_only[engine] += words
                claimed[engine] = await fan_out_into(results, engine, fan_urls[engine], args.claims)
        for name, res in results.items():
            print(line(name, res))
        claim_rates(results, claimed)
        for engine in ENGINES:
            s, q = searches[engine], phrases[engine]
            print(f"search {engine:8} at {days * DAY + args.rounds * DAY:,} papers: p50 {pct(s, .5) * 1000:.1f} ms, "
                  f"p95 {pct(s, .95) * 1000:.1f} ms ({len(s)} queries); words and prefixes p50 "
                  f"{pct(words_only[engine], .5) * 1000:.1f} ms, p95 {pct(words_only[engine], .95) * 1000:.1f} ms; "
                  f"phrases p50 {pct(q, .5) * 1000:.1f} ms, p95 {pct(q, .95) * 1000:.1f} ms")
        return 0
    finally:
        await dbs.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)


async def fan_out_into(results: dict[str, dict[str, list[tuple[float, float]]]], engine: str, url: str,
                       claims: int) -> int:
    """One round of `fan_out_round`, its three timings added to `results`; the rows claimed."""
    plan, claim, per_row, claimed = await fan_out_round(url, claims)
    results["fan-out plan"][engine].append(plan)
    results["outbox claim"][engine].append(claim)
    results["outbox per row"][engine].append(per_row)
    return claimed


def claim_rates(results: dict[str, dict[str, list[tuple[float, float]]]], claimed: dict[str, int]) -> None:
    for engine in ENGINES:
        rates = [claimed[engine] / min(r[0] for r in results[k][engine]) for k in ("outbox claim", "outbox per row")]
        cpu = min(r[1] for r in results["outbox claim"][engine]) / max(1, claimed[engine]) * 1000
        print(f"claim rate {engine:8} {claimed[engine]:,} rows, {rates[0]:,.0f} rows/s as senders claim and record "
              f"({cpu:.2f} ms CPU a row), {rates[1]:,.0f} rows/s a row at a time (best rounds)")


async def claims_only(args: argparse.Namespace, dbs: Databases, tmp: Path) -> int:
    """The fan-out plan and the outbox claim alone, interleaved as the full run does them."""
    fan_urls = {engine: await dbs.new(engine) for engine in ENGINES}
    for engine in ENGINES:
        await seed_fanout(fan_urls[engine], tmp, args.subscribers, args.seed)
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        k: {e: [] for e in ENGINES} for k in ("fan-out plan", "outbox claim", "outbox per row")}
    claimed: dict[str, int] = {}
    for _ in range(args.rounds):
        for engine in ENGINES:
            claimed[engine] = await fan_out_into(results, engine, fan_urls[engine], args.claims)
    for name, res in results.items():
        print(line(name, res))
    claim_rates(results, claimed)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--papers", type=int, default=100_000, help="the base database's papers (default 100,000)")
    p.add_argument("--subscribers", type=int, default=10_000, help="members with subscriptions (default 10,000)")
    p.add_argument("--claims", type=int, default=1_000, help="outbox rows claimed per round (default 1,000)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=5, help="passes over the query set per round")
    p.add_argument("--archive-posts", type=int, default=55, help="generated archive's posts (no shared digests)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--claims-only", action="store_true", help="only the fan-out plan and the outbox claim")
    p.add_argument("--smoke", action="store_true", help="a tiny run in seconds: 600 papers, 2 rounds")
    args = p.parse_args(argv)
    if args.smoke:
        args.papers, args.rounds, args.repeat, args.archive_posts, args.subscribers = 600, 2, 1, 4, 50
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
