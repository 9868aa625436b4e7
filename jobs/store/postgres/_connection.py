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
- A pooled connection the server ended while it sat idle (a restart, pg_terminate_backend) is dropped on
  its first statement and the statement runs on another (`_lent`): nothing ran on it, so a server that is
  back is used at once, and one still gone says so when the pool cannot connect.

Connection failures become StoreUnavailable with one plain line naming the URL without its password.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg

from jobs.database_url import DatabaseUrl
from jobs.store import text_dicts
from jobs.store.errors import StoreUnavailable
from jobs.store.postgres.fresh_claims import FreshClaims

log = logging.getLogger(__name__)
T = TypeVar("T")

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


# What the first statement on a pooled connection raises when the server ended that connection while it was
# idle: ConnectionDoesNotExistError, or, when asyncpg has read the server's goodbye (a FATAL error) but not
# yet the close after it, InternalClientError ("cannot switch to state 15; another operation (2) is in
# progress"), which says nothing of a lost connection. Either way the statement never ran.
_DEAD_ON_ARRIVAL = (asyncpg.ConnectionDoesNotExistError, asyncpg.InternalClientError)


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


async def create_pool(url: DatabaseUrl, *, min_size: int = 1, max_size: int = 10,
                      read_only: bool = False) -> asyncpg.Pool:
    """A pool of connections to `url`, with its first connection made (so a bad URL fails here);
    `read_only`: every transaction on them read-only (the server refuses any write)."""
    settings = {"default_transaction_read_only": "on"} if read_only else {}
    try:
        return await asyncpg.create_pool(url.url, min_size=min_size, max_size=max_size, timeout=CONNECT_TIMEOUT_S,
                                         command_timeout=None, server_settings=settings, reset=_no_reset)
    except Exception as exc:
        problem = connect_problem(exc, url)
        if problem is None:
            raise
        raise StoreUnavailable(problem) from exc


