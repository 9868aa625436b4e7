"""Learned phrases (jobs/store/learned_phrases.py): a phrase of several tokens that a search met is counted in
every paper after that search, and the next search for it is ranked by the ranking index, with FTS5's page,
scores and total; through ingests of new papers, papers indexed again with other text, folding of parts,
eviction, a rebuild of the index, and a read-only open (which never learns). Real SQLite files; and
PostgreSQL, which learns them too (from its tsvectors), with the same pages as SQLite at every step."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from jobs.find import run_search
from jobs.models import Paper
from jobs.search.query import build_query
from jobs.store import Store, learned_phrases
from jobs.store._connection import run_sync
from jobs.store.search import Filters, _appearance_filters
from jobs.store.text_index import rebuild_rank_index
from tests.engines import fresh_database, open_store
from tests.pages import result_pages
from tests.test_search import add_post
from tests.test_search_pairs import COMMON, RARE, fill, make_paper

PHRASES: list[tuple[str, dict[str, str]]] = [
    ('"alpha bravo charlie"', {}), ('"charlie delta echo" foxtrot', {}), ("高斯泼溅", {}), ("辐射场实时", {}),
    ('"alpha golf"', {}), ('"bravo alpha bravo"', {"topic": "Y"}), ('"delta echo foxtrot"', {"after": "2024-02-06"}),
    ('"golf hotel india"', {}), ('"alpha golf" "delta echo"', {}), ('delta "alpha bravo charlie" echo', {}),
]

# Queries of words and phrases of three tokens or more only: on PostgreSQL, once learned, no tsvector is read.
LEARNED_ONLY = {'"alpha bravo charlie"', '"charlie delta echo" foxtrot', '"bravo alpha bravo"', '"delta echo foxtrot"',
                '"golf hotel india"', 'delta "alpha bravo charlie" echo'}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await Store.open(tmp_path / "paperboy.db") as opened:
        yield opened


async def by_fts5(store: Store, match: str, filters: dict[str, str], offset: int
                  ) -> tuple[list[tuple[int, float]], int]:
    sql, params = _appearance_filters(filters.get("topic"), filters.get("after"), filters.get("before"))
    params.update(arxiv_id=None, off=offset, lim=10)
    return await store._ranked(match, sql, params, offset, 10)


async def by_index(store: Store, match: str, filters: dict[str, str], offset: int
                   ) -> tuple[list[tuple[int, float]], int] | None:
    return await store._rank_phrases(match, Filters(filters.get("topic"), filters.get("after"), filters.get("before")),
                                     offset, 10)


async def learnt(store: Store) -> None:
    """Wait for the phrases being learned (each is one transaction after the search that asked)."""
    await asyncio.gather(*(store._learning or {}).values())


async def same_as_fts5(store: Store) -> int:
    """Every phrase query ranked by the index equals FTS5's page and total; how many there were."""
    served = 0
    for text, filters in PHRASES:
        match = build_query(text).match
        assert match is not None
        for offset in (0, 4):
            found = await by_index(store, match, filters, offset)
            if found is not None:
                assert found == await by_fts5(store, match, filters, offset), (text, filters, offset)
                served += 1
    return served


async def test_a_phrase_searched_once_is_ranked_by_the_index_after_with_fts5s_page(store: Store) -> None:
    await fill(store)
    match = build_query('"alpha bravo charlie"').match
    assert match is not None
    assert await by_index(store, match, {}, 0) is None  # not learned: FTS5 ranks it, and it is learned after
    before = await run_search(store, '"alpha bravo charlie"', limit=10)
    await learnt(store)
    assert await store._all("SELECT phrase FROM rank_phrases") == [("alpha bravo charlie",)]
    assert await by_index(store, match, {}, 0) == await by_fts5(store, match, {}, 0)
    after = await run_search(store, '"alpha bravo charlie"', limit=10)
    assert before.total == after.total >= 5
    assert [(r.paper.arxiv_id, r.score) for r in before.results] == [(r.paper.arxiv_id, r.score) for r in after.results]

    for text, _ in PHRASES:  # every phrase searched once: each is learned (or its pair terms count it)
        await run_search(store, text, limit=10)
    await learnt(store)
    assert await same_as_fts5(store) == 2 * len(PHRASES)


async def test_learned_counts_follow_new_papers_papers_indexed_again_and_a_rebuild(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned_phrases, "MAX_PARTS", 3)
    await fill(store)
    for text, _ in PHRASES:
        await run_search(store, text, limit=10)
    await learnt(store)
    for day in range(13, 20):
        await more_days(store, day, day + 1)
        assert await same_as_fts5(store) == 2 * len(PHRASES)
    parts = await store._all("SELECT phrase, count(*) FROM rank_phrase_parts GROUP BY phrase")
    assert parts and all(n < 3 for _, n in parts)  # folded as they reach MAX_PARTS

    async with store.transaction() as db:  # every segment merged: a phrase's pair rows are read from them
        await run_sync(db, rebuild_rank_index)
    assert await same_as_fts5(store) == 2 * len(PHRASES)


