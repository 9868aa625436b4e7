"""A search's in-memory arrays of the ranking index take in each commit (jobs/store/rank_snapshot.py):
after every ingest (new papers, papers seen again, merges at every level, a post listed again with a
paper dropped and another topic), the arrays a running bot holds equal those a new reader loads whole,
its pages equal the new reader's, and only a change that is no addition loads a part whole. Both engines."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from jobs.find import run_search
from jobs.search.query import build_query
from jobs.store import rank_index, rank_snapshot
from jobs.store._connection import run_sync
from jobs.store.postgres.bridge import run_shared
from tests.engines import open_store
from tests.test_rank_index import add_post, make_paper

QUERIES: list[tuple[str, dict[str, str]]] = [
    ("gaussian", {}), ("model", {"topic": "NeRF"}), ("learning", {"after": "2024-01-10"}), ("模型", {}),
    ("segm", {"topic": "3DGS", "before": "2024-02-01"}),
]


async def search(store: Any, text: str, filters: dict[str, str]) -> tuple[int, list[tuple[str, float]]]:
    q = build_query(text)
    hits, total = await store.search(q.match, words=q.words, **filters)
    return total, [(h.paper.arxiv_id, h.rank) for h in hits]


def counted(fn: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    def wrapper(*args: Any) -> Any:
        calls.append(fn.__name__)
        return fn(*args)
    return wrapper


def same_arrays(kept: rank_snapshot.Snapshot, whole: rank_snapshot.Snapshot) -> None:
    a, b = kept.corpus, whole.corpus
    assert np.array_equal(a.segment, b.segment) and np.array_equal(a.length, b.length)
    assert (a.rows, a.avgdl, a.clean) == (b.rows, b.avgdl, b.clean)
    every = np.arange(len(a.segment))
    assert np.array_equal(a.norm(every), b.norm(every))  # the very doubles: bm25 scores stay FTS5's to the last bit
    assert [f.seg for f in kept.fresh] == [f.seg for f in whole.fresh]
    assert kept.docs.live == whole.docs.live and kept.docs.total_length == whole.docs.total_length
    assert kept.dated is not None and whole.dated is not None

    def rows(app: rank_index.Appearances) -> list[tuple[int, str, int]]:
        names = {code: name for name, code in app.topics.items()}
        return sorted(zip(app.paper.tolist(), [names[t] for t in app.topic.tolist()], app.date.tolist(),
                          strict=True))
    assert rows(kept.dated.whole()) == rows(whole.dated.whole())
    assert all(np.all(np.diff(part.key) >= 0) for part in kept.dated.parts)  # each part sorted


async def test_each_commit_is_taken_in_and_ranks_as_a_new_reader(store_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 3)  # merges at every level of this small corpus
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    monkeypatch.setattr(rank_index, "STEP_ROWS", 60)  # level merges under way across several commits
    monkeypatch.setattr(rank_index, "STEP_ROWS_PER_PAPER", 1)
    calls: list[str] = []
    merges_ended, most_parts = 0, 0
    for name in ("load_docs", "docs_after", "load_dated", "dated_after"):
        monkeypatch.setattr(rank_snapshot, name, counted(getattr(rank_snapshot, name), calls))
    rng = random.Random(11)
    papers = [make_paper(rng, n, summary=n % 4 != 0) for n in range(1, 161)]
    topics = ["3DGS", "NeRF"]
    running = await open_store(store_url)
    try:
        for day in range(16):
            again = [replace(p, summary=p.summary or "再次出现的摘要") for p in rng.sample(papers[: day * 10 + 10], 2)]
            listed = papers[day * 10 : day * 10 + 10] + again
            path = f"2024-01-{day + 1:02d}/{topics[day % 2]}.md"
            merging = dict(running._snapshot.corpus.merging) if running._snapshot else {}
            calls.clear()
            await add_post(running, path, topics[day % 2], f"2024-01-{day + 1:02d}", listed)
            if day in (6, 12):  # the same post listed again: one paper dropped, under the other topic
                await add_post(running, path, topics[(day + 1) % 2], f"2024-01-{day + 1:02d}", listed[1:])
            await running._settle_take_in()  # taken in as it committed (TakeIn), once search was made ready
            if day in (6, 12):  # appearances changed: dropped, not loaded whole after each commit
                assert "load_dated" not in calls and "load_docs" not in calls, day
                assert running._snapshot is not None and running._snapshot.dated is None
            elif day:
                assert calls == ["docs_after", "dated_after"], day  # only the commit's papers and appearances
            calls.clear()
            pages = [await search(running, text, filters) for text, filters in QUERIES]
            if day in (6, 12):
                assert calls == ["load_dated"], day  # by the first search with a filter
            elif day:
                assert calls == [], day  # nothing left for the searches to take in
            async with await open_store(store_url) as new_reader:
                fresh_pages = [await search(new_reader, text, filters) for text, filters in QUERIES]
                assert new_reader._snapshot is not None and running._snapshot is not None
                same_arrays(running._snapshot, new_reader._snapshot)
            assert pages == fresh_pages
            merges_ended += any(t not in running._snapshot.corpus.merging for t in merging)
            assert running._snapshot.dated is not None
            most_parts = max(most_parts, len(running._snapshot.dated.parts))
        levels = {r[0] for r in await running._all("SELECT level FROM rank_segments")}
        assert max(levels) >= 2  # merged at two levels on the way
        assert merges_ended >= 1  # a level merge under way at one search, ended by the next
        assert most_parts >= 2  # appearances held in parts (a commit's own, not merged in yet)
    finally:
        await running.close()


async def test_a_forgotten_paper_loads_the_papers_whole(store_url: str) -> None:
    """Forgetting a paper is no addition: the next search loads the arrays whole and has it gone."""
    rng = random.Random(3)
    async with await open_store(store_url) as store:
        await add_post(store, "2024-01-01/T.md", "T", "2024-01-01", [make_paper(rng, n) for n in range(1, 6)])
        await run_search(store, "gaussian")
        held = store._snapshot
        assert held is not None and held.corpus.rows == 5
        async with store.transaction() as conn:
            if hasattr(store, "pool"):
                await run_shared(conn, rank_index.index_rows, [], [3])
            else:
                await run_sync(conn, rank_index.index_rows, [], [3])
        await run_search(store, "gaussian")
        assert store._snapshot is not None and store._snapshot.corpus.rows == 4
        assert store._snapshot.docs.epoch == held.docs.epoch + 1


async def test_a_commit_taken_in_leaves_the_arrays_held_before_as_they_were(store_url: str) -> None:
    """New papers are appended in the room past the arrays held (no copy of the whole corpus); papers indexed
    again copy them. Either way a search still ranking with the arrays of before sees them unchanged."""
    rng = random.Random(5)
    papers = [make_paper(rng, n, summary=n > 3) for n in range(1, 41)]
    again = [replace(p, summary="再次出现的摘要") for p in papers[:3]]  # a summary now: indexed again, in a new segment
    async with await open_store(store_url) as store:
        await add_post(store, "2024-01-01/T.md", "T", "2024-01-01", papers[:10])
        await search(store, "gaussian", {})
        appended = []
        for day, listed in enumerate((papers[10:20], papers[20:30], papers[30:] + again), start=2):
            held = store._snapshot
            assert held is not None
            before = [a.copy() for a in (held.corpus.segment, held.corpus.length)]
            await add_post(store, f"2024-01-{day:02d}/T.md", "T", f"2024-01-{day:02d}", listed)
            await search(store, "gaussian", {})
            now = store._snapshot
            assert now is not None and now.corpus.rows == min(40, day * 10)
            assert np.array_equal(held.corpus.segment, before[0]) and np.array_equal(held.corpus.length, before[1])
            appended.append(np.shares_memory(now.corpus.segment, held.corpus.segment))
        # loaded whole, then copied into a buffer with room, then appended in place, then copied (papers moved)
        assert appended == [False, True, False]


async def _in_transaction(store: Any, fn: Callable[..., Any], *args: Any) -> Any:
    async with store.transaction() as conn:
        return await (run_shared if hasattr(store, "pool") else run_sync)(conn, fn, *args)


def _merged_since(top_seg: int) -> Callable[[Any], list[int]]:
    def targets(conn: Any) -> list[int]:
        return [int(r[0]) for r in conn.execute(
            "SELECT seg FROM rank_segments WHERE seg > ? AND seg IN (SELECT target FROM rank_merges) "
            "AND merged_upto IS NULL",
            (top_seg,)).fetchall()]
    return targets


def _lengthen(conn: Any, segs: list[int]) -> None:
    conn.execute(f"UPDATE rank_docs SET len = len + 1000 WHERE seg IN ({','.join('?' * len(segs))})", segs)


def _levels(conn: Any, segs: list[int]) -> list[int]:
    marks = ",".join("?" * len(segs))
    return [int(r[0]) for r in conn.execute(f"SELECT level FROM rank_segments WHERE seg IN ({marks})", segs)]


async def test_merges_between_two_searches_move_the_papers_held_in_memory(store_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The merger's work between two searches (fresh segments merged, a level merge begun and ended) moves the
    papers the running bot holds to their new segments in memory: its arrays equal a new reader's after every
    day, and the papers of those segments are not read again (a length changed behind the index's back in
    them stays as held, where a new reader reads it)."""
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 2)
    monkeypatch.setattr(rank_index, "FANOUT", 2)
    rng = random.Random(17)
    papers = [make_paper(rng, n) for n in range(1, 91)]
    running = await open_store(store_url)
    try:
        await running.merge_index(rank_index.MERGER_ROWS)  # the merger is at work: ingests leave merging to it
        moved_levels: set[int] = set()
        for day in range(9):
            while await running.merge_index(rank_index.MERGER_ROWS):  # the merger, between two days
                pass
            held = running._snapshot
            targets = await _in_transaction(running, _merged_since(held.docs.top_seg)) if held else []
            if day == 8:  # before the ingest, whose commit is taken in at once
                assert targets
                await _in_transaction(running, _lengthen, targets)
            again = rng.sample(papers[: day * 10 + 10], 2) if day else []  # seen again: indexed anew
            await add_post(running, f"2024-02-{day + 1:02d}/T.md", "3DGS", f"2024-02-{day + 1:02d}",
                           papers[day * 10 : day * 10 + 10] + again)
            pages = [await search(running, text, filters) for text, filters in QUERIES]
            async with await open_store(store_url) as new_reader:
                fresh_pages = [await search(new_reader, text, filters) for text, filters in QUERIES]
                kept, whole = running._snapshot, new_reader._snapshot
                assert kept is not None and whole is not None
                if day < 8:
                    same_arrays(kept, whole)
                    assert pages == fresh_pages
                    if targets:
                        moved_levels.update(await _in_transaction(running, _levels, targets))
                else:
                    in_targets = np.isin(whole.corpus.segment, targets)
                    assert np.array_equal(kept.corpus.segment, whole.corpus.segment)
                    assert np.array_equal(kept.corpus.length[in_targets] + 1000, whole.corpus.length[in_targets])
                    assert np.array_equal(kept.corpus.length[~in_targets], whole.corpus.length[~in_targets])
        assert {1, 2} <= moved_levels  # fresh segments merged, and a level merge begun and ended, between searches
    finally:
        await running.close()


