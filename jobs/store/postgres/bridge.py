"""Shared write paths on PostgreSQL: `run_shared(conn, fn, *args)` runs a function written for a plain
sqlite3 connection (the ingest path in jobs/store/papers.py, the ranking index in jobs/store/rank_index.py)
against the caller's asyncpg connection, inside the caller's transaction, so that the merge rule, the
text indexes and the index's segments have one implementation for both engines.

The function runs on a worker thread (the event loop goes on); each statement it runs is handed back
to the loop, which owns the connection, and the thread waits for the answer. Only what those paths use
of sqlite3 is offered: execute (with fetchone, fetchall, iteration) and executemany, `?` placeholders
(rewritten to $n). Statements must be portable SQL; the few places that differ ask `is_sqlite(conn)`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import asyncpg
import numpy as np

T = TypeVar("T")

_MARK = re.compile(r"\?")


@lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1, $2, … (the shared SQL never holds a literal `?`)."""
    n = iter(range(1, 1 << 16))
    return _MARK.sub(lambda _: f"${next(n)}", sql)


def _value(v: Any) -> Any:
    # numpy scalars reach the SQL from the index's arrays; asyncpg takes Python numbers only.
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


class Rows:
    """What `execute` returns: the statement's rows, read as a sqlite3 cursor reads them."""

    def __init__(self, rows: Sequence[asyncpg.Record]) -> None:
        self._rows = [tuple(r) for r in rows]
        self._at = 0

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rest, self._at = self._rows[self._at :], len(self._rows)
        return rest

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.fetchall())


class SyncConnection:
    """The caller's asyncpg connection as the shared paths call it, from the worker thread."""

    def __init__(self, conn: asyncpg.Connection, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._loop = loop
        self.stopped = False

    def _wait(self, coro: Any) -> Any:
        if self.stopped:  # the caller was cancelled: its transaction is being rolled back
            coro.close()
            raise asyncio.CancelledError
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows:
        return Rows(self._wait(self._conn.fetch(numbered(sql), *map(_value, args))))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(map(_value, r)) for r in rows]
        if batch:
            self._wait(self._conn.executemany(numbered(sql), batch))


async def run_shared(conn: asyncpg.Connection, fn: Callable[..., T], *args: Any) -> T:
    """`fn(sync_conn, *args)` on a worker thread, its statements on `conn` (see the module docstring).
    Call it inside `transaction()`, as run_sync is called on SQLite."""
    sync = SyncConnection(conn, asyncio.get_running_loop())
    work = asyncio.ensure_future(asyncio.to_thread(fn, sync, *args))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        # The rollback needs the connection: let the thread's statement in flight end first.
        sync.stopped = True
        await asyncio.wait([work])
        raise