async def test_the_least_recently_searched_phrase_makes_room(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned_phrases, "MAX_PHRASES", 2)
    await fill(store)
    for text in ('"alpha bravo charlie"', '"bravo charlie delta"', '"alpha bravo charlie"', '"charlie delta echo"'):
        await run_search(store, text, limit=10)  # the third: "alpha bravo charlie" searched again, after the second
        await learnt(store)
    held = await store._all("SELECT phrase FROM rank_phrases ORDER BY phrase")
    assert held == [("alpha bravo charlie",), ("charlie delta echo",)]
    assert await store._one("SELECT count(DISTINCT phrase) FROM rank_phrase_parts") == 2
    for text in ('"alpha bravo charlie"', '"charlie delta echo"'):
        assert await by_index(store, text, {}, 0) == await by_fts5(store, text, {}, 0)
    assert await by_index(store, '"bravo charlie delta"', {}, 0) is None  # FTS5 ranks it again, and learns it
    await learnt(store)
    assert ("bravo charlie delta",) in await store._all("SELECT phrase FROM rank_phrases")


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_a_read_only_open_searches_phrases_and_learns_nothing(engine: str, tmp_path: Path) -> None:
    """`paperboy search` opens the database read-only: it ranks a phrase it cannot count as before, and never
    tries to learn it (a write it would be refused, and a warning)."""
    async with fresh_database(engine, tmp_path) as url:
        async with await open_store(url) as store:
            await fill(store)
        reader = await open_store(url, read_only=True)
        try:
            got = await run_search(reader, '"alpha bravo charlie"', limit=10)
            assert not reader._learning
        finally:
            await reader.close()
        async with await open_store(url) as store:
            assert await store._all("SELECT phrase FROM rank_phrases") == []
            expected = await run_search(store, '"alpha bravo charlie"', limit=10)  # and now it learns it
            await store._settle_learning()
            assert await store._all("SELECT phrase FROM rank_phrases") == [("alpha bravo charlie",)]
    assert got.total == expected.total >= 5
    assert [r.paper.arxiv_id for r in got.results] == [r.paper.arxiv_id for r in expected.results]


async def more_days(store: object, first: int, last: int) -> None:
    """New papers with the phrases, and papers seen again with other text (their counts replaced or dropped)."""
    rng = random.Random(first)
    olds = [(await store.get_paper(f"2402.{n:05d}")) for n in range(1, 60, 3)]  # type: ignore[attr-defined]
    for day in range(first, last):
        fresh = [make_paper(rng, 1000 + 10 * day + i, COMMON + RARE[:3]) for i in range(8)]
        again: list[Paper] = [replace(p, abstract="alpha bravo charlie alpha bravo charlie " + p.abstract[:20],
                                      summary="高斯泼溅") for p in olds[day % 7 :: 7] if p is not None]
        again += [replace(p, abstract="nothing here", summary="无", takeaways=[]) for p in olds[day % 9 :: 9]
                  if p is not None]
        await add_post(store, f"2024-02-{day:02d}/T.md", "X", f"2024-02-{day:02d}", *fresh, *again)  # type: ignore[arg-type]


async def phrase_pages(store: object) -> list[object]:
    return await result_pages(store, PHRASES, (0, 4), 4)


async def test_both_engines_learn_and_keep_the_same_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned_phrases, "MAX_PARTS", 3)
    found: dict[str, list[object]] = {}
    for engine in ("sqlite", "postgres"):
        async with fresh_database(engine, tmp_path / engine) as url, await open_store(url) as store:
            await fill(store)
            first = await phrase_pages(store)  # counted by the text index, then learned
            await store._settle_learning()
            learned = await store._all("SELECT phrase FROM rank_phrases ORDER BY phrase")
            assert len(learned) >= 5, learned
            assert await phrase_pages(store) == first  # now from the learned counts
            await more_days(store, 13, 20)
            found[engine] = [first, await phrase_pages(store)]
            await store._settle_learning()
            if engine == "postgres":  # learned phrases read no tsvector: their pages stay without them
                longer = [entry for entry in found[engine][1] if entry[0] in LEARNED_ONLY]  # type: ignore[index]
                await store._pooled(lambda c: c.execute("DELETE FROM papers_fts"))
                assert [entry for entry in await phrase_pages(store) if entry[0] in LEARNED_ONLY] == longer
    assert found["sqlite"] == found["postgres"]
    assert found["sqlite"][0] != found["sqlite"][1]  # the new days changed the pages


async def test_a_learned_phrase_beside_one_the_pair_terms_count(store: Store) -> None:
    """Two phrases of two tokens, the first learned, the second counted by the pair terms of merged segments:
    each is counted from its own rows (the second was once read from the first's, 72 matches for FTS5's 19)."""
    await fill(store)  # small posts of rare words: "alpha golf" cannot be counted by pair terms
    await run_search(store, '"alpha golf"', limit=10)
    await learnt(store)
    async with store.transaction() as db:  # every segment merged: "delta echo" is counted by its pair terms
        await run_sync(db, rebuild_rank_index)
    for text in ('"alpha golf" "delta echo"', '"delta echo" "alpha golf"'):
        match = build_query(text).match
        assert match is not None
        found = await by_index(store, match, {}, 0)
        assert found is not None and found == await by_fts5(store, match, {}, 0), text
    assert await store._all("SELECT phrase FROM rank_phrases") == [("alpha golf",)]
