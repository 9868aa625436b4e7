"""Ingest speed: posts from a folder through parse and the store, against a floor, three rounds interleaved.

    .venv/bin/python benchmarks/ingest_throughput.py [--shared ../shared/digests] [--rounds 3] [--big 100000] [--smoke]

The posts: --shared, else ../shared/digests beside the repository, else a corpus generated from samples/
(benchmarks/_bench.py: small, so its figures are not the README's). --smoke: one round, a 2,000-paper database.

Two cases, each timed as `jobs.pipeline.ingest` (list, read, parse, store: what `python -m bot ingest`
does after startup) and as its floor, in the same run, interleaved:

  archive   the Kedreamix archive (263 posts; synthetic, see benchmarks/_bench.py) into a fresh database;
            target <= 2.5 s;
  day       one daily-arXiv day (the shared 2026-06-30 jsonl, else the corpus's newest) into a database
            already holding --big papers (built once from the day's daily-arXiv entries with new ids and
            cached in the temp dir; each round works on a fresh copy); target <= 1 s;
  floor     the same posts parsed by `parse_post`, then their papers (the long text compressed as the
            store keeps it), index rows, posts and appearances inserted by plain sqlite3 (executemany,
            one transaction, no merging): what parsing and writing these rows cannot go below.

Wall time (min and median), CPU time of the process (both threads; a busy machine inflates wall time,
not CPU time) and papers/s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests, kedreamix_archive, machine  # noqa: E402

from jobs.config import SourceConfig  # noqa: E402
from jobs.formats import parse_post  # noqa: E402
from jobs.models import Paper, ParsedPost  # noqa: E402
from jobs.pipeline import ingest  # noqa: E402
from jobs.sources.base import Fetched, PostRef  # noqa: E402
from jobs.store import Store  # noqa: E402
from jobs.store.rows import fts_row, j, pack_body  # noqa: E402

DAY = "2026-06-30_AI_enhanced_Chinese.jsonl"
BIG_VERSION = 1  # bump when the way the big database is made changes
BUILD_BATCH = 64  # posts per transaction while building it
Result = tuple[float, float, int]  # wall s, CPU s, papers


def remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def product(folder: Path, fmt: str, db: Path) -> Result:
    async def run() -> int:
        async with await Store.open(db) as store:
            report = await ingest(store, [SourceConfig("bench", "directory", fmt, str(folder))])
        assert report.ok and not any(s.posts_failed for s in report.sources), [s.line() for s in report.sources]
        return sum(s.posts_new for s in report.sources)

    t, c = time.perf_counter(), time.process_time()
    posts = asyncio.run(run())
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    with sqlite3.connect(db) as conn:
        appearances = conn.execute("SELECT count(*) FROM appearances a JOIN posts p ON p.id = a.post_id "
                                   "JOIN sources s ON s.id = p.source_id WHERE s.name = 'bench'").fetchone()[0]
    assert posts > 0
    return wall, cpu, appearances


def floor(folder: Path, fmt: str, db: Path) -> Result:
    t, c = time.perf_counter(), time.process_time()
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    parsed = [(f.relative_to(folder).as_posix(), parse_post(f.read_bytes(), f.name, fmt)) for f in files]
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA synchronous = NORMAL")
        sid = conn.execute("INSERT INTO sources (name, kind, format, location) VALUES ('floor', 'directory', ?, ?) "
                           "RETURNING id", (fmt, str(folder))).fetchone()[0]
        unique: dict[str, Paper] = {}
        for _, post in parsed:
            for p in post.papers:
                unique.setdefault(p.arxiv_id, p)
        conn.executemany(
            "INSERT INTO papers (arxiv_id, version, title, authors, body, comment, images, flags, first_seen) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
            [(p.arxiv_id, p.version, p.title, j(p.authors), pack_body(p), p.comment, j(p.images), j(p.flags))
             for p in unique.values()])
        ids = dict(conn.execute("SELECT arxiv_id, id FROM papers WHERE id > (SELECT coalesce(max(id), 0) FROM papers) "
                                f"- {len(unique)}").fetchall())
        conn.executemany("INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", [fts_row(ids[a], p) for a, p in unique.items()])
        appearances = []
        for path, post in parsed:
            post_id = conn.execute(
                "INSERT INTO posts (source_id, path, version, status, topic, post_date, paper_count, fetched_at) "
                "VALUES (?, ?, 'v', 'ok', ?, ?, ?, '') RETURNING id",
                (sid, path, post.topic, post.date, len(post.papers))).fetchone()[0]
            appearances += [(ids[p.arxiv_id], post_id, p.topic or post.topic, p.date or post.date, i)
                            for i, p in enumerate(post.papers)]
        conn.executemany("INSERT INTO appearances (paper_id, post_id, topic, post_date, position) "
                         "VALUES (?, ?, ?, ?, ?)", appearances)
        conn.commit()  # one transaction: sqlite3 began it before the first insert
    finally:
        conn.close()
    return time.perf_counter() - t, time.process_time() - c, len(appearances)


def big_database(entries_file: Path, papers: int) -> Path:
    """A database of `papers` papers made from the day's entries (replica r: ids yymm.NNNNN of month
    r from January 2015, authors and texts of other entries), built once and cached."""
    # A copy never migrates inside a timing; the names of the migrations tell branches' schemas apart.
    from jobs.store import migrate
    names = "".join(m.name + m.sql for m in migrate.MIGRATIONS)
    schema = f"{migrate.SCHEMA_VERSION}-{hashlib.sha256(names.encode()).hexdigest()[:8]}"
    source = hashlib.sha256(entries_file.read_bytes()).hexdigest()[:8]  # the real day or a generated one
    cached = (Path(tempfile.gettempdir()) / "paperboy-bench"
              / f"ingest-{papers}-v{BIG_VERSION}-s{schema}-d{source}.db")
    if cached.exists():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    entries = [json.loads(line) for line in entries_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = len(entries)
    partial = cached.with_suffix(".partial.db")
    remove(partial)

    async def build() -> None:
        async with await Store.open(partial) as store:
            sid = await store.upsert_source("history", "directory", "daily-arxiv", "history")
            made, r, batch = 0, 0, []
            while made < papers:
                year, month = 2015 + r // 12, r % 12 + 1
                date = f"{year}-{month:02d}-15"
                post = []
                for i, e in enumerate(entries[: min(n, papers - made)]):
                    other, zh = entries[(i + 7 * r) % n], entries[(i + 29 * r) % n].get("AI") or {}
                    aid = f"{year % 100:02d}{month:02d}.{i + 1:05d}"
                    post.append(Paper(arxiv_id=aid, version=1, title=" ".join(str(e["title"]).split()),
                                      authors=list(other.get("authors") or []), abstract=str(other.get("summary")),
                                      summary=str(zh.get("tldr") or ""), topic=(e.get("categories") or ["cs.AI"])[0],
                                      links={"abs": f"https://arxiv.org/abs/{aid}"}, date=date))
                batch.append((PostRef(f"{date}_AI_enhanced_Chinese.jsonl", date), Fetched(b""),
                              ParsedPost(post, date=date)))
                made, r = made + len(post), r + 1
                if len(batch) == BUILD_BATCH or made >= papers:
                    if hasattr(store, "record_posts"):
                        await store.record_posts(sid, batch)
                    else:  # an older Paperboy, for its figures
                        for post_args in batch:
                            await store.record_post(sid, *post_args)
                    batch = []
                    print(f"\r  building the {papers:,}-paper database: {made:,}", end="", file=sys.stderr)
        print(file=sys.stderr)

    asyncio.run(build())
    partial.rename(cached)
    return cached


def compare(label: str, cases: dict[str, Callable[[], Result]], rounds: int, target: float) -> None:
    results: dict[str, list[Result]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            results[name].append(case())
    print(f"{label}")
    for name, rs in results.items():
        walls = [r[0] for r in rs]
        print(f"  {name:<8} wall min {min(walls):6.3f} s  median {statistics.median(walls):6.3f} s   "
              f"cpu min {min(r[1] for r in rs):6.3f} s   {rs[0][2]:,} appearances  "
              f"{rs[0][2] / min(walls):8,.0f} papers/s")
    best = {name: min(r[0] for r in rs) for name, rs in results.items()}
    cpu = {name: min(r[1] for r in rs) for name, rs in results.items()}
    print(f"  ingest / floor: {best['ingest'] / best['floor']:.2f}x wall, {cpu['ingest'] / cpu['floor']:.2f}x cpu; "
          f"target <= {target:g} s: {'met' if best['ingest'] <= target else 'MISSED'} "
          f"(cpu {'met' if cpu['ingest'] <= target else 'missed'})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big", type=int, default=100_000, help="papers already in the database of the 'day' case")
    ap.add_argument("--smoke", action="store_true", help="one round, a 2,000-paper database: seconds, for the tests")
    args = ap.parse_args()
    if args.smoke:
        args.rounds, args.big = 1, 2_000
    shared = digests(args.shared)
    kedreamix, day_file = shared / "kedreamix", shared / "daily-arxiv" / DAY
    if not day_file.is_file():  # not the real digests: the corpus's newest day
        day_file = max((shared / "daily-arxiv").glob("*_AI_enhanced_*.jsonl"), default=day_file)
    if not kedreamix.is_dir() or not day_file.is_file():
        print(f"{kedreamix} or {day_file} not found: pass --shared PATH", file=sys.stderr)
        return 2
    print(machine())
    with tempfile.TemporaryDirectory(prefix="paperboy-ingest-") as tmp:
        work = Path(tmp)
        archive = work / "archive"
        posts = kedreamix_archive(kedreamix, archive, **({"posts": 20} if args.smoke else {}))
        db = work / "bench.db"

        def copy(of: Path) -> Path:
            remove(db)
            shutil.copyfile(of, db)
            return db

        async def schema() -> None:
            async with await Store.open(db):
                pass

        def empty() -> Path:
            remove(db)
            asyncio.run(schema())
            return db

        compare(f"archive: {len(posts)} Kedreamix posts ({sum(p.stat().st_size for p in posts) / 1e6:.1f} MB) "
                "into a fresh database",
                {"ingest": lambda: product(archive, "kedreamix", (remove(db), db)[1]),  # Store.open makes it
                 "floor": lambda: floor(archive, "kedreamix", empty())},
                args.rounds, 2.5)

        big = big_database(day_file, args.big)
        day = work / "day"
        day.mkdir()
        shutil.copyfile(day_file, day / day_file.name)
        compare(f"day: one daily-arXiv day ({day_file.name}) into a database of {args.big:,} papers",
                {"ingest": lambda: product(day, "daily-arxiv", copy(big)),
                 "floor": lambda: floor(day, "daily-arxiv", copy(big))},
                args.rounds, 1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
