"""Ingest throughput: posts from a folder through parse and the store into a fresh database.

    .venv/bin/python benchmarks/ingest_throughput.py [--copies 10] [--shared ../shared/digests]

Prints papers/s, wall time and peak memory for the shared Kedreamix posts, the shared daily-arXiv days,
and a larger corpus made from the Kedreamix posts (each copy with its own dates and arXiv ids).
Target: the 53 shared Kedreamix posts ingest in under 2 s on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.config import SourceConfig  # noqa: E402
from jobs.pipeline import ingest  # noqa: E402
from jobs.store import Store  # noqa: E402

ARXIV_ID = re.compile(r"(?<![\d.])(\d{4})\.(\d{4,5})(?=v\d|\D)")


def make_corpus(src: Path, dest: Path, copies: int) -> None:
    """`copies` copies of the Kedreamix folder, each under new date folders with new arXiv ids."""
    for c in range(copies):
        for post in src.rglob("*.md"):
            rel = post.relative_to(src)
            target = dest / f"copy{c:03d}-{rel.parent}" / rel.name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = post.read_text(encoding="utf-8")
            target.write_text(ARXIV_ID.sub(lambda m, c=c: f"{int(m[1]) % 100 + 10 * c:04d}.{m[2]}", text),
                              encoding="utf-8")


async def _ingest(sources: list[SourceConfig], db: Path) -> tuple[float, int, int, int]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    async with await Store.open(db) as store:
        report = await ingest(store, sources)
    wall = time.perf_counter() - start
    posts = sum(s.posts_new + s.posts_changed for s in report.sources)
    return wall, posts, sum(s.posts_failed for s in report.sources), report.papers_new


async def run(name: str, sources: list[SourceConfig], workdir: Path) -> None:
    """Timed on its own (tracemalloc slows Python down), then once more under tracemalloc for memory."""
    db = workdir / f"{name}.db"
    size = sum(f.stat().st_size for s in sources for f in Path(s.path).rglob("*") if f.is_file())
    wall, posts, failed, papers = await _ingest(sources, db)
    tracemalloc.start()
    await _ingest(sources, db)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:<22} posts {posts:>5} (failed {failed})  papers {papers:>6}  {size / 1e6:6.1f} MB  "
          f"{wall:6.2f} s  {papers / wall:8.0f} papers/s  {size / 1e6 / wall:5.1f} MB/s  "
          f"peak traced {peak / 1e6:6.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "digests")
    parser.add_argument("--copies", type=int, default=10, help="copies of the Kedreamix posts in the large corpus")
    args = parser.parse_args()
    kedreamix, daily = args.shared / "kedreamix", args.shared / "daily-arxiv"
    if not kedreamix.is_dir():
        print(f"{kedreamix} not found: pass --shared PATH", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp:
        work = Path(tmp)
        big = work / "corpus"
        make_corpus(kedreamix, big, args.copies)
        asyncio.run(run("kedreamix (53 posts)", [SourceConfig("k", "directory", "kedreamix", str(kedreamix))], work))
        if daily.is_dir():
            asyncio.run(run("daily-arxiv (2 days)", [SourceConfig("d", "directory", "daily-arxiv", str(daily))],
                            work))
        asyncio.run(run(f"kedreamix x{args.copies}", [SourceConfig("k", "directory", "kedreamix", str(big))], work))
        shutil.rmtree(big)
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
