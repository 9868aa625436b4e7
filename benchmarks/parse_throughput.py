"""Parse speed: `python -m bot parse --json` over the Kedreamix archive as a whole process, then the
format adapters in-process over every post under ../shared/digests and that corpus replicated in memory.

Whole process: the archive (263 posts, synthetic: see benchmarks/_bench.py) parsed by
`python -m bot parse --json` (output to /dev/null), against a plain read of the same files by the same
Python (`python -c` that reads each file and writes its bytes out) and a text read (each file decoded as
UTF-8, then written: the floor of any parser of text), three rounds interleaved; wall
time min and median, CPU time of the child (a busy machine inflates wall time, not CPU time), papers/s,
and parse / read. Targets: >= 4,000 papers/s and <= 8x the read.

Reads every Kedreamix post (kedreamix/<date>/<Topic>.md) and daily-arXiv file (daily-arxiv/*.jsonl,
daily-arxiv/*.md) under the corpus folder as bytes, then times `jobs.formats.parse_post` (decoding,
text repair, format detection, parsing, deduplication — everything an ingest pays for) on

  kedreamix   the Kedreamix posts (best of --repeat runs); target: the 53 shared posts in < 0.5 s;
  all         every post, both formats (best of --repeat runs);
  xN          every post replicated N times in memory (--replicate, default 20), one run;

and prints posts, papers, MB, wall time, papers/s and MB/s for each, then the peak memory: traced
Python allocations (tracemalloc) during one pass over every post, and the process's maximum resident
set size. Pinned to one CPU core where the OS allows it.

    .venv/bin/python benchmarks/parse_throughput.py [--corpus PATH] [--replicate 20] [--repeat 5] [--smoke]

The corpus: --corpus, else ../shared/digests beside the repository, else one generated from samples/ (small:
its figures are not the README's). --smoke: one run of each, a 20-post archive; the targets are printed, not
enforced.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests, kedreamix_archive, machine  # noqa: E402

from jobs.formats import parse_post  # noqa: E402
from jobs.models import FormatError  # noqa: E402

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


PLAIN_READ = "import sys\nout = sys.stdout.buffer\nfor name in sys.argv[1:]:\n    out.write(open(name, 'rb').read())"
# The floor a parser of text cannot go under: each file read and decoded as UTF-8, then written.
TEXT_READ = ("import sys\nout = sys.stdout\nfor name in sys.argv[1:]:\n"
             "    out.write(open(name, encoding='utf-8').read())")
PAPERS_PER_S_TARGET, READ_RATIO_TARGET = 4000, 8.0


def child(args: list[str]) -> tuple[float, float, bytes]:
    """(wall s, CPU s, stdout) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, out


def whole_process(kedreamix: Path, rounds: int, posts: int | None = None) -> bool:
    with tempfile.TemporaryDirectory(prefix="paperboy-parse-") as tmp:
        posts = [str(p) for p in kedreamix_archive(kedreamix, Path(tmp), **({"posts": posts} if posts else {}))]
        size = sum(Path(p).stat().st_size for p in posts) / 1e6
        cases = {"parse": [sys.executable, "-m", "bot", "parse", "--json", *posts],
                 "read": [sys.executable, "-c", PLAIN_READ, *posts],
                 "text": [sys.executable, "-c", TEXT_READ, *posts]}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        papers = 0
        for _ in range(rounds):
            for name, args in cases.items():
                wall, cpu, out = child(args)
                times[name].append((wall, cpu))
                if name == "parse":
                    papers = out.count(b"\n")
    print(f"whole process: {len(posts)} Kedreamix posts ({size:.1f} MB), {papers:,} papers, {rounds} rounds")
    for name, ts in times.items():
        walls = [w for w, _ in ts]
        print(f"  {name:<6} wall min {min(walls):6.3f} s  median {statistics.median(walls):6.3f} s   "
              f"cpu min {min(c for _, c in ts):6.3f} s" + (f"   {papers / min(walls):7,.0f} papers/s (cpu: "
                                                              f"{papers / min(c for _, c in ts):,.0f})"
                                                              if name == "parse" else ""))
    best = {name: min(w for w, _ in ts) for name, ts in times.items()}
    cpu = {name: min(c for _, c in ts) for name, ts in times.items()}
    ratio = best["parse"] / best["read"]
    rate = papers / best["parse"]
    ok = rate >= PAPERS_PER_S_TARGET and ratio <= READ_RATIO_TARGET
    print(f"  parse / read {ratio:.1f}x wall, {cpu['parse'] / cpu['read']:.1f}x cpu; parse / text read "
          f"{best['parse'] / best['text']:.1f}x wall, {cpu['parse'] / cpu['text']:.1f}x cpu")
    print(f"  target >= {PAPERS_PER_S_TARGET:,} papers/s and <= {READ_RATIO_TARGET:g}x the read: "
          f"{'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    parser.add_argument("--replicate", type=int, default=20, help="copies of the corpus in the large run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (the best is reported)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the whole-process timing")
    parser.add_argument("--smoke", action="store_true", help="one run of each: seconds, for the tests")
    args = parser.parse_args()
    if args.smoke:
        args.replicate, args.repeat, args.rounds = 2, 1, 1
    args.corpus = digests(args.corpus)
    print(machine())
    whole_ok = whole_process(args.corpus / "kedreamix", args.rounds, posts=20 if args.smoke else None)

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
    return 0 if (ok and whole_ok) or args.smoke else 2  # a smoke run checks that it runs, not the targets


if __name__ == "__main__":
    raise SystemExit(main())
