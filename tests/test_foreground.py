"""A search goes first: background work in the same process (an ingest's parse and rows) steps aside while a
search is under way, so the search does not wait on the GIL (benchmarks/scale.py, searches during an ingest);
it waits once a search at most, never on an event loop's thread, and not at all when nobody searches."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from jobs import foreground as fg
from jobs.find import run_search
from jobs.foreground import foreground, stepping
from jobs.formats import parse_post
from jobs.sources.base import Fetched, PostRef
from jobs.store import rank_index
from tests.engines import open_store
from tests.postgen import daily_arxiv_line, entries, kedreamix


def hold_up_to(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """A search may hold background work up `seconds` (credit enough for it)."""
    monkeypatch.setattr(fg, "MOST", seconds)
    monkeypatch.setattr(fg, "BURST", 60.0)
    monkeypatch.setattr(fg, "_credit", 60.0)


def in_thread(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_work_waits_for_the_search_under_way(monkeypatch: pytest.MonkeyPatch) -> None:
    hold_up_to(monkeypatch, 30.0)
    order: list[str] = []
    with foreground():
        worker = in_thread(lambda: (list(stepping(range(3))), order.append("work done")))
        time.sleep(0.3)
        order.append("search done")
    worker.join(10)
    assert order == ["search done", "work done"]


def test_without_a_search_work_does_not_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    hold_up_to(monkeypatch, 5.0)
    with foreground():
        pass  # a search that has ended
    t0 = time.perf_counter()
    worker = in_thread(lambda: list(stepping(range(10_000))))
    worker.join(10)
    assert not worker.is_alive() and time.perf_counter() - t0 < 2


def test_a_search_that_does_not_end_holds_work_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A search may wait on the work itself (a connection it holds): the work goes on after MOST."""
    hold_up_to(monkeypatch, 0.3)
    with foreground():
        t0 = time.perf_counter()
        worker = in_thread(lambda: list(stepping(range(100))))
        worker.join(10)
        took = time.perf_counter() - t0
    assert not worker.is_alive()
    assert 0.3 <= took < 3  # once, not 100 times
    with foreground():  # a new search has its turn again
        t0 = time.perf_counter()
        worker = in_thread(lambda: list(stepping(range(100))))
        worker.join(10)
        assert 0.3 <= time.perf_counter() - t0 < 3


def test_a_stream_of_searches_leaves_background_work_half_its_time() -> None:
    """Searches that overlap, one beginning every 20 ms: each is new, but the work still goes on, stepping
    aside for at most SHARE of its time and the BURST saved up (without that bound, nearly all of it)."""
    stop = threading.Event()
    searches: list[threading.Thread] = []

    def one_search() -> None:
        with foreground():
            time.sleep(0.03)

    def stream() -> None:
        while not stop.is_set():
            searches.append(in_thread(one_search))
            time.sleep(0.02)

    starter = in_thread(stream)
    aside, began = 0.0, time.monotonic()
    steps = stepping(iter(int, 1))  # endless
    try:
        while time.monotonic() - began < 3:
            t0 = time.monotonic()
            next(steps)
            aside += time.monotonic() - t0
            time.sleep(0.001)  # a piece of work
    finally:
        stop.set()
        starter.join(5)
        for search in searches:
            search.join(5)
    took = time.monotonic() - began
    assert aside <= fg.SHARE * took + fg.BURST + 0.3, (aside, took)


def test_a_search_inside_a_search_is_one() -> None:
    """The /search command is foreground around `run_search`, which is foreground too: one search, so
    background work steps aside for it once."""
    before = fg._begun
    with foreground(), foreground():
        assert not fg._idle.is_set()
    assert fg._begun == before + 1 and fg._idle.is_set()


async def test_a_search_is_foreground_work(store_url: str) -> None:
    """`run_search` (every /search and its pages) marks itself under way, whatever it finds."""
    store = await open_store(store_url)
    try:
        for text in ("gaussian", "2405.00001", '"a phrase"'):
            before = fg._begun
            await run_search(store, text)
            assert fg._begun == before + 1 and fg._idle.is_set()
    finally:
        await store.close()


