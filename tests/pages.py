"""What a member sees of a list of searches, to compare two stores (or one store before and after) with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobs.find import run_search


async def result_pages(store: Any, queries: Sequence[tuple[str, dict[str, str]]], offsets: Sequence[int],
                       limit: int, *, dates: bool = False) -> list[object]:
    """(query, offset, total, [(arXiv id, score[, date])]) of each query at each offset."""
    got: list[object] = []
    for text, filters in queries:
        for offset in offsets:
            page = await run_search(store, text, limit=limit, offset=offset, **filters)  # type: ignore[arg-type]
            got.append((text, offset, page.total, [(r.paper.arxiv_id, r.score, *([r.paper.date] if dates else []))
                                                   for r in page.results]))
    return got
