"""How many arXiv comments in a folder of digest posts name a venue, and how many venue_badge catches.

    python scripts/venue_coverage.py [/work/shared/digests] [--misses]

"Names a venue" is judged generously by a separate rule (an acceptance word, or an all-caps acronym
with a year) so that misses show up; a comment that only says it was submitted is not counted.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from jobs.formats import parse_post
from jobs.models import FormatError
from jobs.present.venue import venue_badge

_NAMES_VENUE = re.compile(
    r"accepted|published|to appear|camera[- ]ready|proceedings|conference|journal|transactions"
    r"|\b[A-Z][A-Za-z]*[A-Z]{2,}[A-Za-z]*['’\- ]?(?:19|20)?\d\d\b",
)
_NOT_YET = re.compile(r"submitted|under review|in submission", re.I)


def names_a_venue(comment: str) -> bool:
    """The generous, independent rule: a venue-like mention not only submitted."""
    return bool(_NAMES_VENUE.search(comment)) and not (
        _NOT_YET.search(comment) and not re.search(r"accept", comment, re.I))


def comments(root: Path) -> dict[str, str]:
    """arXiv id -> comment, over every post under `root`."""
    out: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".md", ".jsonl")):
        try:
            post = parse_post(path.read_bytes(), str(path.relative_to(root)))
        except FormatError:
            continue
        for paper in post.papers:
            if paper.comment:
                out.setdefault(paper.arxiv_id, paper.comment)
    return out


def main(argv: list[str]) -> int:
    root = Path(next((a for a in argv if not a.startswith("--")), "/work/shared/digests"))
    if not root.is_dir():
        print(f"{root}: no such folder")
        return 2
    found = comments(root)
    named = {k: c for k, c in found.items() if names_a_venue(c)}
    caught = {k: venue_badge(c) for k, c in named.items()}
    hits = sum(1 for b in caught.values() if b)
    extra = sum(1 for k, c in found.items() if k not in named and venue_badge(c))
    print(f"{len(found)} papers with a comment; {len(named)} name a venue (generous rule); "
          f"badge for {hits} of them ({hits / max(1, len(named)):.0%}); {extra} badges outside that set")
    if "--misses" in argv:
        for k, c in sorted(named.items()):
            print(f"{'  ' if caught[k] else 'X '}{caught[k] or '':<22} {c[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
