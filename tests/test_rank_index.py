"""The ranking index (jobs/store/rank_index.py, jobs/search/rank.py): pages equal to FTS5's full bm25
ranking, scores included, through ingest, updates, merges, filters and an upgrade; tokens equal to
FTS5's own; postings that decode to what was encoded. Real SQLite files; and on PostgreSQL, whose index
is written and read by the same code, the same pages and scores as SQLite's through all of that."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobs.find import run_search
from jobs.models import Paper, ParsedPost
from jobs.search import pairs, rank
from jobs.search.codec import decode_counts, decode_ids, decode_many, encode_counts, encode_groups, encode_ids
from jobs.search.query import build_query
from jobs.sources.base import Fetched, PostRef
from jobs.store import Store, fts_tokens, rank_index
from jobs.store._connection import run_sync
from jobs.store.text_index import rebuild_rank_index
from tests.engines import fresh_database, open_store

WORDS = (
    "gaussian", "splatting", "neural", "radiance", "field", "diffusion", "model", "models", "modeling",
    "language", "large", "agent", "reinforcement", "learning", "segmentation", "segment", "point", "cloud",
    "avatar", "talking", "head", "speech", "video", "render", "real", "time", "benchmark", "dataset",
    "transformer", "attention", "mesh", "light", "scene", "3D",
)
ZH = ["高斯", "泼溅", "模型", "扩散", "强化", "学习", "目标", "检测", "实时", "渲染", "数字人", "语言"]
NAMES = ["José Ramírez", "Ada Lovelace", "Li Wei", "Zhang San", "Müller Jörg", "Ωmega Σigma"]


def make_paper(rng: random.Random, n: int, *, summary: bool = True) -> Paper:
    words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
    return Paper(
        arxiv_id=f"2401.{n:05d}", version=1,
        title=words(rng.randint(2, 7)).title(),
        authors=rng.sample(NAMES, rng.randint(1, 3)),
        abstract=". ".join(words(rng.randint(5, 25)) for _ in range(rng.randint(1, 6))),
        summary="，".join("".join(rng.sample(ZH, 3)) for _ in range(rng.randint(1, 4))) if summary else "",
        takeaways=[words(3) + "：" + "".join(rng.sample(ZH, 2)) for _ in range(rng.randint(0, 3))],
        links={"abs": f"https://arxiv.org/abs/2401.{n:05d}"},
    )


async def add_post(store: Store, path: str, topic: str, date: str, papers: list[Paper]) -> None:
    sid = await store.upsert_source("test", "directory", "kedreamix", "/tmp/posts")
    await store.record_post(sid, PostRef(path, path), Fetched(content=b""),
                            ParsedPost(papers=papers, topic=topic, date=date))


QUERIES = [
    ("gaussian", {}), ("diffusion model", {}), ("model", {}), ("segm", {}), ("real time", {}), ("3D", {}),
    ("模型", {}), ("高斯", {}), ("Lovelace", {}), ("jose", {}), ("muller", {}), ("ωmega", {}),
    ("the", {}), ("gaussian", {"topic": "3DGS"}), ("model", {"after": "2024-03-01"}),
    ("learning", {"topic": "NeRF", "before": "2024-02-15"}), ("nothingmatchesthis", {}),
]


async def compare(store: Store, text: str, filters: dict[str, str], offset: int = 0) -> int:
    """The ranking index's page against FTS5's full ranking of the same query; the total. (PostgreSQL
    has no FTS5 to compare with: the total alone; test_both_engines_* compare it with SQLite.)"""
    q = build_query(text)
    if not isinstance(store, Store):
        return (await store.search(q.match, words=q.words, limit=10, offset=offset, **filters))[1]
    assert q.words is not None, text  # a query the ranking index can take
    fast = await store._rank_words(q.words, filters.get("topic"), filters.get("after"), filters.get("before"),
                                   offset, 10)
    assert fast is not None
    slow_hits, slow_total = await store.search(q.match, limit=10, offset=offset, **filters)  # no words: FTS5
    hits, total = await store.search(q.match, words=q.words, limit=10, offset=offset, **filters)
    assert [(h.paper.arxiv_id, h.rank) for h in hits] == [(h.paper.arxiv_id, h.rank) for h in slow_hits], text
    assert total == slow_total == fast[1], text
    return total


@pytest.fixture
async def store(tmp_path: Path):
    s = await Store.open(tmp_path / "paperboy.db")
    yield s
    await s.close()


@pytest.fixture
async def any_store(store_url: str):  # type: ignore[no-untyped-def]
    s = await open_store(store_url)
    yield s
    await s.close()


async def level_one_segments(store: Store, monkeypatch: pytest.MonkeyPatch, rng: random.Random, batches: int
                             ) -> list[Paper]:
    """`batches` posts of 25 papers, each made a level-1 segment of its own, no level merge started (FANOUT is
    left raised: a test lowers it to start one); the papers."""
    monkeypatch.setattr(rank_index, "FRESH_PAPERS", 20)
    monkeypatch.setattr(rank_index, "FANOUT", 1000)
    papers: list[Paper] = []
    for batch in range(batches):
        group = [make_paper(rng, 100 * batch + n) for n in range(1, 26)]
        papers += group
        await add_post(store, f"2024-02-{batch + 1:02d}/T.md", "T", f"2024-02-{batch + 1:02d}", group)
    return papers


async def ingest_with_updates_and_merges(store: Store) -> None:
    """250 papers over 25 posts, some seen again with a summary they lacked (indexed again)."""
    rng = random.Random(7)
    papers = [make_paper(rng, n, summary=n % 3 != 0) for n in range(1, 251)]
    topics = ["3DGS", "NeRF", "Diffusion Models"]
    for day in range(25):
        again = [replace(p, summary=p.summary or "再次出现的摘要") for p in rng.sample(papers[: day * 10 + 10], 3)]
        await add_post(store, f"2024-{day // 28 + 1:02d}-{day % 28 + 1:02d}/{topics[day % 3]}.md", topics[day % 3],
                       f"2024-{day // 12 + 1:02d}-{day % 12 * 2 + 1:02d}", papers[day * 10 : day * 10 + 10] + again)


async def test_pages_equal_fts5_full_ranking_through_ingest_updates_and_merges(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 4)  # so that this small corpus merges at every level
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    monkeypatch.setattr(rank_index, "MERGE_CHUNK", 300)  # and merges a few terms at a time
    monkeypatch.setattr(rank_index, "STEP_ROWS", 40)  # level merges take several ingests
    monkeypatch.setattr(rank_index, "STEP_ROWS_PER_PAPER", 1)
    await ingest_with_updates_and_merges(store)
    levels = [r[0] for r in await store._all("SELECT level FROM rank_segments")]
    assert max(levels) >= 2 and 0 in levels  # merged twice over, and a fresh segment beside them
    assert await store._one("SELECT count(*) FROM rank_docs WHERE seg NOT IN (SELECT seg FROM rank_segments)") == 0
    totals = [await compare(store, text, filters) for text, filters in QUERIES]
    assert await compare(store, "再次", {}) >= 10
    assert all(totals[:12]) and totals[-1] == 0
    assert await compare(store, "model", {}, offset=20) > 30  # a later page, ties ordered as FTS5's are


async def test_a_level_merge_under_way_ranks_as_fts5_at_every_step(store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A level merge goes a range of terms an ingest: between its steps (some terms in its target, the
    rest in its sources, papers seen again meanwhile), every page is FTS5's; and it ends."""
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 2)
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    monkeypatch.setattr(rank_index, "STEP_ROWS", 25)
    monkeypatch.setattr(rank_index, "STEP_ROWS_PER_PAPER", 1)
    # No pair terms: in this test's vocabulary of a few dozen words every token is common, which makes pairs
    # ten times the word rows, and the bound on segments below is about steps of word rows.
    monkeypatch.setattr(pairs, "COMMON_MIN", 10**6)
    rng = random.Random(9)
    papers = [make_paper(rng, n, summary=n % 3 != 0) for n in range(1, 301)]
    under_way, most = 0, 0
    for day in range(30):
        seen = rng.sample(papers[: day * 10 + 10], 3)
        again = [replace(p, summary=p.summary or f"第{day}次出现的摘要") for p in seen]
        await add_post(store, f"2024-01-{day + 1:02d}/T.md", ["3DGS", "NeRF"][day % 2], f"2024-01-{day + 1:02d}",
                       papers[day * 10 : day * 10 + 10] + again)
        most = max([most, *(r[0] for r in await store._all("SELECT count(*) FROM rank_segments WHERE level > 0 "
                                                           "GROUP BY level"))])
        if await store._one("SELECT count(*) FROM rank_segments WHERE merged_upto > ''"):
            under_way += 1
            for text, filters in [*QUERIES[:12], ("再次", {}), ("gaussian", {"topic": "3DGS"})]:
                await compare(store, text, filters)
    assert under_way >= 5
    assert most <= 10  # bigger steps when a level is behind (15 segments at one level without them)
    for n in range(200):  # small ingests until no merge is under way
        if not await store._one("SELECT count(*) FROM rank_segments WHERE merged_upto IS NOT NULL"):
            break
        await add_post(store, "2024-02-01/T.md", "3DGS", "2024-02-01", [make_paper(rng, 400 + n)])
    assert not await store._one("SELECT count(*) FROM rank_segments WHERE merged_upto IS NOT NULL "
                                "OR merging_into IS NOT NULL")
    assert max(r[0] for r in await store._all("SELECT level FROM rank_segments")) >= 2
    totals = [await compare(store, text, filters) for text, filters in QUERIES]
    assert all(totals[:12])


