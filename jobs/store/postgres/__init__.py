"""The PostgreSQL backend (asyncpg): `PostgresStore.open(url)`, every area of jobs/store/areas.py.
Chosen by a postgresql:// database URL through jobs/store/backends.py.

- `_connection.py`: the pool and the one transaction helper (read its docstring first);
- `migrate.py` and `migrations/*.sql`: its own schema, migrated under an advisory lock;
- `areas.py`: meta, settings, subscriptions; `feeds.py`: feeds, cycles, the outbox;
  `released.py`: the papers of messages Discord refused twice; `claims.py`: senders'
  claims, leases, request budget and wake-ups; `watch.py`: the watchdog's;
  `papers.py`: ingest and papers (SQLite's write path, run through `bridge.py`); `search.py`: search;
  `signal.py`: members' feedback and saved papers.
"""

from __future__ import annotations

from jobs.database_url import DatabaseUrl, parse_database_url
from jobs.store.postgres import migrate
from jobs.store.postgres._connection import create_pool
from jobs.store.postgres.areas import PgMeta, PgSettings, PgSubscriptions
from jobs.store.postgres.claims import PgClaims
from jobs.store.postgres.club import PgClub
from jobs.store.postgres.dm_schedule import PgDmSchedules
from jobs.store.postgres.feeds import PgFeeds
from jobs.store.postgres.lab_week import PgLabWeek
from jobs.store.postgres.papers import PgIngest, PgPapers
from jobs.store.postgres.released import PgReleased
from jobs.store.postgres.search import PgSearch
from jobs.store.postgres.signal import PgSignal
from jobs.store.postgres.watch import PgWatch


class PostgresStore(PgIngest, PgPapers, PgSearch, PgReleased, PgFeeds, PgClaims, PgWatch, PgMeta, PgSettings,
                    PgSubscriptions, PgSignal, PgDmSchedules, PgLabWeek, PgClub):
    """Async access to a PostgreSQL database. Open with `await PostgresStore.open(url)`."""

    @classmethod
    async def open(cls, url: str | DatabaseUrl, *, schema: int = migrate.SCHEMA_VERSION,
                   read_only: bool = False) -> PostgresStore:
        """Connect (StoreUnavailable with one plain line when the server cannot be used) and migrate.
        `read_only`: as it is, whatever its schema, never migrated (an older Paperboy may be running on
        it), its sessions read-only on the server (so no write can slip through); the caller checks
        `migrate.schema_problem`, as with SQLite's `mode=ro`."""
        target = url if isinstance(url, DatabaseUrl) else parse_database_url(url)
        pool = await create_pool(target, read_only=read_only)
        store = cls(pool, target)
        if read_only:
            store.read_only = True
            return store
        try:
            await migrate.migrate(store, upto=schema)
            await store._ensure_rank_index()
        except BaseException:
            await store.close()
            raise
        return store

    @classmethod
    async def reach(cls, url: DatabaseUrl) -> None:
        """Connect and disconnect, changing nothing: StoreUnavailable says why the server cannot be used."""
        pool = await create_pool(url, min_size=1, max_size=1)
        await pool.close()

    async def __aenter__(self) -> PostgresStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["PostgresStore"]
