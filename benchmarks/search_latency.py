"""Search latency at scale: the product (FTS5, fully ranked) against full bm25 and a naive LIKE scan.

Builds a database of N papers (default 100,000) from the real daily-arXiv entries in
../shared/digests/daily-arxiv/*_AI_enhanced_Chinese.jsonl (read with the json module, not the format
adapter), stored through `Store.record_post` like an ingest would: one post per replica of the
entries, each replica with its own valid arXiv ids (1501.00001, 1502.00001, …) and post date. So that
the replicas are not identical documents (identical text would make every bm25 score tie), replica r
keeps entry i's title and topic but takes its authors, abstract and Chinese summary from other entries.
The database is cached under the temp dir, keyed by size and generator version (BUILD_VERSION), so
reruns skip the build; a cached file made by an older schema is upgraded by `Store.open` (once).

Then runs a fixed set of queries (English words, prefixes, phrases, Chinese 2- and 4-character words,
authors, ids, with and without topic/date filters) in three rounds, the three ways interleaved query
by query within each round:

  product  `jobs.find.run_search`: query parsing, `Store.search` (bm25 ranking, filters, the total),
           loading the page of 10 papers and cutting their snippets — what a /search command waits for;
  bm25     the plain full-ranking SQL on sqlite3 directly (every match ranked by bm25, ORDER BY ...
           LIMIT 10, and a count): the floor of exact ranking with FTS5's bm25;
  like     a naive scan answering the same queries (every term `LIKE '%term%'` over title, authors and
           the long text: abstract, summary, takeaways, links, unpacked once, before timing, into a
           plain-text temporary table, so the scan is not charged for decompression; same filters;
           newest 10 and the total count).

For each: p50/p95 of wall time and of CPU time (time.process_time: every thread of the process, which
a busy machine does not inflate) per round, then the min and median over the rounds. It checks that
the product's top 10 is exactly full bm25's (ties: newer date, then newer id) for every query, and
prints the file's bytes per paper. Pinned to one CPU core where the OS allows it (--cpu N picks it).
Targets (issue 12): p95 <= 10 ms and p50 <= 3 ms on a quiet core; <= 6 KiB per paper.

    .venv/bin/python benchmarks/search_latency.py [--papers 100000] [--repeat 10] [--rounds 3] [--smoke]

The entries: --corpus, else ../shared/digests beside the repository, else a corpus generated from samples/
(few distinct entries, so its figures are not the README's). --smoke: 2,000 papers, one round, one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests  # noqa: E402

from jobs.find import run_search  # noqa: E402
from jobs.models import Paper, ParsedPost  # noqa: E402
from jobs.search.query import SearchQuery, build_query  # noqa: E402
from jobs.sources.base import Fetched, PostRef  # noqa: E402
from jobs.store import Store  # noqa: E402
from jobs.store.rows import add_sql_functions  # noqa: E402

DIGESTS = ROOT.parent / "shared" / "digests" / "daily-arxiv"
BUILD_VERSION = 1  # bump when the way papers are made changes
AI_PARTS = ("motivation", "method", "result", "conclusion")

def queries(papers: int, entries: int) -> list[tuple[str, str, dict[str, str]]]:
    """(label, query, filters). Ids and dates are picked among the replicas this size has."""
    replicas = max(1, -(-papers // entries))
    mid, last = replica_date(replicas // 2), replica_date(replicas - 1)
    recent = replica_date(replicas * 9 // 10)[1]
    span = replica_date(replicas * 3 // 10)[1], replica_date(replicas * 6 // 10)[1]
    return [
        ("word", "gaussian", {}),
        ("word", "diffusion", {}),
        ("words", "language models", {}),
        ("words", "reinforcement learning", {}),
        ("prefix", "gauss", {}),
        ("prefix", "segm", {}),
        ("phrase", '"large language models"', {}),
        ("phrase", '"point cloud"', {}),
        ("zh 2", "模型", {}),
        ("zh 2", "扩散", {}),
        ("zh 4", "强化学习", {}),
        ("zh 4", "目标检测", {}),
        ("mixed", "3D 高斯", {}),
        ("author", "Wangmeng Zuo", {}),
        ("author", "Nakov", {}),
        ("id", f"{mid[0]}.00123", {}),
        ("id url", f"https://arxiv.org/abs/{last[0]}.00001v2", {}),
        ("word+topic", "gaussian", {"topic": "cs.CV"}),
        ("word+after", "agent", {"after": recent}),
        ("zh+topic+dates", "模型", {"topic": "cs.CL", "after": span[0], "before": span[1]}),
    ]


# ---- building the database ------------------------------------------------------------------------


def load_entries(folder: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for f in sorted(folder.glob("*_AI_enhanced_Chinese.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entries.append(json.loads(line))
    return entries


def replica_date(r: int) -> tuple[str, str]:
    """(yymm for ids, post date) of replica r: one month each, from January 2015."""
    year, month = 2015 + r // 12, r % 12 + 1
    return f"{year % 100:02d}{month:02d}", f"{year}-{month:02d}-15"


def replicas(entries: list[dict[str, Any]], total: int) -> Iterator[tuple[str, list[Paper]]]:
    n = len(entries)
    made, r = 0, 0
    while made < total:
        yymm, date = replica_date(r)
        papers: list[Paper] = []
        for i, e in enumerate(entries[: min(n, total - made)]):
            people = entries[(i + 7 * r) % n]
            text = entries[(i + 13 * r) % n]
            zh = entries[(i + 29 * r) % n].get("AI") or {}
            categories = e.get("categories") or ["cs.AI"]
            arxiv_id = f"{yymm}.{i + 1:05d}"
            papers.append(Paper(
                arxiv_id=arxiv_id,
                version=1,
                title=" ".join(str(e.get("title", "")).split()),
                authors=[str(a) for a in people.get("authors") or []],
                abstract=str(text.get("summary") or ""),
                summary=str(zh.get("tldr") or ""),
                takeaways=[str(zh[k]) for k in AI_PARTS if zh.get(k)],
                comment=str(e.get("comment") or ""),
                links={"abs": f"https://arxiv.org/abs/{arxiv_id}", "pdf": f"https://arxiv.org/pdf/{arxiv_id}"},
                topic=str(categories[0]),
                date=date,
            ))
        made += len(papers)
        r += 1
        yield date, papers


def cache_path(papers: int, entries_digest: str) -> Path:
    folder = Path(tempfile.gettempdir()) / "paperboy-bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"search-{papers}-v{BUILD_VERSION}-{entries_digest[:10]}.db"


async def build(path: Path, entries: list[dict[str, Any]], papers: int) -> float:
    partial = path.with_suffix(".partial.db")
    for p in partial.parent.glob(partial.name + "*"):
        p.unlink()
    t0 = time.perf_counter()
    async with await Store.open(partial) as store:
        sid = await store.upsert_source("daily-arxiv-bench", "directory", "daily-arxiv", str(DIGESTS))
        made = 0
        for date, batch in replicas(entries, papers):
            post = ParsedPost(papers=batch, topic="", date=date)
            await store.record_post(sid, PostRef(f"{date}_AI_enhanced_Chinese.jsonl", date), Fetched(b""), post)
            made += len(batch)
            print(f"\r  building: {made:,}/{papers:,} papers", end="", file=sys.stderr, flush=True)
        await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(file=sys.stderr)
    seconds = time.perf_counter() - t0
    partial.rename(path)
    path.with_suffix(".json").write_text(json.dumps({"build_seconds": seconds, "papers": papers}))
    return seconds


# ---- the naive baseline ---------------------------------------------------------------------------


def like_patterns(q: SearchQuery) -> list[str]:
    return [f"%{t}%" for t in q.terms]


def like_search(conn: sqlite3.Connection, q: SearchQuery, filters: dict[str, str]) -> tuple[list[int], int]:
    args: list[Any] = []
    if q.arxiv_id is not None:
        where = "p.arxiv_id = ?"
        args.append(q.arxiv_id)
    else:
        conds = []
        for pat in like_patterns(q):
            cols = ["p.title", "p.authors", "p.body"]
            conds.append("(" + " OR ".join(f"{c} LIKE ?" for c in cols) + ")")
            args += [pat] * len(cols)
        where = " AND ".join(conds)
    app = ""
    if filters.get("topic"):
        app += " AND a.topic = ?"
        args.append(filters["topic"])
    if filters.get("after"):
        app += " AND a.post_date >= ?"
        args.append(filters["after"])
    if filters.get("before"):
        app += " AND a.post_date <= ?"
        args.append(filters["before"])
    if app:
        where += (" AND EXISTS (SELECT 1 FROM appearances a INDEXED BY appearances_paper_date "
                  f"WHERE a.paper_id = p.id{app})")
    rows = [r[0] for r in conn.execute(f"SELECT p.id FROM plain p WHERE {where} ORDER BY p.id DESC LIMIT 10", args)]
    total = conn.execute(f"SELECT count(*) FROM plain p WHERE {where}", args).fetchone()[0]
    return rows, int(total)


# ---- measuring ------------------------------------------------------------------------------------

BM25 = "bm25(papers_fts, 10.0, 5.0, 2.0, 2.0, 2.0, 5.0)"  # as jobs/store/search.py ranks


def _filters_sql(filters: dict[str, str], alias: str = "x") -> tuple[str, list[str]]:
    sql, args = "", []
    for key, cond in (("topic", "topic = ?"), ("after", "post_date >= ?"), ("before", "post_date <= ?")):
        if filters.get(key):
            sql += f" AND {alias}.{cond}"
            args.append(filters[key])
    return sql, args


def bm25_search(conn: sqlite3.Connection, q: SearchQuery, filters: dict[str, str],
                exact_ties: bool = False) -> tuple[list[int], int]:
    """Full bm25 ranking of every match: (top 10 paper ids, total). With exact_ties, ties are ordered
    as the product orders them (newer latest matching date, then newer id): slower, for the check."""
    if q.match is None:
        found = [r[0] for r in conn.execute("SELECT id FROM papers WHERE arxiv_id = ?", (q.arxiv_id,))]
        return found, len(found)
    app, fargs = _filters_sql(filters)
    where = "papers_fts MATCH ?"
    if app:
        where += f" AND EXISTS (SELECT 1 FROM appearances x WHERE x.paper_id = papers_fts.rowid{app})"
    args = [q.match, *fargs]
    if exact_ties:
        date = f"(SELECT max(x.post_date) FROM appearances x WHERE x.paper_id = papers_fts.rowid{app})"
        sql = (f"SELECT rowid, {BM25} AS r, {date} AS d FROM papers_fts WHERE {where} "
               "ORDER BY r, d DESC, rowid DESC LIMIT 10")
        rows = [r[0] for r in conn.execute(sql, [*fargs, *args])]
    else:
        rows = [r[0] for r in conn.execute(f"SELECT rowid, {BM25} AS r FROM papers_fts WHERE {where} "
                                            "ORDER BY r LIMIT 10", args)]
    total = conn.execute(f"SELECT count(*) FROM papers_fts WHERE {where}", args).fetchone()[0]
    return rows, int(total)


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


class Series:
    """Wall and CPU samples of one way of searching, kept per round and per query."""

    def __init__(self, rounds: int, queries: int) -> None:
        self.wall: list[list[list[float]]] = [[[] for _ in range(queries)] for _ in range(rounds)]
        self.cpu: list[list[list[float]]] = [[[] for _ in range(queries)] for _ in range(rounds)]

    def add(self, rnd: int, n: int, wall: float, cpu: float) -> None:
        self.wall[rnd][n].append(wall)
        self.cpu[rnd][n].append(cpu)

    def per_round(self, which: str, p: float) -> list[float]:
        data = self.wall if which == "wall" else self.cpu
        return [pct([x for q in rnd for x in q], p) for rnd in data]

    def query_median(self, n: int) -> float:
        return statistics.median(pct(rnd[n], 50) for rnd in self.wall)

    def line(self, name: str) -> str:
        out = []
        for which in ("wall", "cpu"):
            p50, p95 = self.per_round(which, 50), self.per_round(which, 95)
            out.append(f"{which} p50 min {ms(min(p50))} med {ms(statistics.median(p50))}, "
                       f"p95 min {ms(min(p95))} med {ms(statistics.median(p95))}")
        return f"{name:8} " + " | ".join(out) + " ms"


async def measure(path: Path, plan: list[tuple[str, str, dict[str, str]]], repeat: int, rounds: int,
                  like: bool) -> bool:
    prepared = [(label, text, filters, build_query(text)) for label, text, filters in plan]
    product, bm25, naive = (Series(rounds, len(prepared)) for _ in range(3))
    totals: list[int] = [0] * len(prepared)
    ref_totals: list[int] = [0] * len(prepared)
    like_totals: list[int] = [0] * len(prepared)
    exact: list[bool] = [False] * len(prepared)
    conn = sqlite3.connect(path)
    add_sql_functions(conn)
    if like:  # the text as the LIKE scan reads it, unpacked once
        conn.execute("CREATE TEMP TABLE plain AS SELECT id, arxiv_id, title, authors, pb_body(body) AS body "
                     "FROM papers ORDER BY id")
    async with await Store.open(path) as store:
        print(f"schema: v{await store.schema_version()}")
        # Warm up: the page cache, the aiosqlite thread, the topic list.
        for _, text, filters, q in prepared:
            await run_search(store, text, **filters)
            bm25_search(conn, q, filters)
        # ... and the phrases it met learned (jobs/store/learned_phrases.py; older code learns none), before timing.
        await asyncio.gather(*(getattr(store, "_learning", None) or {}).values())
        # Exactness: the product's top 10 against full bm25 with the product's order of ties.
        id_of = dict(conn.execute("SELECT id, arxiv_id FROM papers"))
        for n, (_, text, filters, q) in enumerate(prepared):
            page = await run_search(store, text, limit=10, **filters)
            want, ref_totals[n] = bm25_search(conn, q, filters, exact_ties=True)
            exact[n] = [r.paper.arxiv_id for r in page.results] == [id_of[i] for i in want]
            exact[n] = exact[n] and page.total == ref_totals[n]
        for rnd in range(rounds):
            for n, (_, text, filters, q) in enumerate(prepared):
                for _ in range(repeat):
                    c0, t0 = time.process_time(), time.perf_counter()
                    page = await run_search(store, text, **filters)
                    product.add(rnd, n, time.perf_counter() - t0, time.process_time() - c0)
                    totals[n] = page.total
                c0, t0 = time.process_time(), time.perf_counter()
                bm25_search(conn, q, filters)
                bm25.add(rnd, n, time.perf_counter() - t0, time.process_time() - c0)
                if like:
                    c0, t0 = time.process_time(), time.perf_counter()
                    _, like_totals[n] = like_search(conn, q, filters)
                    naive.add(rnd, n, time.perf_counter() - t0, time.process_time() - c0)
            print(f"  round {rnd + 1}/{rounds} done", file=sys.stderr)
    conn.close()

    print(f"\n{'query':44} {'hits':>7} {'product':>8} {'bm25':>8} {'like':>8} {'top 10 = bm25':>14}"
          "   (wall p50, median of rounds, ms)")
    for n, (label, text, filters, _) in enumerate(prepared):
        shown = f"{label}: {text}" + (f" {filters}" if filters else "")
        like_ms = ms(naive.query_median(n)) if like else "-"
        print(f"{shown[:44]:44} {totals[n]:7d} {ms(product.query_median(n)):>8} {ms(bm25.query_median(n)):>8} "
              f"{like_ms:>8} {'yes' if exact[n] else 'NO':>14}")
    print(f"\n{rounds} rounds; product {repeat} runs of each query a round, bm25 and like one run each")
    print(product.line("product"))
    print(bm25.line("bm25"))
    if like:
        print(naive.line("like"))
        ratio = statistics.median(naive.per_round("wall", 50)) / statistics.median(product.per_round("wall", 50))
        print(f"like / product (wall p50, median of rounds): x{ratio:.0f}")
    p50 = statistics.median(product.per_round("wall", 50))
    p95 = statistics.median(product.per_round("wall", 95))
    all_exact = all(exact)
    print(f"top 10 equal to full bm25 ranking (and the same total): {sum(exact)}/{len(exact)} queries")
    print(f"target p50 <= 3 ms: {'OK' if p50 <= 0.003 else 'MISSED'} ({ms(p50)}); "
          f"p95 <= 10 ms: {'OK' if p95 <= 0.010 else 'MISSED'} ({ms(p95)}); exact: {'OK' if all_exact else 'MISSED'}")
    return all_exact


def file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".json"))


def print_size(path: Path) -> None:
    conn = sqlite3.connect(path)
    papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    size = file_size(path)
    print(f"database: {size / 2**20:.1f} MiB, {size / max(1, papers) / 1024:.2f} KiB per paper "
          f"({papers:,} papers, {page_size // 1024} KiB pages); target <= 6 KiB: "
          f"{'OK' if size / max(1, papers) <= 6 * 1024 else 'MISSED'}")
    try:
        parts = conn.execute("SELECT name, sum(pgsize), sum(unused) FROM dbstat GROUP BY name "
                             "ORDER BY sum(pgsize) DESC LIMIT 6").fetchall()
        print("  largest: " + ", ".join(f"{name} {used / 2**20:.0f} MiB ({free / max(1, used):.0%} unused)"
                                        for name, used, free in parts))
    except sqlite3.OperationalError:
        pass  # no dbstat in this SQLite
    conn.close()


def machine() -> str:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"machine: {os.cpu_count()} cores ({model or 'unknown CPU'}), pinned to {cpus}; python "
            f"{sys.version.split()[0]}; sqlite {sqlite3.sqlite_version}; load average {load}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--papers", type=int, default=100_000, help="database size (default 100,000)")
    ap.add_argument("--repeat", type=int, default=10, help="product runs of each query a round (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--no-like", action="store_true", help="skip the LIKE scan (slow: seconds a round)")
    ap.add_argument("--rebuild", action="store_true", help="ignore the cached database")
    ap.add_argument("--db", type=Path, help="measure this database instead (e.g. a copy kept from before a change)")
    ap.add_argument("--cpu", type=int, help="the CPU core to pin to (default: the first one allowed)")
    ap.add_argument("--all-cores", action="store_true", help="do not pin the process to one CPU core")
    ap.add_argument("--corpus", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    ap.add_argument("--smoke", action="store_true", help="2,000 papers, one round: seconds, for the tests")
    args = ap.parse_args(argv)
    if args.smoke:
        args.papers, args.repeat, args.rounds = 2_000, 1, 1
    source = digests(args.corpus) / "daily-arxiv"
    if not source.is_dir():
        print(f"no daily-arxiv entries at {source}", file=sys.stderr)
        return 1
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))})
    print(machine())
    entries = load_entries(source)
    digest = hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()
    path = args.db or cache_path(args.papers, digest)
    if args.rebuild and path.exists():
        path.unlink()
    print(f"papers: {args.papers:,} from {len(entries)} entries in {source}")
    if path.exists():
        info = json.loads(path.with_suffix(".json").read_text()) if path.with_suffix(".json").exists() else {}
        print(f"database: {path} (cached; built in {info.get('build_seconds', float('nan')):.1f} s)")
    else:
        seconds = asyncio.run(build(path, entries, args.papers))
        print(f"database: {path} (built in {seconds:.1f} s, {args.papers / seconds:,.0f} papers/s)")
    seconds = asyncio.run(upgrade(path))
    if seconds > 1:
        print(f"upgraded to the current schema in {seconds:.1f} s")
    print_size(path)
    exact = asyncio.run(measure(path, queries(args.papers, len(entries)), args.repeat, args.rounds,
                                not args.no_like))
    print("load average at the end: " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} cores (above 1 per core, wall times are inflated: read the CPU times)")
    return 0 if exact else 1


async def upgrade(path: Path) -> float:
    """Open the file once so that an older cached database is upgraded before it is measured."""
    t0 = time.perf_counter()
    async with await Store.open(path):
        pass
    return time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
