"""The longest event-loop block during an ingest: parsing on the loop (the baseline, as before) against
parsing in a worker thread (the product). A heartbeat task sleeps 1 ms at a time; the longest time past
that it waited is how long the loop (the bot's gateway heartbeat, its slash commands) could not run.

    .venv/bin/python benchmarks/loop_block.py [--shared ../shared/digests] [--mb 50] [--rounds 3] [--smoke]

Cases: the whole shared archive (Kedreamix and daily-arXiv folders: --shared, else ../shared/digests,
else a corpus generated from samples/), one synthetic Kedreamix post of
--mb megabytes (limits.max_post_mb raised to let it through), and the same post under the default
limit. Baseline and product interleave, three rounds each; min and median of the longest block are
printed. Target: none over 100 ms.

What is left of a block with parsing in a thread is not parsing: the store building a big post's rows
on the loop (the store's record_post), and the cyclic garbage collector walking every object while it
holds the GIL (about 200 ms once a 50 MB post's 146,000 papers are alive).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests  # noqa: E402

from jobs import pipeline  # noqa: E402
from jobs.config import Limits, SourceConfig  # noqa: E402
from jobs.store import Store  # noqa: E402
from tests.postgen import Entry, kedreamix  # noqa: E402


async def _inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


# The baseline: the pipeline as it was, parsing on the loop.
_ON_LOOP = SimpleNamespace(**{**vars(asyncio), "to_thread": _inline})


async def longest_block(sources: list[SourceConfig], db: Path, *, on_loop: bool) -> tuple[float, float, int]:
    """(longest block in s, wall time in s, papers stored) for one ingest into a fresh database."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    worst = 0.0
    stop = False

    async def heartbeat() -> None:
        nonlocal worst
        loop = asyncio.get_running_loop()
        while not stop:
            before = loop.time()
            await asyncio.sleep(0.001)
            worst = max(worst, loop.time() - before - 0.001)

    pipeline.asyncio = _ON_LOOP if on_loop else asyncio  # type: ignore[assignment]
    try:
        beat = asyncio.create_task(heartbeat())
        start = time.perf_counter()
        async with await Store.open(db) as store:
            report = await pipeline.ingest(store, sources)
        wall = time.perf_counter() - start
        stop = True
        await beat
    finally:
        pipeline.asyncio = asyncio  # type: ignore[assignment]
    return worst, wall, report.papers_new


def synthetic_post(folder: Path, megabytes: float) -> None:
    """One Kedreamix post of about `megabytes` MB: many ordinary entries."""
    head = len(kedreamix("Big", "2024-05-06", []).encode())
    each = len(kedreamix("Big", "2024-05-06", [Entry("2405.10001", "Paper 10000 on splatting")]).encode()) - head
    n = int(megabytes * 1024 * 1024 / each)
    entries = [Entry(f"{2401 + i // 90000}.{i % 90000 + 10000:05d}", f"Paper {i} on splatting") for i in range(n)]
    post = folder / "2024-05-06" / "Big.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(kedreamix("Big", "2024-05-06", entries), encoding="utf-8")


def machine() -> str:
    return (f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.machine()} {platform.system()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    parser.add_argument("--mb", type=float, default=50.0, help="size of the synthetic post")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one round, a 1 MB post: seconds, for the tests")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.mb = 1, 1.0
    args.shared = digests(args.shared)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="paperboy-loop-") as tmp:
        work = Path(tmp)
        cases: dict[str, list[SourceConfig]] = {}
        if (args.shared / "kedreamix").is_dir():
            cases["shared archive"] = [
                SourceConfig(name=f"shared-{f}", kind="directory", format=fmt, path=str(args.shared / f))
                for f, fmt in (("kedreamix", "kedreamix"), ("daily-arxiv", "daily-arxiv"))
            ]
        else:
            print(f"{args.shared} not found: the archive case is skipped", file=sys.stderr)
        big = work / "big"
        synthetic_post(big, args.mb)
        size = sum(f.stat().st_size for f in big.rglob("*") if f.is_file()) / (1024 * 1024)
        cases[f"one {size:.0f} MB post"] = [SourceConfig(
            name="big", kind="directory", format="kedreamix", path=str(big), limits=Limits(max_post_mb=args.mb * 2))]
        # What a user gets: the default limit records the post as failed before parsing it.
        cases["same, default limit"] = [SourceConfig(name="big", kind="directory", format="kedreamix", path=str(big))]
        for name, sources in cases.items():
            results: dict[str, list[tuple[float, float, int]]] = {"parse on loop (before)": [],
                                                                  "parse in thread (after)": []}
            for _ in range(args.rounds):
                for label in results:
                    results[label].append(asyncio.run(longest_block(sources, work / "bench.db",
                                                                    on_loop=label.startswith("parse on"))))
            for label, runs in results.items():
                blocks = [r[0] * 1000 for r in runs]
                walls = [r[1] for r in runs]
                print(f"{name:<20} {label:<24} longest block min {min(blocks):7.1f} ms  median "
                      f"{statistics.median(blocks):7.1f} ms   wall median {statistics.median(walls):6.2f} s  "
                      f"papers {runs[0][2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
