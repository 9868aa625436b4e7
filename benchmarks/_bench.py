"""What every benchmark here shares: the machine line, interleaved rounds, the corpus, and the synthetic archive.

The corpus (`digests`): the real digest posts in ../shared/digests when that folder sits beside the repository
(the figures in docs/benchmarks.md come from it), else a corpus generated from the repository's own samples/,
so every benchmark runs from a plain clone. Each benchmark's --smoke runs it at small sizes in seconds
(tests/test_benchmarks.py runs them all, so none rots).

The full Kedreamix archive (263 posts, ~2,261 papers) is not in ../shared/digests (53 posts), so
`kedreamix_archive` replicates those 53 real posts five times into a temporary folder (never into the
repo): copy c moves each post's date folder c years back and every arXiv id yy.mm → (yy+5c).mm, so
no copy shares a date folder or a paper with another, then keeps the first 263 posts by path.
"""

from __future__ import annotations

import atexit
import os
import platform
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "digests"
SAMPLES = ROOT / "samples"
ARCHIVE_POSTS = 263

_ID = re.compile(r"(?<![\d.])(\d{2})(\d{2})\.(\d{5})(?!\d)")
_YEAR = re.compile(r"^(\d{4})(-\d{2}-\d{2})")


def machine() -> str:
    return (f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def kedreamix_archive(src: Path, dest: Path, posts: int = ARCHIVE_POSTS) -> list[Path]:
    """Write the synthetic archive under `dest` (see the module docstring); its post files, sorted."""
    real = sorted(src.glob("*/*.md"))
    out: list[Path] = []
    c = 0
    while len(out) < posts and real:
        for post in real:
            if len(out) == posts:
                break
            folder = _YEAR.sub(lambda m, c=c: f"{int(m[1]) - c}{m[2]}", post.parent.name)
            target = dest / folder / post.name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = post.read_text(encoding="utf-8")
            target.write_text(_ID.sub(lambda m, c=c: f"{int(m[1]) + 5 * c:02d}{m[2]}.{m[3]}", text),
                              encoding="utf-8")
            out.append(target)
        c += 1
    return sorted(out)


def rounds(cases: dict[str, Callable[[], float]], n: int = 3) -> dict[str, list[float]]:
    """Run every case once per round, interleaved (a, b, a, b, …), so that load on a shared machine
    falls on all of them alike. Each case returns its own measured seconds."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(n):
        for name, case in cases.items():
            times[name].append(case())
    return times


def summary(seconds: list[float]) -> str:
    return f"min {min(seconds):7.3f} s  median {statistics.median(seconds):7.3f} s"


def clock() -> float:
    return time.perf_counter()


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall s, CPU s of this process) of one call: on a shared machine wall time grows with the load,
    CPU time hardly does, so each benchmark prints both."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def digests(given: Path | None = None, *, copies: int = 8) -> Path:
    """The digests folder to read (kedreamix/<date>/<topic>.md, daily-arxiv/<date>_AI_enhanced_*.jsonl), and
    a line saying which: `given` when named; else ../shared/digests when it is beside the repository; else one
    generated in a temporary folder (removed at exit) from samples/, `copies` copies of each sample post, each
    copy with its own dates and arXiv ids (as `kedreamix_archive` makes them)."""
    if given is not None:
        print(f"corpus: {given}")
        return given
    if SHARED.is_dir():
        print(f"corpus: {SHARED} (the real digests)")
        return SHARED
    out = Path(tempfile.mkdtemp(prefix="paperboy-bench-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    kedreamix = kedreamix_archive(SAMPLES / "kedreamix", out / "kedreamix",
                                  posts=copies * len(list((SAMPLES / "kedreamix").glob("*/*.md"))))
    days = 0
    for c in range(copies):
        for day in sorted((SAMPLES / "daily-arxiv").glob("*.jsonl")):
            name = _YEAR.sub(lambda m, c=c: f"{int(m[1]) - c}{m[2]}", day.name)
            text = _ID.sub(lambda m, c=c: f"{int(m[1]) + 5 * c:02d}{m[2]}.{m[3]}", day.read_text(encoding="utf-8"))
            (out / "daily-arxiv").mkdir(exist_ok=True)
            (out / "daily-arxiv" / name).write_text(text, encoding="utf-8")
            days += 1
    print(f"corpus: generated from samples/ ({len(kedreamix)} Kedreamix posts, {days} daily-arXiv days: small). "
          f"A larger real corpus gives the figures in docs/benchmarks.md: put the digests in {SHARED} or pass "
          "its path")
    return out
