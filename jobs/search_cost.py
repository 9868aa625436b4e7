"""The cost model of ranked search: which plan `jobs.store.search` runs for a query, with no SQL.

bm25 costs 1-4 µs a candidate, so a query matching more papers than the cap is ranked among about
the cap's number of its newest matches (by paper id, i.e. ingest order); the total stays exact.
Filters are applied during the FTS scan: a probe of the (paper_id, post_date, topic) index per
match or, when the filter selects fewer appearances than there are matches, a lookup in the set of
papers it selects (built once; its id range also bounds the scan). See benchmarks/search_latency.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

RANK_CAP = 2_000  # default number of newest matches ranked when there are more
TIE_SLACK = 16  # rows fetched past the page, so a tie across its end is usually settled in one pass


def cap(rank_cap: int, want: int) -> int:
    """The candidates ranked at most, never fewer than the rows a page needs."""
    return max(rank_cap, want + 1)


@dataclass(frozen=True, slots=True)
class FilterLimits:
    set_limit: int  # fewer selected appearances than this: build the set of filtered papers
    one_pass: int  # expected filtered matches up to this: rank them all in one pass



def filter_limits(matches: int, ranked_cap: int) -> FilterLimits:
    """Probe the appearance index for each match, or build the set of filtered papers once and
    look the matches up in it, whichever touches fewer rows. Counting the filtered appearances
    decides, up to the larger of two limits:
    - fewer than 4/5 of the matches: build the set (its id range then bounds the scan);
    - expected filtered matches (were matches and filter independent) at most cap + 1/4 of the
      matches: rank them all in one pass (bm25 for them costs less than a pass to count first)."""
    return FilterLimits(set_limit=matches * 4 // 5 + 1, one_pass=ranked_cap + matches // 4)


def rank_all_filtered(limits: FilterLimits, selected: int, appearances: int, matches: int) -> bool:
    """Whether the filtered matches are few enough to rank them all without counting them first."""
    return selected < limits.one_pass * appearances // matches + 1


def floor(lo: int, hi: int, ranked_cap: int, total: int) -> int | None:
    """The lowest paper id to rank, placed to hold about `ranked_cap` candidates if they are spread
    evenly over [lo, hi]; None to rank them all."""
    if total <= ranked_cap:
        return None
    return hi - (hi - lo + 1) * ranked_cap // total


def widen(lo: int, hi: int, current: int) -> int:
    """Too few candidates above the floor for the page: a window four times as wide."""
    return max(lo, hi - 4 * (hi - current + 1))


def order(rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """(id, bm25, date) rows by rank ascending (bm25: lower is better), then newer date, then newer id."""
    out = sorted(rows, key=lambda r: r[0], reverse=True)
    out.sort(key=lambda r: r[2] or "", reverse=True)
    out.sort(key=lambda r: r[1])
    return out
