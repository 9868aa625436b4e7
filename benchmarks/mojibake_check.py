"""The GBK mojibake check on every post: with its cheap pre-check (the product, `repair_gbk_mojibake`) against
the full test alone (the baseline: what `repair_gbk_mojibake` did before the pre-check), interleaved rounds.

Both run over every Kedreamix post of the corpus as `decode_post` hands it over (clean), and over the same
posts made mojibake (their UTF-8 bytes decoded as GBK, errors replaced, as tests/test_kedreamix_fidelity.py
makes them). The repairs must be identical, post by post, or the run fails. Wall and CPU time, min and median.

    .venv/bin/python benchmarks/mojibake_check.py [--corpus PATH] [--rounds 3] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _bench import digests, machine, summary  # noqa: E402

from jobs import text as jtext  # noqa: E402


def baseline(text: str) -> tuple[str, bool]:
    """repair_gbk_mojibake as it was: the full test on every non-ASCII post."""
    if text.isascii() or not jtext._looks_gbk_mojibake(text):
        return text, False
    return jtext._gbk_redecode_all(text, mark_lost=True)


def product(text: str) -> tuple[str, bool]:
    return jtext.repair_gbk_mojibake(text, mark_lost=True)


def timed(fn, posts: list[str]) -> tuple[float, float, list[tuple[str, bool]]]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = [fn(p) for p in posts]
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="a digests folder (default: ../shared/digests, else generated)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one round: seconds, for the tests")
    args = parser.parse_args()
    rounds = 1 if args.smoke else args.rounds
    print(machine())
    corpus = digests(args.corpus)
    from jobs.formats import decode_post

    clean = [decode_post(p.read_bytes())[0] for p in sorted(corpus.glob("kedreamix/*/*.md"))]
    damaged = [t.encode("utf-8").decode("gbk", errors="replace") for t in clean]
    chars = sum(map(len, clean))
    print(f"{len(clean)} Kedreamix posts, {chars / 1e6:.2f} M characters; {rounds} interleaved rounds")
    same = True
    for label, posts in (("clean", clean), ("mojibake", damaged)):
        times: dict[str, list[tuple[float, float]]] = {"baseline": [], "product": []}
        outs: dict[str, list[tuple[str, bool]]] = {}
        for _ in range(rounds):
            for name, fn in (("baseline", baseline), ("product", product)):
                wall, cpu, outs[name] = timed(fn, posts)
                times[name].append((wall, cpu))
        same = same and outs["baseline"] == outs["product"]
        repaired = sum(1 for t, o in zip(posts, outs["product"], strict=True) if o[0] != t)
        for name, ts in times.items():
            print(f"  {label:<9} {name:<9} wall {summary([w for w, _ in ts])}   cpu min {min(c for _, c in ts):7.3f} s"
                  f"   ({repaired} of {len(posts)} repaired)")
    print(f"repairs identical post by post: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
