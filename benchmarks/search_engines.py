"""Search on both engines, query by query: store_engines.py's generated database of --papers papers (100,000 by
default) on SQLite and on PostgreSQL, then each of its queries timed on each engine, interleaved (sqlite,
postgres, …) in three rounds of --repeat passes: p50/p95 of wall and CPU (time.process_time: this process
only, not the PostgreSQL server's) per query, per engine, words and phrases apart. It checks that both
engines give the same page and total for every query. The databases are analyzed first (Store.optimize, as
every bot cycle ends): a PostgreSQL server without autovacuum would otherwise plan on no statistics.

--keep DIR keeps the built databases (a SQLite file and a PostgreSQL database named in DIR/postgres.txt) and
reuses them on the next run with the same --papers and --seed: a build of 100,000 papers takes minutes.

    .venv/bin/python benchmarks/search_engines.py [--papers 100000] [--keep /tmp/pb-search] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench import machine
from benchmarks.store_engines import DAY, ENGINES, PHRASES, QUERIES, Databases, ingest_folder, write_day
from jobs.database_url import parse_database_url
from jobs.search.query import build_query
from jobs.store.backends import open_database


async def _database(engine: str, keep: Path | None, tmp: Path, dbs: Databases, papers: int, seed: int
                    ) -> tuple[str, bool]:
    """The URL of this engine's database, and whether it must be built."""
    tag = f"{papers}_{seed}"
    if keep is None:
        return await dbs.new(engine), True
    keep.mkdir(parents=True, exist_ok=True)
    if engine == "sqlite":
        path = keep / f"search_{tag}.db"
        return f"sqlite:///{path}", not path.exists()
    name_file = keep / f"postgres_{tag}.txt"
    if name_file.exists():
        return name_file.read_text().strip(), False
    url = await dbs.new(engine)
    dbs.made.remove(urlsplit(url).path.lstrip("/"))  # kept: not dropped at the end
    name_file.write_text(url)
    return url, True


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="pb-search-"))
    dbs = Databases(tmp)
    keep = Path(args.keep) if args.keep else None
    try:
        print(machine(), "| load average", " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
        urls: dict[str, str] = {}
        days = args.papers // DAY
        for engine in ENGINES:
            urls[engine], build = await _database(engine, keep, tmp, dbs, args.papers, args.seed)
            if build:
                base = tmp / f"base-{engine}"
                base.mkdir()
                rng = random.Random(args.seed)
                for d in range(days):
                    write_day(base, rng, d)
                t = time.perf_counter()
                await ingest_folder(urls[engine], base, "daily-arxiv")
                print(f"{engine}: {days * DAY:,} papers built in {time.perf_counter() - t:.1f} s", flush=True)
        stores = {e: await open_database(parse_database_url(u)) for e, u in urls.items()}
        try:
            for store in stores.values():  # the planner's statistics, as the end of every bot cycle leaves them
                await store.optimize()
            walls: dict[tuple[str, str], list[float]] = {(e, q): [] for e in ENGINES for q in QUERIES}
            cpus: dict[tuple[str, str], list[float]] = {(e, q): [] for e in ENGINES for q in QUERIES}
            pages: dict[tuple[str, str], object] = {}
            for e in ENGINES:  # one search each first: the arrays loaded, as a running bot holds them
                await stores[e].search(build_query("neural").match, words=build_query("neural").words)
            for _ in range(args.rounds):
                for _ in range(args.repeat):
                    for q in QUERIES:
                        query = build_query(q)
                        for e in ENGINES:
                            w, c = time.perf_counter(), time.process_time()
                            hits, total = await stores[e].search(query.match, arxiv_id=query.arxiv_id, limit=10,
                                                                 words=query.words)
                            walls[e, q].append(time.perf_counter() - w)
                            cpus[e, q].append(time.process_time() - c)
                            pages[e, q] = ([(h.paper.arxiv_id, h.rank) for h in hits], total)
        finally:
            for s in stores.values():
                await s.close()
        same = all(pages["sqlite", q] == pages["postgres", q] for q in QUERIES)
        print(f"same page and total on both engines for every query: {same}")
        print(f"{'query':22} " + " | ".join(f"{e:8} wall p50/p95 ms, CPU p50" for e in ENGINES) + " | total")
        for q in QUERIES:
            cells = [f"{e:8} {_ms(walls[e, q], .5):7.1f} {_ms(walls[e, q], .95):7.1f}, {_ms(cpus[e, q], .5):6.1f}"
                     for e in ENGINES]
            print(f"{q:22} " + " | ".join(f"{c:34}" for c in cells) + f" | {pages['sqlite', q][1]:,}")
        for e in ENGINES:
            for name, group in (("all", QUERIES), ("words", [q for q in QUERIES if q not in PHRASES]),
                                ("phrases", PHRASES)):
                w = [x for q in group for x in walls[e, q]]
                c = [x for q in group for x in cpus[e, q]]
                print(f"{e:8} {name:8} at {days * DAY:,} papers: wall p50 {_ms(w, .5):.1f} p95 {_ms(w, .95):.1f} ms, "
                      f"CPU p50 {_ms(c, .5):.1f} p95 {_ms(c, .95):.1f} ms ({len(w)} searches)")
        print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
        return 0 if same else 1
    finally:
        await dbs.drop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def _ms(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return 1000 * s[min(len(s) - 1, int(p * len(s)))] if s else 0.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--papers", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=5, help="passes over the query set per round")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--keep", help="a folder to keep the built databases in, and reuse them from")
    p.add_argument("--smoke", action="store_true", help="a tiny run in seconds: 600 papers, one round")
    args = p.parse_args(argv)
    if args.smoke:
        args.papers, args.rounds, args.repeat = 600, 1, 1
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())

