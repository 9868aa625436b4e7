"""Quoted phrases of two tokens counted by the ranking index's pair terms (jobs/search/pairs.py): on
PostgreSQL the same pages, scores and totals as FTS5 gives on SQLite, whether a paper's segment paired
the phrase's tokens or not, through merges, and on a database made by the release before pair terms."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest

from jobs.find import run_search
from jobs.models import Paper
from jobs.search import pairs
from jobs.store import fts_tokens, rank_index
from tests.engines import fresh_database, open_store
from tests.pages import result_pages
from tests.test_search import add_post

COMMON = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "the"]
RARE = ["golf", "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]
ZH = "高斯泼溅神经辐射场实时渲染"
QUERIES: list[tuple[str, dict[str, str]]] = [
    ('"alpha bravo"', {}), ('"bravo alpha"', {}), ('"alpha alpha"', {}), ('"charlie delta" echo', {}),
    ('"alpha bravo" "delta echo"', {}), ('"echo foxtrot"', {"topic": "Y"}), ('"golf hotel"', {}),
    ('"alpha golf"', {}), ('"golf alpha"', {}), ("高斯泼", {}), ("辐射场", {}), ("alpha", {}), ("brav", {}),
    ('"alpha bravo charlie"', {}), ('"alpha the"', {}), ('"the bravo"', {}),
]


def make_paper(rng: random.Random, n: int, words: list[str]) -> Paper:
    text = lambda k: " ".join(rng.choice(words) for _ in range(k))  # noqa: E731
    start = rng.randrange(len(ZH) - 4)
    return Paper(
        arxiv_id=f"2402.{n:05d}", version=1, title=text(rng.randint(2, 6)).title(), authors=["Ada Lovelace"],
        abstract=". ".join(text(rng.randint(4, 12)) for _ in range(rng.randint(1, 4))),
        summary=ZH[start : start + 4] + "，" + ZH[: rng.randint(2, 6)], takeaways=[text(3)],
        links={"abs": f"https://arxiv.org/abs/2402.{n:05d}"},
    )


async def fill(store: object, *, small: bool = True) -> None:
    """Posts of 30 papers whose common words are paired, and (`small`) posts of 3 where every word is rare
    (their segments are complete for no phrase: the text index counts those papers)."""
    rng = random.Random(5)
    n = 0
    for day in range(1, 13):
        if not small and day % 4 == 0:
            continue
        size, words = (30, COMMON + RARE[:2]) if day % 4 else (3, COMMON + RARE)
        papers = [make_paper(rng, n + i, words) for i in range(1, size + 1)]
        n += size
        await add_post(store, f"2024-02-{day:02d}/T.md", ["X", "Y"][day % 2], f"2024-02-{day:02d}",  # type: ignore[arg-type]
                       *papers)


async def pages(store: object) -> list[object]:
    return await result_pages(store, QUERIES, (0, 6), 6, dates=True)


async def pair_rows(store: object) -> int:
    """Pair and marker terms held by the ranking index's merged segments."""
    low = "char(3)" if type(store).__name__ == "Store" else "chr(3)"
    return int(await store._one(f"SELECT count(*) FROM rank_postings WHERE term < {low}") or 0)  # type: ignore[attr-defined]


