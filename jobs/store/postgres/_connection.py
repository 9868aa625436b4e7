"""The PostgreSQL store's pool and its one transaction helper, the counterpart of jobs/store/_connection.py.

- A pool of asyncpg connections. `transaction()` takes one from the pool for the calling task and holds
  it until the outermost block ends; inside, a nested `transaction()` of the same task is a savepoint
  (asyncpg nests transactions on one connection as savepoints), rolled back on its own if its body raises.
  Another task, even a child of the holder, gets its own connection and its own transaction.
- Writers are serialised, as SQLite's single writer is: the outermost transaction takes a transaction-level
  advisory lock (WRITER_LOCK) first, across every process on the database. The areas were written for
  that guarantee (read, check, then write); relaxing it per area is for the multi-process work (issue 18).
- Reads outside a transaction go to any pooled connection and see committed data; reads by the task
  holding a transaction go to its connection, so they see its own uncommitted writes.

Connection failures become StoreUnavailable with one plain line naming the URL without its password.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from jobs.database_url import DatabaseUrl
from jobs.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

# pg_advisory_xact_lock / pg_advisory_lock keys: arbitrary, fixed, and Paperboy's own ("pb" + 1, + 2).
WRITER_LOCK = 0x7062_0001
MIGRATION_LOCK = 0x7062_0002
CONNECT_TIMEOUT_S = 10.0


def connect_problem(exc: BaseException, url: DatabaseUrl) -> str | None:
    """The plain line for a server that cannot be reached or used, or None when `exc` is not such a failure."""
    where = f"{url.key} {url.shown}"
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return f"{where}: the server refused the password ({exc}); fix the password in the URL"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return f"{where}: the server refused the user ({exc}); fix the user in the URL or create that role"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return (f"{where}: {exc}; create it (createdb, or CREATE DATABASE) or fix the database name in the URL")
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return f"{where}: {exc}; grant the user the rights it needs, or use another user"
    if isinstance(exc, asyncpg.TooManyConnectionsError | asyncpg.CannotConnectNowError):
        return f"{where}: the server turned the connection away ({exc}); try again, or check the server"
    if isinstance(exc, socket.gaierror):
        return f"{where}: the host name does not resolve ({exc.strerror or exc}); fix the host in the URL"
    if isinstance(exc, ConnectionRefusedError) or (isinstance(exc, OSError) and "Connect call failed" in str(exc)):
        return f"{where}: no PostgreSQL server answers there (connection refused); start it, or fix the host and port"
    if isinstance(exc, TimeoutError):
        return f"{where}: the server did not answer within {CONNECT_TIMEOUT_S:g} s; check the host, port and firewall"
    if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError):
        return f"{where}: {type(exc).__name__}: {exc} (run with --verbose for the traceback)"
    if isinstance(exc, OSError):
        return f"{where}: cannot connect: {exc.strerror or exc}; check the host and port"
    return None


# The server went away or turns connections away: a fault of the moment, not of Paperboy or its data.
_LOST = (asyncpg.PostgresConnectionError, asyncpg.ConnectionDoesNotExistError, asyncpg.AdminShutdownError,
         asyncpg.CrashShutdownError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError,
         ConnectionError, TimeoutError)


def lost_problem(exc: BaseException, url: DatabaseUrl) -> str | None:
    """The plain line for a server lost or unreachable while the store was in use (a cycle, a command), or
    None when `exc` is another failure (a bug keeps its traceback)."""
    seen: BaseException | None = exc
    while seen is not None:
        turned_away = (isinstance(seen, asyncpg.ObjectNotInPrerequisiteStateError)
                       and "not currently accepting connections" in str(seen))
        if isinstance(seen, _LOST) or turned_away or (
                isinstance(seen, OSError) and connect_problem(seen, url) is not None):
            return f"{url.key} {url.shown}: the database server could not be used ({type(seen).__name__}: {seen})"
        seen = seen.__cause__ or seen.__context__
    return None


async def create_pool(url: DatabaseUrl, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool of connections to `url`, with its first connection made (so a bad URL fails here)."""
    try:
        return await asyncpg.create_pool(url.url, min_size=min_size, max_size=max_size, timeout=CONNECT_TIMEOUT_S,
                                         command_timeout=None)
    except Exception as exc:
        problem = connect_problem(exc, url)
        if problem is None:
            raise
        raise StoreUnavailable(problem) from exc


def affected(status: str) -> int:
    """The rows a statement changed, from asyncpg's status line ("DELETE 3", "INSERT 0 2")."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class PgConnection:
    """The pool, the task that holds the open transaction, and the helpers every area uses."""

    def __init__(self, pool: asyncpg.Pool, url: DatabaseUrl) -> None:
        self.pool = pool
        self.url = url
        # task -> its connection, while it holds a transaction
        self._held: dict[asyncio.Task[Any], asyncpg.Connection] = {}

    def _own(self) -> asyncpg.Connection | None:
        task = asyncio.current_task()
        return self._held.get(task) if task is not None else None

    @asynccontextmanager
    async def transaction(self, *, serial: bool = True) -> AsyncIterator[asyncpg.Connection]:
        """The one way to write: `async with store.transaction() as conn:` commits when the body ends and
        rolls back if it raises (a lost connection rolls back on the server). See the module docstring.
        `serial=False` skips the writer lock: only for statements that lock the rows they change themselves
        (the senders' claims on the outbox, FOR UPDATE SKIP LOCKED), so senders do not queue behind a plan."""
        conn = self._own()
        if conn is not None:
            async with conn.transaction():  # nested: a savepoint
                yield conn
            return
        task = asyncio.current_task()
        assert task is not None, "transaction() runs inside a task"
        async with self.pool.acquire() as conn, conn.transaction():
            if serial:
                await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITER_LOCK)
            self._held[task] = conn
            try:
                yield conn
            finally:
                del self._held[task]

    async def _one(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        conn = self._own()
        return await (conn.fetchval(sql, *args) if conn is not None else self.pool.fetchval(sql, *args))

    async def _all(self, sql: str, *args: Any) -> Sequence[asyncpg.Record]:
        conn = self._own()
        return await (conn.fetch(sql, *args) if conn is not None else self.pool.fetch(sql, *args))

    async def optimize(self) -> None:
        """Refresh the planner's statistics (ANALYZE), as SQLite's PRAGMA optimize does."""
        async with self.pool.acquire() as conn:
            await conn.execute("ANALYZE")

    async def close(self) -> None:
        """Close the pool (autovacuum keeps the statistics: no ANALYZE on the way out, unlike SQLite)."""
        try:
            await asyncio.wait_for(self.pool.close(), CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError, asyncpg.InterfaceError) as exc:
            log.warning("database %s: pool did not close cleanly (%s); terminating it", self.url.shown, exc)
            self.pool.terminate()