async def _no_reset(conn: asyncpg.Connection) -> None:
    """What the pool does to a connection given back, after rolling back any transaction left open: nothing.
    asyncpg's default (unlock advisory locks, CLOSE ALL, UNLISTEN *, RESET ALL) is one more round trip for
    every transaction and every read outside one (a quarter of a sender's time a message), and the store
    leaves none of it on a pooled connection: its locks and settings are the transaction's own
    (pg_advisory_xact_lock, SET LOCAL), cursors end with their transaction, LISTEN has a connection of its
    own (claims.py), and migrate.py unlocks its session lock itself (a store whose open fails is closed)."""


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
        self.read_only = False  # opened with read_only=True: sessions read-only, never migrated
        self.fresh_claims = FreshClaims()  # the senders' claims of a moment ago (claims.py)

    def _index_changed(self) -> None:
        """An ingest committed papers to the index: searches held here take it in (jobs/store/search.py: TakeIn)."""

    def _own(self) -> asyncpg.Connection | None:
        task = asyncio.current_task()
        return self._held.get(task) if task is not None else None

    @asynccontextmanager
    async def transaction(self, *, serial: bool = True, durable: bool = True) -> AsyncIterator[asyncpg.Connection]:
        """The one way to write: `async with store.transaction() as conn:` commits when the body ends and
        rolls back if it raises (a lost connection rolls back on the server). See the module docstring.
        `serial=False` skips the writer lock: only for statements that lock the rows they change themselves
        (the senders' claims on the outbox, FOR UPDATE SKIP LOCKED), so senders do not queue behind a plan.
        `durable=False` commits without waiting for the WAL to reach the disk (synchronous_commit off):
        the commit is visible to every other transaction at once, but a crash of the server (not of
        Paperboy) within about 3 x wal_writer_delay may lose it. Only for writes whose loss the caller has
        shown harmless (jobs/store/postgres/claims.py); a later durable commit makes it durable too (the WAL
        is flushed in order). Ignored when nested (the outermost transaction's commit decides)."""
        conn = self._own()
        if conn is not None:
            async with conn.transaction():  # nested: a savepoint
                yield conn
            return
        task = asyncio.current_task()
        assert task is not None, "transaction() runs inside a task"
        conn, tx = await self._lent(_begin)
        try:
            try:
                if serial:
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITER_LOCK)
                if not durable:
                    await conn.execute("SET LOCAL synchronous_commit TO off")
                self._held[task] = conn
                try:
                    yield conn
                finally:
                    del self._held[task]
            except BaseException as exc:
                # The server ended the connection under the transaction: asyncpg says so as
                # InternalClientError when it read the goodbye before the close (see _DEAD_ON_ARRIVAL), or
                # InterfaceError ("released back to the pool") after it; said as the lost connection it is.
                if isinstance(exc, asyncpg.InternalClientError | asyncpg.InterfaceError) and await _closing(conn):
                    raise asyncpg.ConnectionDoesNotExistError(
                        "the server closed the connection in the middle of a transaction") from exc
                if not _closed(conn):  # a closed one was rolled back by the server: keep the first error
                    await tx.rollback()
                raise
            await tx.commit()
        finally:
            await self.pool.release(conn)

    async def _lent(self, first: Callable[[asyncpg.Connection], Awaitable[T]]) -> tuple[asyncpg.Connection, T]:
        """A pooled connection, and what its first statement `first(conn)` returned; the caller releases it.
        A connection the server ended while it sat in the pool is dropped and `first` runs on another
        (see _DEAD_ON_ARRIVAL): `first` must be a statement that may run again (a BEGIN, a read)."""
        tries = self.pool.get_max_size() + 1  # every pooled connection may be dead (a restart), then a new one
        for attempt in range(tries):
            conn = await self.pool.acquire()
            try:
                return conn, await first(conn)
            except _DEAD_ON_ARRIVAL:
                if not _closed(conn):
                    conn.terminate()
                await self.pool.release(conn)  # (a closed one the pool took back already: a no-op)
                if attempt == tries - 1:
                    raise
            except BaseException:
                await self.pool.release(conn)
                raise
        raise AssertionError("not reached")

    async def _pooled(self, read: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`read(conn)` on a pooled connection (one that the server ended is replaced: see `_lent`)."""
        conn, value = await self._lent(read)
        await self.pool.release(conn)
        return value

    async def _one(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None."""
        conn = self._own()
        if conn is not None:
            return await conn.fetchval(sql, *args)
        return await self._pooled(lambda c: c.fetchval(sql, *args))

    async def _all(self, sql: str, *args: Any) -> Sequence[asyncpg.Record]:
        conn = self._own()
        if conn is not None:
            return await conn.fetch(sql, *args)
        return await self._pooled(lambda c: c.fetch(sql, *args))

    async def _paper_rows(self, sql: str, *args: Any) -> Sequence[asyncpg.Record]:
        """`_all` for rows holding papers' bodies: the text dictionaries they name are learnt first (the
        process that trained one may be another: a scheduler beside senders)."""
        rows = await self._all(sql, *args)
        await text_dicts.learn_for(rows, self._all)
        return rows

    async def optimize(self) -> None:
        """Refresh the planner's statistics (ANALYZE), as SQLite's PRAGMA optimize does."""
        await self._pooled(lambda c: c.execute("ANALYZE"))

    async def close(self) -> None:
        """Close the pool (autovacuum keeps the statistics: no ANALYZE on the way out, unlike SQLite)."""
        try:
            await asyncio.wait_for(self.pool.close(), CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError, asyncpg.InterfaceError) as exc:
            log.warning("database %s: pool did not close cleanly (%s); terminating it", self.url.shown, exc)
            self.pool.terminate()


async def _begin(conn: asyncpg.Connection) -> Any:
    tx = conn.transaction()
    await tx.start()
    return tx


def _closed(conn: asyncpg.Connection) -> bool:
    """Is the connection closed? A pooled one is handed back to its pool as it closes, and then says so."""
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:  # "released back to the pool"
        return True


async def _closing(conn: asyncpg.Connection, wait: float = 1.0) -> bool:
    """Does the connection close within `wait` seconds? (Its close follows the server's goodbye within a
    few turns of the loop.)"""
    deadline = asyncio.get_running_loop().time() + wait
    while not _closed(conn):
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def paper_rows(conn: asyncpg.Connection, sql: str, *args: Any) -> Sequence[asyncpg.Record]:
    """`conn.fetch` for rows holding papers' bodies, on a connection held (a plan's transaction): the text
    dictionaries they name are learnt first (see `_paper_rows`)."""
    rows = await conn.fetch(sql, *args)
    await text_dicts.learn_for(rows, conn.fetch)
    return rows