async def test_an_updated_paper_is_found_by_its_new_words_only(store: Store) -> None:
    rng = random.Random(1)
    first = make_paper(rng, 1, summary=False)
    await add_post(store, "2024-01-01/NeRF.md", "NeRF", "2024-01-01", [first, make_paper(rng, 2)])
    assert await compare(store, "一无", {}) == 0
    # Seen again with a Chinese summary: merge fills it, and both indexes must follow.
    await add_post(store, "2024-01-02/NeRF.md", "NeRF", "2024-01-02", [replace(first, summary="独一无二的摘要")])
    phrase = build_query("独一无二")  # four characters: a phrase of bigrams, which FTS5 alone answers
    assert phrase.words is None and (await store.search(phrase.match))[1] == 1
    hits, total = await store.search(build_query("一无").match, words=build_query("一无").words)
    assert total == 1 and hits[0].paper.arxiv_id == first.arxiv_id
    assert await compare(store, "一无", {}) == 1
    # Its words stay indexed once: the copy in the first segment is stale, not counted twice.
    assert await compare(store, first.title.split()[0], {}) >= 1


async def test_an_older_database_gets_the_index_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    rng = random.Random(3)
    async with await Store.open(path, schema=12) as old:
        await add_post(old, "2024-01-01/3DGS.md", "3DGS", "2024-01-01", [make_paper(rng, n) for n in range(1, 60)])
    async with await Store.open(path) as store:
        assert await store._one("SELECT count(*) FROM rank_docs") == 59
        for text, filters in QUERIES[:12]:
            await compare(store, text, filters)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # building it left no free pages
    finally:
        conn.close()


