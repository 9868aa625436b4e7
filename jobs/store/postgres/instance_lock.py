"""One Paperboy per PostgreSQL database (jobs/ops/instance.py's lock file, for a server): a session advisory
lock (pg_try_advisory_lock) held by a dedicated connection for the life of the process. The server drops
it when that session ends, however the process ends, so a crash never leaves a stale lock behind.

The connection lives on its own thread and event loop, so that the lock outlives the commands' own event
loops (each runs under asyncio.run) and never shares the store's pool. Its application_name says who
holds the lock, for the message a second process prints. A lost connection (the server restarted) loses
the lock with it: issue 18 (several processes on one database) builds on this."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from datetime import UTC, datetime
from typing import Any

import asyncpg

from jobs.database_url import DatabaseUrl
from jobs.fatal import InstanceLocked
from jobs.store.errors import StoreUnavailable
from jobs.store.postgres._connection import CONNECT_TIMEOUT_S, connect_problem

INSTANCE_LOCK = 0x7062_0003  # beside WRITER_LOCK and MIGRATION_LOCK ("pb" + 3)


class PgInstanceLock:
    """`with PgInstanceLock(url):` or acquire()/release(), as jobs.ops.instance.InstanceLock."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._conn: asyncpg.Connection | None = None

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def acquire(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="paperboy-instance-lock", daemon=True)
        self._thread.start()
        try:
            holder = self._run(self._take())
        except BaseException:
            self._stop()
            raise
        if holder is not None:
            self._stop()
            raise InstanceLocked(f"{self.url.key} {self.url.shown}: in use by another Paperboy ({holder}): "
                                 f"stop that one first, or point {self.url.key} elsewhere")

    async def _take(self) -> str | None:
        """Take the lock (None), or say who holds it."""
        me = (f"paperboy pid {os.getpid()} on {socket.gethostname()}, "
              f"started {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
        try:
            conn = await asyncpg.connect(self.url.url, timeout=CONNECT_TIMEOUT_S,
                                         server_settings={"application_name": me[:63]})
        except Exception as exc:
            problem = connect_problem(exc, self.url)
            if problem is None:
                raise
            raise StoreUnavailable(problem) from exc
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", INSTANCE_LOCK):
            self._conn = conn
            return None
        try:  # a bigint key is (classid, objid) = (high, low) 32 bits in pg_locks
            holder = await conn.fetchval(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 LIMIT 1",
                INSTANCE_LOCK >> 32, INSTANCE_LOCK & 0xFFFF_FFFF)
        finally:
            await conn.close()
        return holder or "a process that has not said its name"

    def release(self) -> None:
        if self._conn is not None and self._loop is not None:
            conn, self._conn = self._conn, None
            try:
                self._run(conn.close(timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError, asyncpg.InterfaceError):
                conn.terminate()  # the session ends either way, and the lock with it
        self._stop()

    def _stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
        self._loop, self._thread = None, None

    def __enter__(self) -> PgInstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
