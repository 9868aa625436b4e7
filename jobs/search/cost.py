"""The cost model of ranked search: which plan `jobs.store.search` runs for a query, with no SQL.

Every match is ranked by bm25 (no cap: the page is exactly what full ranking gives). bm25 is most
of a search's cost, about 1 µs a match; the count of matches is a cheap pass of its own (no bm25).
Filters are applied during the FTS scan, before bm25: a probe of the (paper_id, post_date, topic)
index per match or, when the filter selects fewer appearances than there are matches, a lookup in
the set of papers it selects (built once; its id range also bounds the scan). See
benchmarks/search_latency.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TIE_SLACK = 16  # rows fetched past the page, so a tie across its end is usually settled in one pass


def set_limit(matches: int) -> int:
    """Build the set of filtered papers when the filter selects fewer appearances than this (it
    then costs less than probing the appearance index once per match)."""
    return matches * 4 // 5 + 1


def order(rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """(id, bm25, date) rows by rank ascending (bm25: lower is better), then newer date, then newer id."""
    out = sorted(rows, key=lambda r: r[0], reverse=True)
    out.sort(key=lambda r: r[2] or "", reverse=True)
    out.sort(key=lambda r: r[1])
    return out