async def test_an_ingest_in_this_process_is_taken_in_as_it_commits(store_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Once search is ready in a process, its own ingests are taken into the arrays it holds right after they
    commit, in the background: the first search after a day's ingest takes nothing in itself. A store that never
    made search ready (a scheduler apart) loads nothing."""
    calls: list[str] = []
    for name in ("load_docs", "docs_after", "fresh_after"):
        monkeypatch.setattr(rank_snapshot, name, counted(getattr(rank_snapshot, name), calls))
    rng = random.Random(23)
    papers = [make_paper(rng, n) for n in range(1, 31)]
    async with await open_store(store_url) as scheduler:
        await add_post(scheduler, "2024-03-01/T.md", "T", "2024-03-01", papers[:10])
        await scheduler._settle_take_in()
        assert scheduler._snapshot is None and calls == []
    async with await open_store(store_url) as bot:
        await bot.ready_search()
        for day, listed in ((2, papers[10:20]), (3, papers[20:])):
            calls.clear()
            await add_post(bot, f"2024-03-{day:02d}/T.md", "T", f"2024-03-{day:02d}", listed)
            await bot._settle_take_in()
            assert calls == ["docs_after", "fresh_after"] and bot._snapshot is not None
            assert bot._snapshot.corpus.rows == day * 10
            calls.clear()
            await search(bot, "gaussian", {})
            assert calls == []  # nothing left to take in
