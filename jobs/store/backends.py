"""The storage backends, chosen by the database URL's scheme (jobs/database_url.py): one registry, as
Red-DiscordBot's `_drivers` keeps one. A backend is a store class implementing the areas of areas.py; it
is imported only when chosen, so SQLite alone never loads asyncpg.

A backend that does not implement every area yet is refused by name, after it connected (so a bad URL
is still reported as such) and before it created or migrated anything: "the PostgreSQL backend is not
complete yet: areas … are missing". Such a backend's class has `reach(url)`, which only connects.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any

from jobs.database_url import ENV_VAR, DatabaseUrl
from jobs.store.areas import AREAS
from jobs.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Backend:
    name: str  # the value of jobs.database_url.SCHEMES
    title: str  # for people
    module: str
    attr: str

    def load(self) -> Any:
        """The store class (imported now: its driver loads only for the backend in use)."""
        return getattr(importlib.import_module(self.module), self.attr)


BACKENDS: dict[str, Backend] = {
    "sqlite": Backend("sqlite", "SQLite", "jobs.store.sqlite", "Store"),
    "postgresql": Backend("postgresql", "PostgreSQL", "jobs.store.postgres", "PostgresStore"),
}


def area_name(area: type) -> str:
    """IngestArea -> "ingest": how messages name an area."""
    return area.__name__.removesuffix("Area").lower()


def missing_areas(store_class: type) -> list[str]:
    """The areas `store_class` lacks a method of, by name, in AREAS order."""
    members = lambda area: [n for n, v in vars(area).items() if not n.startswith("_") and callable(v)]  # noqa: E731
    return [area_name(a) for a in AREAS if not all(callable(getattr(store_class, m, None)) for m in members(a))]


class BackendIncomplete(StoreUnavailable):
    """A backend that cannot serve yet: the message names the areas it lacks and the way out."""


async def open_database(url: DatabaseUrl, *, read_only: bool = False) -> Any:
    """The store for `url`, opened (created and migrated when new): a `StoreProtocol`. StoreUnavailable
    (one plain line, no password) when it cannot be reached or its backend is not complete. `read_only`:
    as it is, never created or migrated (read commands; the caller checks the schema)."""
    backend = BACKENDS[url.backend]
    store_class = backend.load()
    missing = missing_areas(store_class)
    if not missing:
        return await store_class.open(url.path if url.path is not None else url, read_only=read_only)
    await store_class.reach(url)  # a bad URL is still said as such; nothing is created or migrated
    raise BackendIncomplete(
        f"{url.key} {url.shown}: the {backend.title} backend is not complete yet: areas "
        f"{', '.join(missing)} are missing; use a SQLite path (database.path in the config"
        + (f", and unset {ENV_VAR})" if url.key == ENV_VAR else ")"))


def outage(exc: BaseException, url: DatabaseUrl) -> str | None:
    """One plain line when `exc` says the database could not be reached or was lost midway (the server
    restarted, turned connections away), else None: a caller logs that line, not a traceback, and retries."""
    if isinstance(exc, StoreUnavailable):
        return str(exc)
    if url.backend == "postgresql" and "asyncpg" in sys.modules:  # only a backend in use can have failed
        from jobs.store.postgres._connection import lost_problem

        return lost_problem(exc, url)
    return None


async def wait_for_database(url: DatabaseUrl, seconds: float, *, every: float = 1.0) -> None:
    """`run --wait-db`: under compose the server may still be starting (or creating its database). Try to
    connect every `every` s for up to `seconds` (each try bounded by the connect timeout); then StoreUnavailable
    with the last reason, in one line. A SQLite file needs no wait."""
    if url.path is not None:
        return
    store_class = BACKENDS[url.backend].load()
    deadline = time.monotonic() + seconds
    said = False
    while True:
        try:
            await store_class.reach(url)
            return
        except StoreUnavailable as exc:
            if time.monotonic() >= deadline:
                raise StoreUnavailable(f"{exc} (waited {seconds:g} s for it: --wait-db)") from exc
            if not said:
                log.info("waiting up to %g s for the database: %s", seconds, exc)
                said = True
        await asyncio.sleep(every)
