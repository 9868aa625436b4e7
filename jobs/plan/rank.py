"""Which papers a feed shows when a day has more than its cap."""

from __future__ import annotations

from collections.abc import Sequence

from jobs.matching import contains_keyword, fold, paper_text
from jobs.models import Paper
from jobs.present.venue import venue_badge


def _folded(keywords: Sequence[str]) -> list[str]:
    return [k for k in (" ".join(fold(w).split()) for w in keywords) if k]


def keyword_rank(paper: Paper, folded_keywords: Sequence[str]) -> int:
    """2 when a keyword is in the title, 1 when only elsewhere (abstract, summary, takeaways), else 0.
    A keyword feed only receives matching papers, so the title is what separates them."""
    if not folded_keywords:
        return 0
    title = " ".join(fold(paper.title).split())
    if any(contains_keyword(title, k) for k in folded_keywords):
        return 2
    text = paper_text(paper)
    return 1 if any(contains_keyword(text, k) for k in folded_keywords) else 0


def rank_day(papers: Sequence[Paper], keywords: Sequence[str] = ()) -> list[int]:
    """The indexes of a day's `papers` best first (the order rank_for_cap gives), for a digest's pages."""
    order = rank_for_cap(papers, keywords)
    where = {id(p): i for i, p in enumerate(papers)}
    return [where[id(p)] for p in order]


def rank_for_cap(papers: Sequence[Paper], keywords: Sequence[str] = ()) -> list[Paper]:
    """`papers` best first for a feed with `keywords`: keyword matches (title before elsewhere), then
    papers with code, then papers whose comment names a venue; ties keep their order in the post."""
    folded = _folded(keywords)

    def key(paper: Paper) -> tuple[int, int, int]:
        return (
            -keyword_rank(paper, folded),
            0 if paper.links.get("code") else 1,
            0 if venue_badge(paper.comment) else 1,
        )

    return sorted(papers, key=key)  # sorted() is stable: equal keys keep the post's order
