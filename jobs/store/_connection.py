"""The store's connections and its one transaction helper.

Two aiosqlite connections to one WAL-mode file:
- the write connection (`db`): every write, always inside `transaction()`, which holds an
  asyncio.Lock from BEGIN IMMEDIATE to COMMIT. So a coroutine never starts a transaction inside
  another coroutine's, and a single write never silently joins one (it takes the lock too).
- the read connection (`reader`, read-only): reads by any coroutine not in a transaction of its
  own. WAL lets it read beside an open write transaction, and it sees only committed data, so a
  reader never observes half of someone else's transaction and never waits for the lock.
  Reads made by the task that holds the transaction go to the write connection, so they see its
  own uncommitted writes.
(An in-memory database cannot be shared by two connections: there the reader is the write
connection, and reads may see another task's open transaction.)

Nesting: `transaction()` inside a transaction of the same task becomes a SAVEPOINT, rolled back on
its own if its body raises. Another task (even a child of the holder) waits for the lock; a holder
that awaits such a task deadlocks, so don't.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from jobs.store import text_dicts
from jobs.store.rows import sql_functions

log = logging.getLogger(__name__)

# What a database that cannot be opened, read or written raises, for callers outside the store.
DatabaseError = sqlite3.Error

T = TypeVar("T")

# The busy timeout outlasts a piece of the ranking index merger's work (jobs/ops/rank_merger.py, the one
# other process that writes the file: its fresh merge or a level merge's last step can hold the write lock
# several seconds on a loaded machine); a close waits only CLOSE_BUSY_MS for its optimize.
_PRAGMAS = ("synchronous = NORMAL", "foreign_keys = ON", "busy_timeout = 20000")
CLOSE_BUSY_MS = 1000
# A paper's row is about 3 KB: in 4 KiB pages a quarter of each page stayed empty. Takes effect when
# the file is created; migrate.py rewrites an older file to it.
PAGE_SIZE = 16384


async def _pragma(db: aiosqlite.Connection, pragma: str) -> None:
    # Some pragmas answer with a row: an unread cursor would keep a statement open.
    async with db.execute(f"PRAGMA {pragma}") as cur:
        await cur.fetchall()


async def run_sync(db: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """`fn(conn, *args)` on the connection's own thread, with its plain sqlite3 connection: a batch
    of statements in one trip, where each aiosqlite call is a trip (a queue put and a future). Call
    it inside `transaction()`: it is a way to run statements, not to begin or end a transaction.
    (aiosqlite has no public name for this: `_execute` queues a call on its thread, `_conn` is the
    connection that thread owns; both date from aiosqlite 0.17.)"""
    conn = db._conn
    return await db._execute(fn, conn, *args)


async def connect_writer(path: Path) -> aiosqlite.Connection:
    if str(path) != ":memory:":
        if path.is_dir():  # said before aiosqlite starts its thread (a failed connect leaves it to the loop's end)
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        for pragma in (f"page_size = {PAGE_SIZE}", "journal_mode = WAL", *_PRAGMAS):
            await _pragma(db, pragma)
        # Migrations rebuild rows in SQL as Python makes them (index text, packed bodies).
        for name, n, fn in sql_functions():
            await db.create_function(name, n, fn, deterministic=True)
    except BaseException:
        # aiosqlite's worker thread is not a daemon: a connection left open keeps the process alive.
        await db.close()
        raise
    return db


async def connect_reader(path: Path) -> aiosqlite.Connection:
    db = await aiosqlite.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        for pragma in (*_PRAGMAS, "query_only = ON"):
            await _pragma(db, pragma)
    except BaseException:
        await db.close()
        raise
    return db


def _in_read_transaction(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any) -> T:
    if conn.in_transaction:
        return fn(conn, *args)
    conn.execute("BEGIN")  # deferred: the first read fixes the snapshot; nothing is written
    try:
        return fn(conn, *args)
    finally:
        conn.execute("COMMIT")


def _fetch_one(conn: sqlite3.Connection, sql: str, args: Sequence[Any] | dict[str, Any]) -> Any:
    return conn.execute(sql, args).fetchone()


def _fetch_all(conn: sqlite3.Connection, sql: str, args: Sequence[Any] | dict[str, Any]) -> list[Any]:
    return conn.execute(sql, args).fetchall()


class Connection:
    """The two connections, the lock, and helpers every part of the store uses."""

    def __init__(self, db: aiosqlite.Connection, reader: aiosqlite.Connection | None, path: Path) -> None:
        self.db = db
        self.reader = reader or db
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._savepoints = 0
        self.read_only = False  # opened with mode=ro (Store.open(read_only=True)): nothing to optimize

    def _index_changed(self) -> None:
        """An ingest committed papers to the index: searches held here take it in (jobs/store/search.py: TakeIn)."""

    def _in_own_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self, *, serial: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        """The one way to write: `async with store.transaction() as db:` commits when the body
        ends and rolls back if it raises. See the module docstring for locking and nesting.
        (`serial` is PostgreSQL's: SQLite's writes are always one at a time.)"""
        if self._in_own_transaction():
            self._savepoints += 1
            name = f"pb_{self._savepoints}"
            await self.db.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:  # SQLite may have rolled back everything already
                    with contextlib.suppress(sqlite3.Error):
                        await self.db.execute(f"ROLLBACK TO {name}")
                        await self.db.execute(f"RELEASE {name}")
                raise
            else:
                await self.db.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    # Some errors (a full disk) end the transaction themselves; and a failed
                    # ROLLBACK must not hide the error that caused it.
                    if self.db.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            await self.db.execute("ROLLBACK")
                    raise
                await self.db.execute("COMMIT")
            finally:
                self._owner = None

    def _db_in_transaction(self) -> bool:
        """Is a write transaction open that reads on `_read` may see before it commits (the
        caller's own, or any, on an in-memory database where the reader is the writer)?"""
        return self._read is self.db and self.db.in_transaction

    @property
    def _read(self) -> aiosqlite.Connection:
        """The connection a read goes to (see the module docstring)."""
        return self.db if self._in_own_transaction() else self.reader

    async def _one(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """The first column of the first row, or None."""
        row = await run_sync(self._read, _fetch_one, sql, args)
        return row[0] if row else None

    async def _read_together(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` on the read connection's thread inside one read transaction, so its
        statements all see the database as of one moment (each statement alone is its own moment).
        Inside the caller's own transaction (or on an in-memory database) it runs as it is."""
        return await run_sync(self._read, _in_read_transaction, fn, *args)

    async def _all(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        # One trip to the connection's thread (an aiosqlite cursor takes three: execute, fetch, close).
        return await run_sync(self._read, _fetch_all, sql, args)

    async def _paper_rows(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """`_all` for rows holding papers' bodies: the text dictionaries they name are learnt first."""
        rows = await self._all(sql, args)
        await text_dicts.learn_for(rows, self._all)
        return rows

    async def optimize(self) -> None:
        """Refresh the query planner's statistics where they went stale (SQLite's advice for
        long-lived connections: after big changes and before closing)."""
        async with self.transaction() as db, db.execute("PRAGMA optimize") as cur:
            await cur.fetchall()

    async def close(self) -> None:
        """Close both connections, whatever fails on the way: an optimize that cannot write (a full
        disk) is only logged; a connection left open would keep the process alive."""
        try:
            if not self.read_only:
                await _pragma(self.db, f"busy_timeout = {CLOSE_BUSY_MS}")  # optional work: no long wait
                await self.optimize()
        except sqlite3.Error as exc:
            log.warning("database %s: skipped PRAGMA optimize on close: %s", self.path, exc)
        finally:
            try:
                if self.reader is not self.db:
                    await self.reader.close()
            finally:
                await self.db.close()
