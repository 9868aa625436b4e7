"""Closing the store always closes its connections (issue 9): aiosqlite runs each on a non-daemon
thread, so one left open keeps the process alive for ever after a fatal error."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from jobs.store import Store


def sqlite_threads() -> set[threading.Thread]:
    """aiosqlite's worker threads alive (Python names a thread after its target)."""
    return {t for t in threading.enumerate() if t.is_alive() and "_connection_worker_thread" in t.name}


def still_running(threads: set[threading.Thread]) -> set[threading.Thread]:
    """Those of `threads` still alive after a moment: a closed connection's thread ends just after
    close() returns; one left open runs for ever."""
    for thread in threads:
        thread.join(timeout=5)
    return {t for t in threads if t.is_alive()}


async def test_close_reaches_the_connections_when_optimize_fails(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    others = sqlite_threads()
    store = await Store.open(tmp_path / "pb.db")
    mine = sqlite_threads() - others
    assert len(mine) == 2  # the writer and the reader
    await store.set_meta("k", "v")
    # Another connection holds the write lock past the store's busy timeout: PRAGMA optimize (a write
    # transaction) fails at close. Before, close() raised there and never closed the connections.
    other = await Store.open(tmp_path / "pb.db")
    try:
        async with other.transaction():
            with caplog.at_level(logging.WARNING):
                await store.close()
    finally:
        await other.close()
    assert "skipped PRAGMA optimize on close" in caplog.text and "database is locked" in caplog.text
    assert still_running(mine) == set()


async def test_a_failed_open_leaves_no_connection_behind(tmp_path: Path) -> None:
    others = sqlite_threads()
    bad = tmp_path / "pb.db"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception, match="not an SQLite database"):
        await Store.open(bad)
    # Before: the writer's thread stayed, and the process never exited.
    assert still_running(sqlite_threads() - others) == set()
