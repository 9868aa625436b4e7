"""One Paperboy process per database: two would race each other (a message Discord accepted, then
"database is locked" on our side, then sent again by the other).

The lock is an OS lock (`flock`) on a file beside the database, held for the life of the process: the
kernel drops it when the process ends, however it ends, so a crash never leaves a stale lock behind.
The file says who holds it (pid, host, start time), for the message the second process prints.
(flock is not reliable on every network file system; keep the database on a local disk.)
A PostgreSQL database is held by an advisory lock instead: `instance_lock` picks the one that fits.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jobs.database_url import DatabaseUrl
from jobs.fatal import FatalError, InstanceLocked
from jobs.store.errors import database_problem

if TYPE_CHECKING:
    import asyncio

    from jobs.store.postgres.instance_lock import PgInstanceLock
    from jobs.store.postgres.leader_lock import PgLeaderLock


def instance_lock(database: DatabaseUrl) -> InstanceLock | PgInstanceLock:
    """The lock for the configured database: this file lock beside a SQLite file; on a PostgreSQL server,
    an advisory lock held by a connection of its own (jobs/store/postgres/instance_lock.py)."""
    if database.path is not None:
        return InstanceLock(database.path)
    from jobs.store.postgres.instance_lock import PgInstanceLock

    return PgInstanceLock(database)


class SoleLeader:
    """An SQLite database's scheduler: the lock file already makes its process the only one."""

    async def lead(self, stop: asyncio.Event) -> bool:
        return not stop.is_set()

    async def release(self) -> None:
        pass


def leader_lock(database: DatabaseUrl) -> SoleLeader | PgLeaderLock:
    """What makes this process the one scheduler (issue 18): on PostgreSQL, an advisory lock that a second
    scheduler waits for (jobs/store/postgres/leader_lock.py); on SQLite, the lock file already did."""
    if database.path is not None:
        return SoleLeader()
    from jobs.store.postgres.leader_lock import PgLeaderLock

    return PgLeaderLock(database)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """`with InstanceLock(database_path):` or acquire()/release(). Acquiring twice in one process fails
    too (flock locks belong to the open file, not the process)."""

    def __init__(self, database: str | Path) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None

    def acquire(self) -> None:
        if str(self.database) == ":memory:":
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise FatalError(database_problem(exc, self.database) or str(exc)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(_read(fd))
            os.close(fd)
            raise InstanceLocked(
                f"database.path {self.database}: in use by another Paperboy ({holder}; lock {self.path}): "
                "stop that one first, or point database.path elsewhere"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        # The file stays: removing it would let a third process lock a new file while a second
        # still waits on the old one.
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read(fd: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict[str, object]) -> str:
    if not holder.get("pid"):
        return "a process that has not written its name yet"
    return f"pid {holder.get('pid')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"