def test_tokens_are_fts5s_own_on_the_corpus_words() -> None:
    texts = [" ".join(WORDS), "，".join(ZH), " ".join(NAMES),
             "Ｆｕｌｌ-width ÀÉÎ ǅ ß ﬁ İstanbul e\u0301 Σσς 🙂 x_y a·b"]
    assert [fts_tokens.tokens(t) for t in texts] == fts_tokens._fts_tokens(texts)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_tokens_are_fts5s_own_on_any_text(text: str) -> None:
    assert fts_tokens.tokens(text) == fts_tokens._fts_tokens([text])[0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.integers(0, 300_000), min_size=1, max_size=300), min_size=1, max_size=8),
       st.integers(0, 80_000), st.booleans())
def test_postings_decode_to_what_was_encoded(groups: list[set[int]], big: int, compact: bool) -> None:
    arrays = [np.array(sorted(g), dtype=np.int64) for g in groups]
    starts = np.r_[0, np.cumsum([len(a) for a in arrays])].astype(np.int64)
    ids = np.concatenate(arrays)
    counts = (ids % 7 + 1) * (1 + (ids == ids.max()) * big)
    blobs = encode_groups(starts, ids, counts, compact=compact)
    for (a, b), (id_bytes, count_bytes) in zip(pairwise(starts.tolist()), blobs, strict=True):
        assert decode_ids(id_bytes).tolist() == ids[a:b].tolist()
        assert decode_counts(count_bytes).tolist() == counts[a:b].tolist()
        if compact:
            assert id_bytes == encode_ids(ids[a:b])  # the smallest form, as one group alone would get
    # All rows at once (as a level merge reads them): the same postings, row after row.
    all_ids, all_counts, lengths = decode_many([b[0] for b in blobs], [b[1] for b in blobs])
    assert all_ids.tolist() == ids.tolist() and all_counts.tolist() == counts.tolist()
    assert lengths.tolist() == np.diff(starts).tolist()


