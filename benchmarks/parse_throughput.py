"""Format adapter throughput: every post under ../shared/digests, then that corpus replicated in memory.

Reads every Kedreamix post (kedreamix/<date>/<Topic>.md) and daily-arXiv file (daily-arxiv/*.jsonl,
daily-arxiv/*.md) under the corpus folder as bytes, then times `jobs.formats.parse_post` (decoding,
text repair, format detection, parsing, deduplication — everything an ingest pays for) on

  kedreamix   the Kedreamix posts (best of --repeat runs); target: the 53 shared posts in < 0.5 s;
  all         every post, both formats (best of --repeat runs);
  xN          every post replicated N times in memory (--replicate, default 20), one run;

and prints posts, papers, MB, wall time, papers/s and MB/s for each, then the peak memory: traced
Python allocations (tracemalloc) during one pass over every post, and the process's maximum resident
set size. Pinned to one CPU core where the OS allows it.

    .venv/bin/python benchmarks/parse_throughput.py [--corpus PATH] [--replicate 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.formats import parse_post  # noqa: E402
from jobs.models import FormatError  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "digests"
KEDREAMIX_TARGET_S = 0.5

Post = tuple[str, bytes]  # (path relative to the corpus, content)


def load(corpus: Path) -> tuple[list[Post], list[Post]]:
    """(Kedreamix posts, daily-arXiv files), sorted by path."""
    kedreamix = [(p.relative_to(corpus).as_posix(), p.read_bytes()) for p in sorted(corpus.glob("kedreamix/*/*.md"))]
    daily = [
        (p.relative_to(corpus).as_posix(), p.read_bytes())
        for p in sorted(corpus.glob("daily-arxiv/*"))
        if p.suffix in (".jsonl", ".md")
    ]
    return kedreamix, daily


def parse_all(posts: list[Post]) -> tuple[int, int]:
    """Parse every post; (papers, posts that raised FormatError)."""
    papers = failed = 0
    for path, content in posts:
        try:
            papers += len(parse_post(content, path, "auto", source="bench").papers)
        except FormatError:
            failed += 1
    return papers, failed


def timed(posts: list[Post], repeat: int) -> tuple[float, int, int]:
    """(best wall time in seconds, papers, failures) over `repeat` runs."""
    best = float("inf")
    papers = failed = 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        papers, failed = parse_all(posts)
        best = min(best, time.perf_counter() - start)
    return best, papers, failed


def report(label: str, posts: list[Post], seconds: float, papers: int, failed: int) -> None:
    mb = sum(len(content) for _, content in posts) / 1e6
    print(
        f"{label:<12} {len(posts):>6} posts {papers:>8} papers {mb:>8.1f} MB {seconds:>8.3f} s "
        f"{papers / seconds:>10,.0f} papers/s {mb / seconds:>7.1f} MB/s"
        + (f"  ({failed} FormatError)" if failed else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared digests folder")
    parser.add_argument("--replicate", type=int, default=20, help="copies of the corpus in the large run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (the best is reported)")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    kedreamix, daily = load(args.corpus)
    if not kedreamix and not daily:
        print(f"no posts under {args.corpus}", file=sys.stderr)
        return 1
    everything = kedreamix + daily
    print(f"corpus: {args.corpus} ({len(kedreamix)} Kedreamix posts, {len(daily)} daily-arXiv files)")
    parse_all(everything)  # warm up: imports, regex compilation, caches

    ok = True
    if kedreamix:
        seconds, papers, failed = timed(kedreamix, args.repeat)
        report("kedreamix", kedreamix, seconds, papers, failed)
        ok = seconds < KEDREAMIX_TARGET_S
    seconds, papers, failed = timed(everything, args.repeat)
    report("all", everything, seconds, papers, failed)
    big = everything * args.replicate
    seconds, papers, failed = timed(big, 1)
    report(f"x{args.replicate}", big, seconds, papers, failed)

    gc.collect()
    tracemalloc.start()
    parse_all(everything)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    largest = max(len(content) for _, content in everything)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    maxrss_mb = maxrss / 1e6 if sys.platform == "darwin" else maxrss / 1e3  # bytes on macOS, KiB on Linux
    print(f"peak traced memory during one pass: {peak / 1e6:.1f} MB (largest post {largest / 1e6:.2f} MB)")
    print(
        f"max resident set size of the process: {maxrss_mb:.0f} MB "
        f"(the x{args.replicate} corpus repeats the same post objects, so it costs no memory of its own)"
    )
    if kedreamix:
        verdict = "met" if ok else "MISSED"
        print(f"target: {len(kedreamix)} Kedreamix posts in < {KEDREAMIX_TARGET_S} s on one core: {verdict}")
    return 0 if ok else 2


if __name__ == "__main__":
    raise SystemExit(main())
