"""One scheduler at a time on a PostgreSQL database (issue 18): the scheduler (and `run --role all`) holds
a session advisory lock (LEADER_LOCK, not the instance lock's key) on a connection of its own. A second
scheduler waits, trying again every few seconds; when the leader's session ends (the process died, however
it died), the server drops the lock and the waiting one takes it on its next try.

The connection lives on the caller's event loop (the bot's): the lock is held as long as the bot runs, and
`holds()` says whether it still is: a leader whose connection is lost stops scheduling and waits to lead again
(bot/app.py), since another scheduler may lead by then."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import UTC, datetime

import asyncpg

from jobs.database_url import DatabaseUrl
from jobs.store.errors import StoreUnavailable
from jobs.store.postgres._connection import CONNECT_TIMEOUT_S, connect_problem

log = logging.getLogger(__name__)

LEADER_LOCK = 0x7062_0004  # beside WRITER_LOCK, MIGRATION_LOCK and INSTANCE_LOCK ("pb" + 4)
RETRY_S = 3.0  # a waiting scheduler's try interval: it takes over within this of the leader's end


class PgLeaderLock:
    """`await lock.lead(stop)`: True once this process leads, False when `stop` was set first."""

    def __init__(self, url: DatabaseUrl, *, retry: float = RETRY_S) -> None:
        self.url = url
        self.retry = retry
        self._conn: asyncpg.Connection | None = None
        self.me = (f"paperboy scheduler pid {os.getpid()} on {socket.gethostname()}, "
                   f"started {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")

    async def lead(self, stop: asyncio.Event) -> bool:
        said = False
        while not stop.is_set():
            holder = await self._try()
            if holder is None:
                log.info("leading: this process runs the schedule (%s %s)", self.url.key, self.url.shown)
                return True
            if not said:  # once: a wait of hours would otherwise fill the log
                log.info("waiting: another scheduler leads (%s); trying again every %.0f s", holder, self.retry)
                said = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.retry)
        return False

    async def _try(self) -> str | None:
        """Take the lock (None), or say who holds it."""
        if self._conn is None or self._conn.is_closed():
            try:
                self._conn = await asyncpg.connect(self.url.url, timeout=CONNECT_TIMEOUT_S,
                                                   server_settings={"application_name": self.me[:63]})
            except Exception as exc:
                problem = connect_problem(exc, self.url)
                if problem is None:
                    raise
                raise StoreUnavailable(problem) from exc
        conn = self._conn
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
            return None
        # a bigint key is (classid, objid) = (high, low) 32 bits in pg_locks
        holder = await conn.fetchval(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 LIMIT 1",
            LEADER_LOCK >> 32, LEADER_LOCK & 0xFFFF_FFFF)
        return holder or "a process that has not said its name"

    async def holds(self) -> bool:
        """Does this process still lead? False once the lock's connection is gone (the server restarted, the
        session was ended, the network dropped): the server released the lock with the session."""
        conn = self._conn
        if conn is None or conn.is_closed():
            return False
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                return bool(await conn.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() "
                    "AND classid = $1 AND objid = $2", LEADER_LOCK >> 32, LEADER_LOCK & 0xFFFF_FFFF))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.close(timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError, asyncpg.InterfaceError):
                conn.terminate()  # the session ends either way, and the lock with it
