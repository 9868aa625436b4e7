"""Title and comment helpers stay linear in their input: jobs.present.latex.latex_to_text and
jobs.present.venue.venue_badge on growing hostile inputs, beside a floor (one `str.count` pass over
the same text, the least any reader of it pays).

For each input kind and size (10k, 100k, 1M characters) it prints min and median over three rounds,
product and floor interleaved, and the product's time per 1,000 characters: flat across sizes means
linear. venue_badge reads only a comment's first 2,000 characters, so its rows stay flat by design.

    .venv/bin/python benchmarks/present_text.py
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobs.present.latex import latex_to_text
from jobs.present.venue import venue_badge

SIZES = (10_000, 100_000, 1_000_000)
ROUNDS = 3


def inputs(n: int) -> dict[str, str]:
    return {
        "latex: nested braces": "$" + "{" * (n // 2) + "}" * (n // 2) + "$",
        "latex: many spans": "$E^{3}$Gen " * (n // 11),
        "latex: dollars": "$" * n,
        "latex: carets": "$" + "^" * n + "$",
        "latex: one long command": "$\\" + "a" * n + "$",
        "latex: title text": "Fast Gaussian Splatting for Avatars " * (n // 36),
        "venue: acronyms": "ECCV CVPR ICCV " * (n // 15),
        "venue: years": "2024 " * (n // 5),
    }


def timed(fn: Callable[[str], object], text: str) -> tuple[float, float]:
    """(wall s, CPU s) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(text)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="the smallest size, one round: for the tests")
    smoke = ap.parse_args().smoke
    sizes, rounds = (SIZES[:1], 1) if smoke else (SIZES, ROUNDS)
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"{'input':<26}{'chars':>10}{'min ms':>10}{'median ms':>11}{'CPU min ms':>12}{'floor min ms':>14}"
          f"{'µs/1k chars':>13}")
    for n in sizes:
        for name, text in inputs(n).items():
            fn = latex_to_text if name.startswith("latex") else venue_badge
            product, floor = [], []
            for _ in range(rounds):
                product.append(timed(fn, text))
                floor.append(timed(lambda s: s.count("$"), text))
            walls, cpus = [w for w, _ in product], [c for _, c in product]
            per_k = min(walls) / len(text) * 1e9
            print(f"{name:<26}{len(text):>10,}{min(walls) * 1e3:>10.2f}{statistics.median(walls) * 1e3:>11.2f}"
                  f"{min(cpus) * 1e3:>12.2f}{min(w for w, _ in floor) * 1e3:>14.3f}{per_k:>13.2f}")


if __name__ == "__main__":
    main()
