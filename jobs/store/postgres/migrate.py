"""The PostgreSQL schema: numbered .sql files in postgres/migrations/ (numbered on their own, not SQLite's),
each applied in one transaction that records it in schema_migrations. Every process that opens the
database migrates under a session advisory lock (MIGRATION_LOCK), so two never migrate at once: the
second waits, then finds nothing left to do."""

from __future__ import annotations

import asyncpg

from jobs.database_url import DatabaseUrl
from jobs.store.errors import StoreUnavailable
from jobs.store.migrate import Migration, load, older
from jobs.store.postgres._connection import MIGRATION_LOCK, PgConnection
from jobs.store.rows import utcnow

MIGRATIONS: list[Migration] = load("jobs.store.postgres")
SCHEMA_VERSION = len(MIGRATIONS)


def too_new(url: DatabaseUrl, current: int) -> str:
    return (f"{url.key} {url.shown}: database schema version {current} is newer than this Paperboy's PostgreSQL "
            f"schema ({SCHEMA_VERSION}); upgrade Paperboy or use another database")


def schema_problem(url: DatabaseUrl, current: int) -> str | None:
    """Why a read command cannot read a database of schema `current` as it is, or None (as SQLite's)."""
    if current > SCHEMA_VERSION:
        return too_new(url, current)
    if current < SCHEMA_VERSION:
        return older(f"{url.key} {url.shown}", current, SCHEMA_VERSION)
    return None


async def schema_version(conn: asyncpg.Connection) -> int:
    if await conn.fetchval("SELECT to_regclass('schema_migrations')") is None:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def migrate(store: PgConnection, upto: int = SCHEMA_VERSION) -> None:
    async with store.pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        try:
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                               "name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            current = await schema_version(conn)
            if current > SCHEMA_VERSION:
                raise StoreUnavailable(too_new(store.url, current))
            for migration in MIGRATIONS[current:upto]:
                async with conn.transaction():
                    await conn.execute(migration.sql)  # no arguments: the whole script in one round trip
                    await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                       migration.version, migration.name, utcnow())
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
