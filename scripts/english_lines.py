"""How often the English line of a real Kedreamix paper opens with background, and what it shows.

Reads the posts in ../shared/digests/kedreamix (or the folder given), takes each paper once, and prints
the share whose English line (jobs.present.summary.english_one_liner) opens like background ("Recent…",
"With the…", "Despite…") beside the share whose abstract's first sentence does (the line before the
contribution sentence), and how many papers get English takeaways.

    .venv/bin/python scripts/english_lines.py [--show N] [DIGESTS_DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobs.formats import parse_post
from jobs.models import Paper
from jobs.present.summary import english_one_liner, english_sentences, english_takeaways

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "digests" / "kedreamix"
# Openers of a sentence that sets the scene instead of saying what the paper does.
BACKGROUND = re.compile(
    r"^(?:Recent(?:ly)?|With the|In recent years|Despite|Existing|Current(?:ly)?|Although|While|Over the past|"
    r"The (?:recent|rapid|increasing|growing|success|emergence|advent)|Due to|As\b|Traditional|Previous|Prior)\b"
)


def papers(folder: Path) -> list[Paper]:
    seen: dict[str, Paper] = {}
    for path in sorted(folder.glob("*/*.md")):
        for paper in parse_post(path.read_bytes(), path.name, "kedreamix").papers:
            if paper.abstract.strip():
                seen.setdefault(paper.arxiv_id, paper)
    return list(seen.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show", type=int, default=0, help="print N papers whose line still opens with background")
    args = parser.parse_args()
    if not args.folder.is_dir():
        print(f"no posts at {args.folder}", file=sys.stderr)
        return 1
    found = papers(args.folder)
    before = [p for p in found if BACKGROUND.match(english_sentences(p.abstract)[0])]
    after = [p for p in found if BACKGROUND.match(english_one_liner(p.abstract))]
    moved = sum(not english_one_liner(p.abstract).startswith(english_sentences(p.abstract)[0][:40]) for p in found)
    talking = [p for p in found if p.topic == "Talking Head Generation"]
    talking_before = sum(1 for p in talking if BACKGROUND.match(english_sentences(p.abstract)[0]))
    talking_after = sum(1 for p in talking if BACKGROUND.match(english_one_liner(p.abstract)))
    with_takeaways = [len(english_takeaways(p.abstract)) for p in found]
    n = len(found)
    print(f"{n} Kedreamix papers with an abstract")
    print(f"English line opens with background: before {len(before)} ({len(before) / n:.1%}), "
          f"after {len(after)} ({len(after) / n:.1%})")
    print(f"English line is not the first sentence: {moved} ({moved / n:.1%})")
    print(f"Talking Head Generation: {len(talking)} papers, background before {talking_before}, "
          f"after {talking_after}")
    print(f"English takeaways: {sum(1 for k in with_takeaways if k)} papers have some "
          f"({sum(1 for k in with_takeaways if k) / n:.1%}), {sum(with_takeaways) / n:.2f} a paper on average")
    for paper in after[: args.show]:
        print(f"\n{paper.arxiv_id}: {english_one_liner(paper.abstract)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
