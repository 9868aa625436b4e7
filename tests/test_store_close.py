"""Closing the store always closes its connections (issue 9): aiosqlite runs each on a non-daemon
thread, so one left open keeps the process alive for ever after a fatal error."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from jobs.store import Store


def paperboy_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.is_alive() and not t.daemon and t is not threading.main_thread())


async def test_close_reaches_the_connections_when_optimize_fails(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    before = paperboy_threads()
    store = await Store.open(tmp_path / "pb.db")
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
    assert paperboy_threads() == before  # both connections' threads are gone


async def test_a_failed_open_leaves_no_connection_behind(tmp_path: Path) -> None:
    before = paperboy_threads()
    bad = tmp_path / "pb.db"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception, match="not an SQLite database"):
        await Store.open(bad)
    assert paperboy_threads() == before  # before: the writer's thread stayed, and the process hung
