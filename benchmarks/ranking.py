"""Retraining a member's ranking (jobs.plan.personal) at 1,000 feedback rows, and ranking a DM day with it.

The papers are the real ones under ../shared/digests (Kedreamix and daily-arXiv, about 2,300; replicated
with new ids when fewer than needed). A member has rated 1,000 of them (600 👍 or saved, 400 👎); their
day is 300 others. Timed per member, three rounds interleaved, min and median, wall and CPU:
- cold: the papers' terms not yet cached (the first ranking after a start);
- warm: terms cached (every later cycle): TF-IDF, training, scoring and the "why" of the top papers;
- train only: the linear model's weights from the cached TF-IDF matrix (the retraining itself).
Goal (issue 22): retraining <= 50 ms per member at 1,000 feedback rows.

    .venv/bin/python benchmarks/ranking.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._bench import digests, machine, rounds  # noqa: E402
from jobs.formats import parse_post  # noqa: E402
from jobs.models import Paper  # noqa: E402
from jobs.plan import personal as ranking  # noqa: E402

RATED, DAY = 1000, 300


def real_papers(corpus: Path) -> list[Paper]:
    papers: dict[str, Paper] = {}
    for path in sorted(corpus.rglob("*")):
        if path.suffix not in (".md", ".jsonl") or not path.is_file():
            continue
        try:
            parsed = parse_post(path.read_bytes(), str(path))
        except Exception:  # a post in a format the benchmark does not need
            continue
        for p in parsed.papers:
            papers.setdefault(p.arxiv_id, p)
    return list(papers.values())


def main() -> None:
    print(machine())
    corpus = digests()  # ../shared/digests when beside the repository, else generated from samples/
    papers = real_papers(corpus)
    if not papers:
        sys.exit(f"no posts under {corpus}")
    while len(papers) < RATED + DAY:  # more papers than the shared posts hold: copies with new ids
        papers += [replace(p, arxiv_id=f"{p.arxiv_id}c{len(papers)}") for p in papers[: RATED + DAY - len(papers)]]
    rng = random.Random(22)
    rng.shuffle(papers)
    rated_papers, day = papers[:RATED], papers[RATED:RATED + DAY]
    told = {p.arxiv_id: ("up" if n < 500 else "saved" if n < 600 else "down") for n, p in enumerate(rated_papers)}
    print(f"{len(papers)} papers; {RATED} rated, a day of {DAY}")

    def timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        w, c = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - w, time.process_time() - c

    cpu: dict[str, list[float]] = {"cold": [], "warm": [], "train only": []}
    matrix, size = ranking.vectorize([*day, *rated_papers])
    import numpy as np
    labels = np.concatenate([np.zeros(DAY), [1.0 if told[p.arxiv_id] != "down" else -1.0 for p in rated_papers]])

    def cold() -> float:
        ranking._terms.clear()
        wall, c = timed(lambda: ranking.rank(day, told, rated_papers))
        cpu["cold"].append(c)
        return wall

    def warm() -> float:
        ranking.rank(day, told, rated_papers)  # terms cached
        wall, c = timed(lambda: ranking.rank(day, told, rated_papers))
        cpu["warm"].append(c)
        return wall

    def train() -> float:
        wall, c = timed(lambda: ranking.train(matrix, size, labels))
        cpu["train only"].append(c)
        return wall

    times = rounds({"cold": cold, "warm": warm, "train only": train})
    for name, walls in times.items():
        print(f"{name:>10}: wall min {min(walls) * 1000:7.1f} ms  median {statistics.median(walls) * 1000:7.1f} ms"
              f"   CPU min {min(cpu[name]) * 1000:7.1f} ms")
    ranked = ranking.rank(day, told, rated_papers)
    assert ranked is not None
    print(f"explained: {len(ranked.why)} of the top {ranking.EXPLAIN}")


if __name__ == "__main__":
    main()