async def test_a_search_reads_one_moment_while_an_ingest_commits(store: Store, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An ingest that merges segments commits between two of a search's reads (injected from
    SQLite's statement trace on the read connection): the search still answers as of one moment."""
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 2)
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    rng = random.Random(5)
    papers = [make_paper(rng, n) for n in range(1, 81)]
    await add_post(store, "2024-01-01/T.md", "T", "2024-01-01", papers[:20])
    await add_post(store, "2024-01-02/T.md", "T", "2024-01-02", papers[20:40])
    q = build_query("gaussian splatting")
    await store.search(q.match, words=q.words)  # arrays of this generation are held
    before = await store.search(q.match)  # FTS5's answer before the commit

    def ingest_elsewhere() -> None:  # another writer, on its own connection and event loop
        async def ingest() -> None:
            async with await Store.open(store.path) as other:
                for d in (3, 4):
                    await add_post(other, f"2024-01-0{d}/T.md", "T", f"2024-01-0{d}", papers[20 * d - 20 : 20 * d])
        asyncio.run(ingest())

    fired: list[str] = []

    def trace(sql: str) -> None:
        if "rank_postings" in sql and not fired:
            fired.append(sql)
            ingest_elsewhere()

    await run_sync(store.reader, lambda conn: conn.set_trace_callback(trace))
    during = await store.search(q.match, words=q.words)
    await run_sync(store.reader, lambda conn: conn.set_trace_callback(None))
    assert fired
    assert [(h.paper.arxiv_id, h.rank) for h in during[0]] == [(h.paper.arxiv_id, h.rank) for h in before[0]]
    assert during[1] == before[1]
    assert await compare(store, "gaussian splatting", {}) > before[1]  # and the next search sees the commit


async def test_a_rolled_back_ingest_leaves_no_trace_in_later_searches(any_store: Store) -> None:
    store = any_store
    rng = random.Random(2)
    await add_post(store, "2024-01-01/T.md", "T", "2024-01-01", [make_paper(rng, n) for n in range(1, 11)])
    zebra = replace(make_paper(rng, 11), title="Zebra stripes")
    with pytest.raises(RuntimeError):
        async with store.transaction():
            await add_post(store, "2024-01-02/T.md", "T", "2024-01-02", [zebra])
            q = build_query("zebra")  # seen inside the transaction that writes it
            assert (await store.search(q.match, words=q.words))[1] == 1
            raise RuntimeError("the ingest fails: everything it wrote is rolled back")
    quokka = replace(make_paper(rng, 12), title="Quokka smiles")
    await add_post(store, "2024-01-03/T.md", "T", "2024-01-03", [quokka])
    assert await compare(store, "zebra", {}) == 0
    assert await compare(store, "quokka", {}) == 1


