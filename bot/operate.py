"""`python -m bot health | status | backup`: the operator's commands. No discord.py: they read the database."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from jobs.config import Config
from jobs.store import DatabaseError, StoreProtocol, StoreUnavailable
from jobs.store.backends import open_database

CREATED_KEY = "created_at"  # meta, written by the first migration: a new database's grace


async def _open(config: Config) -> StoreProtocol | str:
    """The store, or why it cannot be opened. Never creates a SQLite file where there is none (a
    PostgreSQL database is the server's to create: opening one only brings its schema up to date)."""
    database = config.database()
    if database.path is not None and not Path(database.path).is_file():
        return f"no database at {database.path} (the bot has not run with this config yet)"
    try:
        return await open_database(database)
    except StoreUnavailable as exc:
        if database.path is None:  # its line names the URL already
            return str(exc)
        return f"the database {database.path} does not open: {exc}"
    except (DatabaseError, OSError, RuntimeError) as exc:
        return f"the database {config.database_name()} does not open: {exc}"


async def health(config: Config, now: datetime | None = None) -> int:
    from jobs.health import health_verdict

    store = await _open(config)
    if isinstance(store, str):
        print(f"unhealthy: {store}")
        return 1
    async with store:
        last = await store.last_completed_cycle()
        created = await store.get_meta(CREATED_KEY)
    sched = config.schedule
    ok, reason = health_verdict(last, sched.time, sched.timezone, now or datetime.now(UTC),
                                since=datetime.fromisoformat(created) if created else None)
    print(f"{'healthy' if ok else 'unhealthy'}: {reason}")
    return 0 if ok else 1


async def status(config: Config, now: datetime | None = None) -> int:
    from jobs.status import gather_status

    store = await _open(config)
    if isinstance(store, str):
        print(store, file=sys.stderr)
        return 1
    async with store:
        report = await gather_status(store, config, now or datetime.now(UTC))
    print(report.text())
    return 0


async def backup(config: Config, target: str) -> int:
    store = await _open(config)
    if isinstance(store, str):
        print(f"backup: {store}", file=sys.stderr)
        return 1
    dest = Path(target)
    if config.database().path is not None and dest.resolve() == Path(config.database_path).resolve():
        print("backup: the copy must go to another file than the database itself", file=sys.stderr)
        return 2
    async with store:
        try:
            pages = await store.backup(dest)
        except StoreUnavailable as exc:  # a server: its own tools make the copy
            print(f"backup: {exc}", file=sys.stderr)
            return 1
        except (DatabaseError, OSError) as exc:
            print(f"backup: could not write {dest}: {exc}", file=sys.stderr)
            return 1
    print(f"backed up {config.database_path} to {dest} ({pages} pages, {dest.stat().st_size / 1_000_000:.1f} MB)")
    return 0
