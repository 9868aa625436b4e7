"""The ranking index's merger process (jobs/ops/rank_merger.py, issue 20 item 1): real subprocesses beside
real ingests, on both engines. While it works the ingests leave merging to it, and every page stays FTS5's
(SQLite) and SQLite's (PostgreSQL); killed with SIGKILL at any moment, nothing is lost and the index is still
exact; it stops when asked, when the bot closes, and when the process that started it is gone."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import simcord

from jobs.database_url import ENV_VAR, parse_database_url
from jobs.ops.rank_merger import Merger
from jobs.store import rank_index
from tests.conftest import make_config
from tests.engines import SQLITE_ONLY, fresh_database, open_store
from tests.pages import result_pages
from tests.test_rank_index import QUERIES, add_post, compare, ingest_with_updates_and_merges, make_paper

ROOT = Path(__file__).resolve().parents[1]
# The real merger, with thresholds small enough for 250 papers to merge at every level, a few rows a piece.
SMALL = {"FRESH_SEGMENTS": 4, "FANOUT": 2, "MERGE_CHUNK": 300, "MERGER_ROWS": 40}
CHILD = ("import sys\nfrom jobs.store import rank_index\n{sets}\nfrom jobs.ops import rank_merger\n"
         "sys.exit(rank_merger.main())\n")


def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's ingests use the merger's thresholds too (they say when work is overdue)."""
    for name, value in SMALL.items():
        monkeypatch.setattr(rank_index, name, value)


async def start_merger(url: str, **sets: int) -> asyncio.subprocess.Process:
    code = CHILD.format(sets="\n".join(f"rank_index.{k} = {v!r}" for k, v in {**SMALL, **sets}.items()))
    return await asyncio.create_subprocess_exec(sys.executable, "-c", code, stdin=asyncio.subprocess.PIPE,
                                                env=dict(os.environ, **{ENV_VAR: url}), cwd=ROOT)


async def stop(process: asyncio.subprocess.Process) -> int:
    assert process.stdin is not None
    process.stdin.close()
    return await asyncio.wait_for(process.wait(), 30)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def beating(store: Any) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await store.get_meta(rank_index.MERGER_KEY) is not None
    return check


def settled(store: Any) -> Callable[[], Awaitable[bool]]:
    """Nothing left for a merger: fresh segments below the threshold, no level merge under way or due."""
    async def check() -> bool:
        fresh = await store._one("SELECT count(*) FROM rank_segments WHERE level = 0")
        stepping = await store._one("SELECT count(*) FROM rank_segments WHERE merged_upto IS NOT NULL")
        full = await store._one("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM rank_segments "
                                "WHERE level > 0 GROUP BY level) AS levels")
        return bool(fresh < SMALL["FRESH_SEGMENTS"] and stepping == 0 and full < SMALL["FANOUT"])
    return check


async def pages(store: Any) -> list[object]:
    queries = [*QUERIES, ("再次", {}), ('"gaussian splatting"', {}), ("高斯泼溅", {})]
    return await result_pages(store, queries, (0, 20), 10)