async def test_work_on_the_event_loop_thread_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The search awaits answers that this very thread delivers: waiting here would only hold it up."""
    hold_up_to(monkeypatch, 5.0)
    with foreground():
        t0 = time.perf_counter()
        assert list(stepping(range(3))) == [0, 1, 2]
        assert time.perf_counter() - t0 < 2


def md_day(n: int) -> str:
    return "".join(f"### [{i}] [Paper {i} on Gaussian splatting](https://arxiv.org/abs/2405.0{i:04d})\n"
                   "*Author One*\n\nMain category: cs.CV\n\n" for i in range(1, n + 1))


@pytest.mark.parametrize(("path", "fmt", "text"), [
    ("2024-05-06/3DGS.md", "kedreamix", kedreamix("3DGS", "2024-05-06", entries("6", 5))),
    ("2024-05-06_AI_enhanced_Chinese.jsonl", "daily-arxiv", "\n".join(map(daily_arxiv_line, entries("6", 5)))),
    ("2024-05-06.md", "daily-arxiv", md_day(5)),
])
async def test_a_post_parsed_in_a_thread_waits_for_a_search(monkeypatch: pytest.MonkeyPatch, path: str, fmt: str,
                                                            text: str) -> None:
    hold_up_to(monkeypatch, 30.0)
    with foreground():
        task = asyncio.create_task(asyncio.to_thread(parse_post, text.encode(), path, fmt))
        await asyncio.sleep(0.3)
        assert not task.done(), "the parse went on while a search was under way"
    assert len((await asyncio.wait_for(task, 10)).papers) == 5


async def test_storing_a_post_waits_for_a_search_under_way(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On both engines the rows are built on a worker thread: they step aside, and the post is stored whole
    once the search is done."""
    hold_up_to(monkeypatch, 30.0)
    post = parse_post(kedreamix("3DGS", "2024-05-06", entries("6", 40)).encode(), "2024-05-06/3DGS.md", "kedreamix")
    store = await open_store(store_url)
    try:
        source = await store.upsert_source("local", "directory", "kedreamix", "/posts")
        with foreground():
            task = asyncio.create_task(store.record_post(source, PostRef("2024-05-06/3DGS.md", "v1"), Fetched(b""),
                                                         post))
            await asyncio.sleep(0.5)
            assert not task.done(), "the post was stored while a search was under way"
        assert (await asyncio.wait_for(task, 20)).new_papers == 40
        assert (await run_search(store, "gaussian")).total == 40
    finally:
        await store.close()


async def test_merging_the_index_waits_for_a_search_under_way(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The merger's piece, or an ingest's overdue merge, on the write thread: between its rows."""
    hold_up_to(monkeypatch, 30.0)
    monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 3)  # the ingests below leave their segments fresh
    store = await open_store(store_url)
    try:
        source = await store.upsert_source("local", "directory", "kedreamix", "/posts")
        for day, first in (("2024-05-06", 1), ("2024-05-07", 21)):
            post = parse_post(kedreamix("3DGS", day, entries("6", 20, first)).encode(), f"{day}/3DGS.md", "kedreamix")
            await store.record_post(source, PostRef(f"{day}/3DGS.md", "v1"), Fetched(b""), post)
        monkeypatch.setattr(rank_index, "FRESH_SEGMENTS", 2)  # now due
        with foreground():
            task = asyncio.create_task(store.merge_index(20_000))
            await asyncio.sleep(0.5)
            assert not task.done(), "the index was merged while a search was under way"
        assert await asyncio.wait_for(task, 20)
        assert not await store._one("SELECT count(*) FROM rank_segments WHERE level = 0")
        assert (await run_search(store, "gaussian")).total == 40
    finally:
        await store.close()
