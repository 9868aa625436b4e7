"""The fold (jobs.fold) on real paper text: what a keyword or subscription is matched against
(`jobs.matching.paper_text`, once per new paper per cycle) and the position-keeping fold search
snippets use, against the implementations they replaced (inlined below as the baseline).

Reads every post under ../shared/digests (or --corpus; else a corpus generated from samples/). Product and
baseline interleaved, three rounds, min and median; the machine is printed. Also checks both give the same text.

    .venv/bin/python benchmarks/fold_speed.py
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sqlite3
import statistics
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests, timed  # noqa: E402

from jobs.fold import fold_with_index  # noqa: E402
from jobs.formats import parse_post  # noqa: E402
from jobs.matching import paper_text  # noqa: E402
from jobs.models import FormatError, Paper  # noqa: E402

# ---- the baseline: jobs.matching.fold and jobs.search._fold before the fold had one home


def old_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def old_paper_text(paper: Paper) -> str:
    return " ".join(old_fold("\n".join([paper.title, paper.abstract, paper.summary, *paper.takeaways])).split())


def old_fold_char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_OLD_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def old_fold_with_index(text: str) -> tuple[str, list[int] | None]:
    if text.isascii():
        return text.lower(), None
    decomposed = unicodedata.normalize("NFKD", text)
    if len(decomposed) == len(text) and not _OLD_COMBINING.search(decomposed):
        lowered = decomposed.lower()
        if len(lowered) == len(text):
            return lowered, None
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        f = old_fold_char(ch)
        out.append(f)
        index.extend([i] * len(f))
    return "".join(out), index


def papers_of(corpus: Path) -> list[Paper]:
    papers: list[Paper] = []
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix in (".md", ".jsonl"):
            try:
                papers += parse_post(path.read_bytes(), path.relative_to(corpus).as_posix()).papers
            except FormatError:
                continue
    return papers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    ap.add_argument("--smoke", action="store_true", help="one round: seconds, for the tests")
    args = ap.parse_args()
    args.corpus = digests(args.corpus)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 1
    papers = papers_of(args.corpus)
    fields = [t for p in papers for t in (p.abstract, p.summary, " · ".join(p.takeaways)) if t]
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"corpus: {len(papers)} papers, {len(fields)} fields, {sum(map(len, fields)):,} characters")
    assert [paper_text(p) for p in papers] == [old_paper_text(p) for p in papers]
    fold_with_index("é")  # build the lazily made mark class outside the timing
    cases: dict[str, Callable[[], object]] = {
        "paper_text  baseline": lambda: [old_paper_text(p) for p in papers],
        "paper_text  jobs.fold": lambda: [paper_text(p) for p in papers],
        "snippet fold baseline": lambda: [old_fold_with_index(t) for t in fields],
        "snippet fold jobs.fold": lambda: [fold_with_index(t) for t in fields],
        "floor: casefold": lambda: [t.casefold() for t in fields],  # one pass in C over the same text
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(1 if args.smoke else 3):
        for name, fn in cases.items():
            runs[name].append(timed(fn))
    floor = min(c for _, c in runs["floor: casefold"])
    for name, times in runs.items():
        walls, cpus = [w for w, _ in times], [c for _, c in times]
        print(f"{name:24s} wall min {min(walls) * 1000:7.1f} ms  median {statistics.median(walls) * 1000:7.1f} ms"
              f"   CPU min {min(cpus) * 1000:7.1f} ms  {min(cpus) / floor:6.1f}x the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