async def test_open_does_not_wait_for_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    async with await Store.open(path) as first:
        await add_post(first, "2024-01-01/T.md", "T", "2024-01-01", [make_paper(random.Random(4), 1)])
    async with await Store.open(path) as bot, bot.transaction():  # the bot, mid-ingest
        store = await asyncio.wait_for(Store.open(path), 2)  # health, status, search from the shell
        if store.reader is not store.db:
            await store.reader.close()
        await store.db.close()  # not store.close(): its PRAGMA optimize would wait for the writer


def test_prefix_upper_bounds_cover_every_continuation() -> None:
    for term in ("gauss", "a\ud7ff", "z\U0010ffff", "高"):
        upper = rank_index._after_prefix(term)
        assert term < upper and term + "\U0010ffff" < upper and not 0xD800 <= ord(upper[-1]) < 0xE000


async def test_a_batch_of_posts_is_indexed_with_each_papers_last_text(any_store: Store) -> None:
    store = any_store
    rng = random.Random(9)
    first = [make_paper(rng, n, summary=False) for n in range(1, 21)]
    again = [replace(p, summary="批次之内再次出现") for p in first[:5]]  # merged: the summary is filled
    sid = await store.upsert_source("test", "directory", "kedreamix", "/tmp/posts")
    await store.record_posts(sid, [
        (PostRef(path, path), Fetched(content=b""), ParsedPost(papers=papers, topic="T", date=date))
        for path, date, papers in (("2024-01-01/T.md", "2024-01-01", first), ("2024-01-02/T.md", "2024-01-02", again))
    ])
    assert await store._one("SELECT count(*) FROM rank_segments") == 1  # one segment for the batch
    assert await compare(store, "批次", {}) == 5
    for text, filters in QUERIES[:6]:
        await compare(store, text, filters)


async def test_both_engines_rank_alike_through_updates_and_merges(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The same ingest, merging at every level and a few terms at a time, on SQLite and on PostgreSQL:
    the same segments, and every query (words, prefixes, Chinese, phrases, filters, later pages) the
    same page with the same scores and total."""
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 4)
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    monkeypatch.setattr(rank_index, "MERGE_CHUNK", 300)
    monkeypatch.setattr(rank_index, "STEP_ROWS", 40)
    monkeypatch.setattr(rank_index, "STEP_ROWS_PER_PAPER", 1)
    queries = [*QUERIES, ("再次", {}), ('"gaussian splatting"', {}), ('"real time" model', {"topic": "NeRF"}),
               ("高斯泼溅", {}), ("数字人", {})]
    seen: dict[str, list[object]] = {}
    for engine in ("sqlite", "postgres"):
        async with fresh_database(engine, tmp_path) as url, await open_store(url) as store:
            await ingest_with_updates_and_merges(store)
            segments = await store._all("SELECT seg, level, docs FROM rank_segments")
            got: list[object] = [sorted(tuple(r) for r in segments)]
            for text, filters in queries:
                for offset in (0, 20):
                    page = await run_search(store, text, limit=10, offset=offset, **filters)  # type: ignore[arg-type]
                    got.append((text, offset, page.total, [(r.paper.arxiv_id, r.score) for r in page.results]))
            seen[engine] = got
    assert max(level for _, level, _ in seen["sqlite"][0]) >= 2  # type: ignore[attr-defined]
    for lite, pg in zip(seen["sqlite"], seen["postgres"], strict=True):
        assert lite == pg


def test_many_rows_decoded_at_once_count_as_row_by_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A prefix reads hundreds of rows, decoded all at once: the same counts as one row at a time, stale
    postings and a level merge's target (live while its paper is in a source) included."""
    rng = np.random.default_rng(3)
    ids = np.arange(1, 600)
    corpus = rank.Corpus.of(ids, rng.integers(0, 6, len(ids)), rng.integers(5, 50, len(ids)),
                            made={0: 10**6, 1: 10**6, 2: 10**6, 3: 10**6, 4: 10**6, 5: 10**6},
                            merging={6: np.array([4, 5])})
    clean = {int(s) for s in np.unique(corpus.segment[ids])} - {4, 5}
    corpus = rank.Corpus(corpus.segment, corpus.length, corpus.rows, corpus.avgdl, frozenset(list(clean)[:2]),
                         corpus.merging)
    postings = []
    for seg in range(7):
        for _term in range(15):
            held = np.sort(rng.choice(np.arange(1, 600), size=int(rng.integers(1, 120)), replace=False))
            counts = rng.integers(1, 40, len(held))
            if rng.random() < 0.5:
                postings.append((seg, encode_ids(held), encode_counts(counts)))
            else:
                postings.append((seg, held, counts))
    one_by_one = rank._counts_row_by_row(corpus, postings)
    monkeypatch.setattr(rank, "MANY_ROWS", 0)
    assert np.array_equal(rank.phrase_counts(corpus, postings), one_by_one)
    assert one_by_one.any()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3000), st.integers(1, 400), st.integers(1, 10),
       st.sampled_from([16, 32, 64, 128]))
