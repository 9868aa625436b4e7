"""A search run over the store: the query checked, the store asked, snippets attached.

The one part of search that needs the store, so it sits above both `jobs.search` and `jobs.store`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from jobs.foreground import foreground
from jobs.models import Paper
from jobs.ops.metrics import record_search
from jobs.search.query import MAX_LIMIT, QueryError, SearchQuery, build_query, check_date_range, resolve_topic
from jobs.search.snippet import snippet
from jobs.store.areas import PapersArea, SearchArea


class FindStore(SearchArea, PapersArea, Protocol):
    """The store areas a search uses: search, and the papers an id lookup reads."""


@dataclass(slots=True)
class SearchResult:
    paper: Paper  # with the topic and date of its latest appearance that matched the filters
    score: float  # higher is better (negated bm25); 0 for an id lookup
    snippet: str


@dataclass(slots=True)
class SearchPage:
    query: SearchQuery
    results: list[SearchResult]
    total: int
    offset: int
    limit: int
    topic: str | None = None
    after: str | None = None
    before: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.results) < self.total



async def run_search(
    store: FindStore,
    text: str,
    *,
    topic: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = 10,
    offset: int = 0,
    width: int = 160,
) -> SearchPage:
    """Check every input (QueryError on bad input), search, and attach snippets. Background work in this
    process (an ingest) steps aside while it runs (`jobs.foreground`)."""
    with foreground():
        return await _run_search(store, text, topic=topic, after=after, before=before, limit=limit,
                                 offset=offset, width=width)


async def _run_search(store: FindStore, text: str, *, topic: str | None, after: str | None, before: str | None,
                      limit: int, offset: int, width: int) -> SearchPage:
    started = time.perf_counter()
    query = build_query(text)
    after, before = check_date_range(after, before)
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit: use 1 to {MAX_LIMIT}")
    if offset < 0:
        raise QueryError("offset: use 0 or more")
    if topic is not None:
        topic = resolve_topic(topic, await store.known_topics())
    hits, total = await store.search(
        query.match, arxiv_id=query.arxiv_id, topic=topic, after=after, before=before,
        limit=limit, offset=offset, words=query.words,
    )
    results = [SearchResult(h.paper, -h.rank if h.rank else 0.0, snippet(h.paper, query.terms, width))
               for h in hits]
    notes = [f"ignored: {', '.join(query.ignored)}"] if query.ignored else []
    record_search(time.perf_counter() - started)  # /metrics (jobs/ops/metrics.py), when it is installed
    return SearchPage(query, results, total, offset, limit, topic, after, before, notes)


async def filters_that_empty(store: SearchArea, page: SearchPage) -> tuple[int, list[str]]:
    """For a page with no results past its start: (how many papers match the words with no filter, the
    filters among topic/after/before that alone leave none), so "no results" can name what emptied it."""
    unfiltered = await store.search(page.query.match, arxiv_id=page.query.arxiv_id, topic=None, after=None,
                                    before=None, limit=1, offset=0, words=page.query.words)
    emptied: list[str] = []
    if unfiltered[1]:
        for name, value in (("topic", page.topic), ("after", page.after), ("before", page.before)):
            if value is None:
                continue
            alone: dict[str, str | None] = {"topic": None, "after": None, "before": None, name: value}
            _, total = await store.search(page.query.match, arxiv_id=page.query.arxiv_id, limit=1, offset=0,
                                          words=page.query.words, **alone)
            if not total:
                emptied.append(name)
    return unfiltered[1], emptied
