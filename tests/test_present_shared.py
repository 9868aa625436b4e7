"""Titles and comments of the real posts in ../shared/digests (skipped when absent)."""

from __future__ import annotations

import pytest

from jobs.formats import parse_post
from jobs.models import FormatError
from jobs.present.latex import latex_to_text
from jobs.present.venue import venue_badge
from scripts.venue_coverage import comments, names_a_venue
from tests.conftest import SHARED_DIGESTS

pytestmark = pytest.mark.skipif(not SHARED_DIGESTS.is_dir(), reason=f"no shared digests at {SHARED_DIGESTS}")


def test_most_comments_naming_a_venue_get_a_badge() -> None:
    found = comments(SHARED_DIGESTS)
    named = [c for c in found.values() if names_a_venue(c)]
    assert len(named) > 100
    caught = sum(1 for c in named if venue_badge(c))
    assert caught / len(named) >= 0.9, f"{caught} of {len(named)}"


def test_no_title_keeps_latex_markup() -> None:
    titles = set()
    for path in SHARED_DIGESTS.rglob("*"):
        if path.suffix in (".md", ".jsonl"):
            try:
                titles |= {p.title for p in parse_post(path.read_bytes(), path.name).papers}
            except FormatError:
                continue
    mathy = [t for t in titles if t.count("$") >= 2]
    assert mathy, "the corpus has titles with math"
    for title in mathy:
        shown = latex_to_text(title)
        assert "\\" not in shown and "$" not in shown and "{" not in shown, (title, shown)
