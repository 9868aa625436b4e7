"""The SQLite store: one class composed of the per-area parts, opened with `open_store(path)`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from jobs.store import migrate
from jobs.store._connection import connect_reader, connect_writer
from jobs.store.claims import Claims
from jobs.store.club import Club
from jobs.store.dm_schedule import DmSchedules
from jobs.store.errors import StoreUnavailable, database_problem
from jobs.store.feeds import Feeds
from jobs.store.lab_week import LabWeek
from jobs.store.languages import Languages
from jobs.store.meta import Meta
from jobs.store.outbox import Outbox
from jobs.store.papers import Papers
from jobs.store.released import Released
from jobs.store.search import Search
from jobs.store.signal import Signal
from jobs.store.subscriptions import Subscriptions
from jobs.store.watch import Watch


class Store(Papers, Feeds, Released, Outbox, Claims, Subscriptions, Search, Meta, Watch, Languages, Signal, DmSchedules,
            LabWeek, Club):
    """Async access to the database (WAL mode). Open with `await Store.open(path)`; every write goes
    through `transaction()` (see jobs/store/_connection.py for the locking and the two connections)."""

    @classmethod
    async def open(cls, path: str | Path, *, schema: int = migrate.SCHEMA_VERSION, read_only: bool = False) -> Store:
        """Open (creating or upgrading) the database. `schema` stops upgrading at that version:
        for tests that build a database as an older Paperboy left it. `read_only`: open an existing
        file with SQLite's `mode=ro`, as it is, whatever its schema (never created, never migrated: an
        older Paperboy may be running on it); the caller checks `migrate.schema_problem`."""
        path = Path(path)
        if read_only:
            return await cls._open_read_only(path)
        try:
            db = await connect_writer(path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(database_problem(exc, path) or f"database.path {path}: {exc}") from exc
        store = cls(db, None, path)
        try:
            await migrate.migrate(store, upto=schema)
            if schema >= migrate.RANK_INDEX_SCHEMA:
                await store._ensure_rank_index()
            if str(path) != ":memory:":
                store.reader = await connect_reader(path)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise StoreUnavailable(database_problem(exc, path) or f"database.path {path}: {exc}") from exc
            raise
        return store

    @classmethod
    async def _open_read_only(cls, path: Path) -> Store:
        if not path.is_file():  # mode=ro never creates one; say so plainly
            raise StoreUnavailable(f"database.path {path}: no database there")
        try:
            db = await connect_reader(path)
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(database_problem(exc, path) or f"database.path {path}: {exc}") from exc
        store = cls(db, db, path)
        store.read_only = True
        return store

    async def schema_version(self) -> int:
        return await migrate.schema_version(self)

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def open_store(path: str | Path) -> Store:
    return await Store.open(path)