async def test_the_merger_merges_beside_the_ingests_and_every_page_stays_exact(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small(monkeypatch)
    async with fresh_database("sqlite", tmp_path / "reference") as url, await open_store(url) as reference:
        await ingest_with_updates_and_merges(reference)  # no merger: its ingests merge, as before
        expected = await pages(reference)
    async with await open_store(store_url) as store:
        merger = await start_merger(store_url)
        try:
            await until(beating(store))
            await ingest_with_updates_and_merges(store)
            await until(settled(store), timeout=180)
        finally:
            assert await stop(merger) == 0
        levels = [r[0] for r in await store._all("SELECT level FROM rank_segments")]
        assert max(levels) >= 2  # level merges too, by the merger
        assert await pages(store) == expected  # the same pages and scores as the ingests' own merging gives
        if store_url.startswith("sqlite"):
            for text, filters in QUERIES:
                await compare(store, text, filters)  # and FTS5's full ranking
        # Stopped, its last beat is recent: ingests leave merging to it until the work is overdue (twice
        # the fresh segments that make it due), then merge themselves.
        rng = random.Random(3)
        fresh = lambda: store._one("SELECT count(*) FROM rank_segments WHERE level = 0")  # noqa: E731
        before = await fresh()
        for n in range(2 * SMALL["FRESH_SEGMENTS"] - before - 1):
            await add_post(store, f"2025-01-{n + 1:02d}/T.md", "T", f"2025-01-{n + 1:02d}",
                           [make_paper(rng, 1000 + 2 * n), make_paper(rng, 1001 + 2 * n)])
        assert await fresh() == 2 * SMALL["FRESH_SEGMENTS"] - 1
        await add_post(store, "2025-02-01/T.md", "T", "2025-02-01", [make_paper(rng, 2000)])
        assert await fresh() == 0  # overdue: merged by the ingest


async def test_a_merger_killed_at_any_moment_loses_nothing(store_url: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL at random moments while it merges (pieces of 5 rows, half its time inside a transaction, so
    some kills land mid-piece): after each kill every page is what an index never merged by a merger gives
    (and FTS5's on SQLite), and a new merger finishes the work."""
    small(monkeypatch)
    rng = random.Random(11)
    async with fresh_database("sqlite", tmp_path / "reference") as url, await open_store(url) as reference:
        await ingest_with_updates_and_merges(reference)
        expected = await pages(reference)
    async with await open_store(store_url) as store:
        merger = await start_merger(store_url, MERGER_ROWS=5)
        await until(beating(store))
        await ingest_with_updates_and_merges(store)  # 25 posts: plenty for it to merge
        for _ in range(6):
            await asyncio.sleep(rng.uniform(0.02, 0.3))
            merger.kill()
            assert await asyncio.wait_for(merger.wait(), 30) == -signal.SIGKILL
            assert await pages(store) == expected
            merger = await start_merger(store_url, MERGER_ROWS=5)
        assert await stop(merger) == 0
        merger = await start_merger(store_url)  # the rest in bigger pieces: quicker on a busy machine
        await until(settled(store), timeout=180)
        assert await stop(merger) == 0
        assert await store._one("SELECT count(*) FROM rank_docs WHERE seg NOT IN (SELECT seg FROM rank_segments)") == 0
        assert await pages(store) == expected
        if store_url.startswith("sqlite"):
            for text, filters in QUERIES:
                await compare(store, text, filters)


@SQLITE_ONLY  # the process's life, the same on either engine
async def test_the_merger_stops_when_asked_and_when_its_parent_is_gone(store_url: str, tmp_path: Path) -> None:
    url = parse_database_url(store_url, "test")
    async with await open_store(store_url) as store:
        merger = Merger(url)
        await merger.start()
        process = merger.process
        assert process is not None
        await until(beating(store))
        assert await merger.stop(timeout=20) == 0 and process.returncode == 0
        # A parent killed outright (no close, no signal handler): the merger sees its pipe end and exits.
        parent = await asyncio.create_subprocess_exec(
            sys.executable, "-c",
            "import asyncio, sys\nfrom jobs.database_url import parse_database_url\n"
            "from jobs.ops.rank_merger import Merger\n"
            "async def main():\n"
            f"    m = Merger(parse_database_url({store_url!r}, 'test'))\n"
            "    await m.start()\n    print(m.process.pid, flush=True)\n    await asyncio.sleep(600)\n"
            "asyncio.run(main())\n", stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        assert parent.stdout is not None
        child = int(await asyncio.wait_for(parent.stdout.readline(), 30))
        parent.kill()
        await parent.wait()
        deadline = time.monotonic() + 30
        while _alive(child):
            assert time.monotonic() < deadline, "the merger outlived its parent"
            await asyncio.sleep(0.05)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@SQLITE_ONLY  # SimCord's clock (tests/engines.py)
async def test_the_scheduling_bot_runs_the_merger_and_stops_it_on_close(tmp_path: Path, make_bot) -> None:
    config = make_config(tmp_path)
    async with simcord.run(make_bot(config, scheduler=True)) as env:
        await env.settle()
        await env.bot._startup
        merger = env.bot._merger
        assert merger is not None and merger.process is not None and merger.process.returncode is None
        process = merger.process
        await until(beating(env.bot.store))
        await env.bot.close()
        assert process.returncode == 0 and env.bot._merger is None


def test_a_merger_that_cannot_reach_its_database_says_so_in_one_line(tmp_path: Path) -> None:
    """Its database gone or its URL unusable: one plain line naming it, exit 1, no traceback; and run by
    hand with stdin no pipe (/dev/null), it runs rather than crashing on the pipe it watches for its parent."""
    import subprocess

    (tmp_path / "a-file").write_text("not a folder")
    for url, says in ((f"sqlite:///{tmp_path / 'a-file' / 'p.db'}", "p.db"),
                      ("bogus://x", "bogus://")):
        done = subprocess.run([sys.executable, "-m", "jobs.ops.rank_merger"], cwd=ROOT, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60, env=dict(os.environ, **{ENV_VAR: url}))
        assert done.returncode == 1, done
        assert "Traceback" not in done.stderr and says in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    alive = subprocess.Popen([sys.executable, "-m", "jobs.ops.rank_merger"], cwd=ROOT, stdin=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, **{ENV_VAR: f"sqlite:///{tmp_path / 'p.db'}"}))
    try:
        time.sleep(3)
        assert alive.poll() is None, alive.stderr.read() if alive.stderr else ""
        alive.send_signal(signal.SIGTERM)
        assert alive.wait(timeout=30) == 0
    finally:
        if alive.poll() is None:
            alive.kill()
            alive.wait()