async def test_phrases_of_two_tokens_are_the_same_on_both_engines(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Through fresh segments and merges at two levels, with segments that paired a phrase and some that
    did not: every page, bm25 (to the last bit) and total of PostgreSQL is SQLite's (FTS5's)."""
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 3)
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    found: dict[str, list[object]] = {}
    for engine in ("sqlite", "postgres"):
        async with fresh_database(engine, tmp_path) as url, await open_store(url) as store:
            await fill(store)
            assert await pair_rows(store) > 0
            found[engine] = await pages(store)
    assert any(entry[3] for entry in found["sqlite"])  # type: ignore[index]
    assert [e[2] for e in found["sqlite"]][:2] != [0, 0]  # type: ignore[index]
    for lite, pg in zip(found["sqlite"], found["postgres"], strict=True):
        assert lite == pg


async def test_a_phrase_of_common_words_is_counted_by_the_ranking_index(tmp_path: Path) -> None:
    """On PostgreSQL a phrase of two common tokens needs no positions: its page stays the same when the
    tsvectors are gone (before pair terms, every paper holding both tokens had its positions read)."""
    async with fresh_database("postgres", tmp_path) as url, await open_store(url) as store:
        await fill(store, small=False)
        before = [await run_search(store, q, limit=6) for q in ('"alpha bravo"', '"bravo alpha" charlie')]
        assert all(page.total for page in before)
        await store._pooled(lambda c: c.execute("DELETE FROM papers_fts"))
        after = [await run_search(store, q, limit=6) for q in ('"alpha bravo"', '"bravo alpha" charlie')]
        assert [(p.total, [(r.paper.arxiv_id, r.score) for r in p.results]) for p in after] == \
               [(p.total, [(r.paper.arxiv_id, r.score) for r in p.results]) for p in before]


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
async def test_a_database_of_the_release_before_pairs_searches_right(engine: str, tmp_path: Path) -> None:
    """A database made before pair terms (SQLite's migration 0019, PostgreSQL's 0009) is indexed again when
    opened by this release: pair terms, and the same pages as a database made by it."""
    async with fresh_database(engine, tmp_path / "new") as url, await open_store(url) as store:
        await fill(store)
        want = await pages(store)
    older = {"sqlite": 19, "postgres": 9}[engine] - 1  # the schema before the migration that brought pairs
    async with fresh_database(engine, tmp_path) as url:
        async with await open_store(url, schema=older) as store:
            await fill(store)
            assert await pair_rows(store) == 0
        async with await open_store(url) as store:
            assert await pair_rows(store) > 0
            assert await pages(store) == want


def test_pair_terms_count_each_place_two_common_tokens_stand_together() -> None:
    """The pair and marker terms of a batch of rows equal a plain count: every two adjacent tokens of one
    column, both held by at least pairs.floor(rows) rows, weighted by the column; never across columns."""
    rng = random.Random(2)
    rows = []
    for rowid in range(3, 60, 2):
        words = [*RARE, f"w{rowid}"]  # rare: a token a row holds alone, and ten others seldom used
        rows.append((rowid, *(" ".join(rng.choice(COMMON if rng.random() < 0.9 else words)
                                       for _ in range(rng.randint(0, 9))) for _ in fts_tokens.COLUMNS)))
    got = fts_tokens.weighted_counts(rows)
    terms = {t: dict(zip(got.ids[got.starts[i]:got.starts[i + 1]].tolist(),
                         got.counts[got.starts[i]:got.starts[i + 1]].tolist(), strict=True))
             for i, t in enumerate(got.terms)}
    holding = {t: sum(1 for r in rows if t in " ".join(r[1:]).split()) for t in COMMON + RARE}
    common = {t for t, n in holding.items() if n >= pairs.floor(len(rows)) and t != "the"}
    assert common and len(common) < len(holding)  # some tokens are paired, some not
    want: dict[str, dict[int, int]] = {}
    for r in rows:
        for weight, text in zip(fts_tokens.WEIGHTS, r[1:], strict=True):
            found = text.split()
            for a, b in pairwise(found):
                if a in common and b in common:
                    spot = want.setdefault(pairs.pair_term(a, b), {})
                    spot[r[0]] = spot.get(r[0], 0) + weight
    assert {t: v for t, v in terms.items() if t.startswith(pairs.PAIR)} == want
    assert {t for t in terms if pairs.is_marker(t)} == {pairs.marker(t) for t in common}
    for t in common:
        assert list(terms[pairs.marker(t)]) == [min(r[0] for r in rows if t in " ".join(r[1:]).split())]
    plain = fts_tokens.weighted_counts(rows, pairs=False)
    assert all(terms[t] == dict(zip(plain.ids[plain.starts[i]:plain.starts[i + 1]].tolist(),
                                    plain.counts[plain.starts[i]:plain.starts[i + 1]].tolist(), strict=True))
               for i, t in enumerate(plain.terms))


def test_common_tokens_that_never_stand_together_get_markers_and_no_pairs() -> None:
    rows = [(n, "alpha", "", "bravo", "", "", f"id{n}") for n in range(1, 11)]  # common, but in other columns
    got = fts_tokens.weighted_counts(rows)
    assert sorted(t for t in got.terms if t < pairs.WORDS) == [pairs.marker("alpha"), pairs.marker("bravo")]