def test_the_papers_near_the_page_are_those_a_full_selection_keeps(seed: int, matches: int, spread: int, want: int,
                                                                   sample: int) -> None:
    """Many matches take a bound from a sample first: the same papers near the page as selecting among all of
    them, ties with the last place included, in the same order."""
    ranks = -np.random.default_rng(seed).integers(0, spread, matches).astype(np.float64) / 4
    ids = np.arange(100, 100 + matches)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rank, "SAMPLE", sample)
        mp.setattr(rank, "SAMPLE_PAST", 2)
        near_ids, near_ranks = rank.near_page(ids, ranks, want)
    if matches > want:
        bound = np.sort(ranks)[want - 1]
        assert np.array_equal(near_ids, ids[ranks <= bound]) and np.array_equal(near_ranks, ranks[ranks <= bound])
    else:
        assert np.array_equal(near_ids, ids)


async def test_bulk_ingests_keep_merging_levels(any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of posts each past the fresh threshold (a pipeline's bulk ingest, `python -m bot ingest` of an
    archive) make a level-1 segment every time: they step level merges too, or level 1 only grows (48 segments
    after store_engines' 100k build, and every search read them all)."""
    store = any_store
    monkeypatch.setattr(rank_index, "FRESH_PAPERS", 20)
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    rng = random.Random(9)
    for batch in range(12):
        await add_post(store, f"2024-02-{batch + 1:02d}/T.md", "T", f"2024-02-{batch + 1:02d}",
                       [make_paper(rng, 100 * batch + n) for n in range(1, 26)])
    levels = await store._all("SELECT level, count(*) FROM rank_segments WHERE level > 0 GROUP BY level")
    assert max(n for _, n in levels) <= rank_index.FANOUT + 1, levels
    assert max(level for level, _ in levels) >= 3
    for text, filters in QUERIES:
        await compare(store, text, filters)


async def test_a_piled_up_level_is_caught_up_a_bounded_step_a_day_a_piece_at_a_time(
        any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A level piled up past FANOUT (91 level-1 segments after a 960k-paper build by the last release) is caught
    up in steps of at most CATCH_UP_ROWS an ingest, each read a piece at a time: one step of 5.3M rows at once
    took over 20 GB and minutes of an ingest. Pages stay FTS5's throughout."""
    store = any_store
    rng = random.Random(11)
    await level_one_segments(store, monkeypatch, rng, 24)  # no level merge starts while the pile is made
    assert await store._all("SELECT level, count(*) FROM rank_segments WHERE level > 0 GROUP BY level") == [(1, 24)]
    total = await store._one("SELECT count(*) FROM rank_postings")
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    monkeypatch.setattr(rank_index, "STEP_ROWS", 30)
    monkeypatch.setattr(rank_index, "STEP_ROWS_PER_PAPER", 1)
    monkeypatch.setattr(rank_index, "STEP_PIECE", 7)
    monkeypatch.setattr(rank_index, "CATCH_UP_ROWS", 300)
    merged = []
    for day in range(3):  # small days: a step each, not a fresh merge
        before = await store._one("SELECT count(*) FROM rank_postings WHERE seg IN "
                                  "(SELECT seg FROM rank_segments WHERE merging_into IS NOT NULL)")
        await add_post(store, f"2024-03-{day + 1:02d}/T.md", "T", f"2024-03-{day + 1:02d}",
                       [make_paper(rng, 5000 + day)])
        after = await store._one("SELECT count(*) FROM rank_postings WHERE seg IN "
                                 "(SELECT seg FROM rank_segments WHERE merging_into IS NOT NULL)")
        merged.append((before or total) - after)
        for text, filters in QUERIES:
            await compare(store, text, filters)
    # A day's step here is 80-90 rows (30 word rows and their pair terms' share); catching up takes at most
    # CATCH_UP_ROWS a day (and rows of the bound's term in other sources), where the pile of 24 asked for 23
    # steps (about 1,700 rows).
    assert all(100 < n <= 300 + 30 for n in merged), merged


async def test_a_merge_piece_is_bounded_by_the_bytes_it_reads_not_only_its_rows(
        any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A piece of a level merge reads at most MERGE_CHUNK bytes of ids (or one term, when a term alone holds
    more): a bound in rows alone let 50,000 rows of a big level hold tens of millions of postings, and a
    1M-paper build peaked at 4.4 GB. The merger's pieces, each its own transaction; pages stay FTS5's."""
    store = any_store
    await level_one_segments(store, monkeypatch, random.Random(12), 4)
    monkeypatch.setattr(rank_index, "FANOUT", 4)
    monkeypatch.setattr(rank_index, "MERGE_CHUNK", 400)
    sources = "SELECT seg FROM rank_segments WHERE level = 1"
    before = await store._one(f"SELECT sum(length(ids)) FROM rank_postings WHERE seg IN ({sources})")
    assert before > 20 * 400  # many pieces' worth
    pieces: list[tuple[int, int]] = []  # (bytes of ids, terms) each piece took from the sources
    while True:
        held = await store._all("SELECT term, length(ids) FROM rank_postings WHERE seg IN "
                                "(SELECT seg FROM rank_segments WHERE merging_into IS NOT NULL)")
        if not await store.merge_index(10_000):  # the merger's piece: rows alone would take it all at once
            break
        left = set(await store._all("SELECT term, length(ids) FROM rank_postings WHERE seg IN "
                                    "(SELECT seg FROM rank_segments WHERE merging_into IS NOT NULL)"))
        if held:
            gone = [row for row in held if tuple(row) not in left]
            pieces.append((sum(n for _, n in gone), len({t for t, _ in gone})))
    assert len(pieces) >= 10, pieces
    assert all(size <= 400 or terms <= 2 for size, terms in pieces), pieces
    assert await store._one("SELECT count(*) FROM rank_segments WHERE merging_into IS NOT NULL") == 0
    for text, filters in QUERIES:
        await compare(store, text, filters)


async def test_a_merger_keeps_a_merges_owners_between_pieces_while_papers_move_out(
        any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The merger reads a merge's papers once for all its pieces (rank_index.Owners): papers indexed again
    meanwhile leave the sources, and the pages stay FTS5's after every piece and when the merge ends."""
    store = any_store
    rng = random.Random(13)
    papers = await level_one_segments(store, monkeypatch, rng, 4)
    monkeypatch.setattr(rank_index, "FANOUT", 4)
    monkeypatch.setattr(rank_index, "MERGE_CHUNK", 400)
    owners = rank_index.Owners()
    pieces = 0
    while await store.merge_index(10_000, owners):
        pieces += 1
        if pieces % 3 == 1:  # two papers of the sources in a new version: indexed again, in a fresh segment
            moved = [replace(p, version=2 + pieces, summary=f"再次出现 {pieces} 高斯模型",
                             abstract=p.abstract + " agent")
                     for p in rng.sample(papers, 2)]
            await add_post(store, f"2024-03-{pieces:02d}/T.md", "NeRF", f"2024-03-{pieces:02d}", moved)
        for text, filters in QUERIES[:8]:
            await compare(store, text, filters)
    assert pieces >= 6
    assert await store._one("SELECT count(*) FROM rank_segments WHERE merging_into IS NOT NULL") == 0
    # Papers did leave the merge while its owners were kept: the target holds fewer than it was made with.
    [(made, held)] = await store._all("SELECT s.docs, (SELECT count(*) FROM rank_docs d WHERE d.seg = s.seg) "
                                      "FROM rank_segments s WHERE s.level = 2")
    assert held < made, (made, held)
    for text, filters in QUERIES:
        await compare(store, text, filters)


async def test_a_merger_that_outlives_a_rebuild_reads_the_new_segments_papers(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild of the ranking index numbers segments from 1 again on SQLite: a merger kept running through it
    (one started by hand, an older one during an upgrade) meets the same segment numbers holding other papers,
    and reads their owners again (kept, they dropped live postings: `gaussian` scored -2.1e-06, FTS5 -4.03)."""
    monkeypatch.setattr(rank_index, "FRESH_PAPERS", 20)
    monkeypatch.setattr(rank_index, "FANOUT", 1000)
    monkeypatch.setattr(rank_index, "MERGE_CHUNK", 400)
    rng = random.Random(5)

    async def batch(day: int) -> None:
        await add_post(store, f"2024-02-{day:02d}/T.md", "T", f"2024-02-{day:02d}",
                       [make_paper(rng, 25 * day + i) for i in range(1, 26)])

    await batch(1)
    async with store.transaction() as db:
        await run_sync(db, rebuild_rank_index)
    for day in (2, 3, 4):
        await batch(day)
    monkeypatch.setattr(rank_index, "FANOUT", 4)
    owners = rank_index.Owners()
    assert await store.merge_index(100, owners)  # a piece of a merge: its owners kept
    monkeypatch.setattr(rank_index, "FANOUT", 1000)
    async with store.transaction() as db:  # another process rebuilds the index meanwhile
        await run_sync(db, rebuild_rank_index)
        await run_sync(db, lambda c: c.execute("DELETE FROM meta WHERE key = ?", (rank_index.MERGER_KEY,)))
    for day in (5, 6, 7):
        await batch(day)
    monkeypatch.setattr(rank_index, "FANOUT", 4)
    while await store.merge_index(100, owners):
        pass
    for text, filters in QUERIES:
        await compare(store, text, filters)


def test_counts_too_big_for_float32_are_counted_exactly() -> None:
    """A count past 2**24 (a post repeating one word a million times) is the same whichever way its rows are
    decoded: row by row (float32 while exact) or all at once."""
    corpus = rank.Corpus.of(np.arange(1, 4), np.zeros(3, dtype=np.int64), np.full(3, 10), made={0: 3})
    big = [(0, encode_ids(np.array([1, 2])), encode_counts(np.array([2**24 + 1, 3])))]
    small = [(0, encode_ids(np.array([1, 3])), encode_counts(np.array([2**24 - 1, 5])))]
    for postings in (big, small):
        one_by_one = rank.phrase_counts(corpus, postings)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(rank, "MANY_ROWS", 0)
            at_once = rank.phrase_counts(corpus, postings)
        assert np.array_equal(one_by_one, at_once)
        assert int(one_by_one.max()) == int(decode_counts(postings[0][2]).max())
