"""What `python -m bot parse` costs as a whole process: wall time and peak resident memory.

Runs, interleaved, for --rounds rounds (default 3), each as a fresh subprocess over every Kedreamix post
under the corpus folder (default: the kedreamix folder of _bench.digests(): ../shared/digests, else
a corpus generated from samples/), output discarded:

  product     `python -m bot parse POSTS` from this checkout;
  +discord    the same after importing discord.py and aiohttp first: what parse paid while
              bot/__init__.py imported the app (the baseline this change removed);
  before      optional (--before PATH): `python -m bot parse POSTS` from another checkout, e.g. main;
  floor       `python -c pass`: the interpreter alone.

Prints min and median wall and CPU time (user + system), CPU against the floor's, and peak RSS (from the
child's own rusage) for each, and the machine.

    .venv/bin/python benchmarks/cli_startup.py [--corpus PATH] [--rounds 3] [--before /work/main] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests  # noqa: E402

PRELOAD = """\
import runpy, sys
import discord, aiohttp
sys.argv = ["bot", *sys.argv[1:]]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


def measure(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MiB, CPU seconds) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} … exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # RSS in KiB on Linux


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, help="a folder of Kedreamix posts (default: see above)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", type=Path, help="another checkout to time the same command in")
    ap.add_argument("--smoke", action="store_true", help="one round: seconds, for the tests")
    args = ap.parse_args()
    if args.smoke:
        args.rounds = 1
    if args.corpus is None:
        args.corpus = digests() / "kedreamix"
    posts = [str(p) for p in sorted(args.corpus.rglob("*.md"))]
    if not posts:
        print(f"no posts under {args.corpus}", file=sys.stderr)
        return 1
    py = sys.executable
    runs: dict[str, tuple[list[str], Path]] = {
        "product": ([py, "-m", "bot", "parse", *posts], ROOT),
        "+discord": ([py, "-c", PRELOAD, "parse", *posts], ROOT),
        "floor": ([py, "-c", "pass"], ROOT),
    }
    if args.before is not None:
        runs["before"] = ([py, "-m", "bot", "parse", *posts], args.before.resolve())
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    print(f"corpus: {len(posts)} posts under {args.corpus}; {args.rounds} rounds, interleaved\n")
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runs}
    for argv, cwd in runs.values():  # warm the file cache once
        measure(argv, cwd)
    for _ in range(args.rounds):
        for name, (argv, cwd) in runs.items():
            results[name].append(measure(argv, cwd))
    floor_cpu = min(c for _, _, c in results["floor"])
    print(f"{'':10} {'wall min':>9} {'wall med':>9} {'CPU min':>9} {'CPU med':>9} {'CPU/floor':>9} "
          f"{'RSS min':>9} {'RSS med':>9}")
    for name, rows in results.items():
        walls, rss, cpus = [w for w, _, _ in rows], [r for _, r, _ in rows], [c for _, _, c in rows]
        print(f"{name:10} {min(walls):8.3f}s {statistics.median(walls):8.3f}s {min(cpus):8.3f}s "
              f"{statistics.median(cpus):8.3f}s {min(cpus) / floor_cpu:8.1f}x "
              f"{min(rss):7.1f}MB {statistics.median(rss):7.1f}MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
