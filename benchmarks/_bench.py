"""What every benchmark here shares: the machine line, interleaved rounds, and the synthetic archive.

The full Kedreamix archive (263 posts, ~2,261 papers) is not in ../shared/digests (53 posts), so
`kedreamix_archive` replicates those 53 real posts five times into a temporary folder (never into the
repo): copy c moves each post's date folder c years back and every arXiv id yy.mm → (yy+5c).mm, so
no copy shares a date folder or a paper with another, then keeps the first 263 posts by path.
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "digests"
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
