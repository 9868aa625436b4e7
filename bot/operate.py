"""`python -m bot health | status | backup | migrate | copy-store`: the operator's commands. No discord.py.

The read commands (these and `search`) open the database read-only (SQLite `mode=ro`) and never
migrate it: an older Paperboy may be running on the file, and a newer schema would break it. Only
`run`, `ingest` and `migrate` (each under the instance lock) upgrade a database."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from jobs.command import command
from jobs.config import Config
from jobs.database_url import DatabaseUrl
from jobs.store import DatabaseDamaged, DatabaseError, Store, StoreProtocol, StoreUnavailable
from jobs.store.backends import open_database
from jobs.store.migrate import schema_problem

CREATED_KEY = "created_at"  # meta, written by the first migration: a new database's grace
RECOVER = "see the README's \"Recover from a damaged database\" (the newest good backup, or sqlite3's .recover)"


def damaged(path: object, problems: list[str]) -> str:
    """One line for a database SQLite's check found damaged: the first problem and the way out."""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"the database {path} is damaged: {problems[0]}{more}; {RECOVER}"


async def open_for_reading(config: Config, *, any_schema: bool = False) -> StoreProtocol | str:
    """The store opened read-only, or why it cannot be read. Never creates a database where there is
    none, never migrates one (SQLite `mode=ro`; PostgreSQL sessions read-only); a schema other than this
    release's is refused (`any_schema`: a backup copies any, `migrate` reads which)."""
    database = config.database()
    if database.path is None:
        from jobs.store.postgres.migrate import schema_problem as pg_schema_problem

        try:
            store = await open_database(database, read_only=True)
        except StoreUnavailable as exc:  # its line names the URL already
            return str(exc)
        except (DatabaseError, OSError, RuntimeError) as exc:
            return f"the database {config.database_name()} does not open: {exc}"
        problem = None if any_schema else pg_schema_problem(database, await store.schema_version())
        if problem is not None:
            await store.close()
            return problem
        return store
    path = Path(database.path)
    if path.is_dir():
        return f"database.path {path} is a folder; give a file name such as {path / 'paperboy.db'}"
    if not path.is_file():
        return f"no database at {path} (the bot has not run with this config yet)"
    try:
        store = await Store.open(path, read_only=True)
    except (DatabaseError, OSError, RuntimeError) as exc:
        return f"the database {path} does not open: {exc}"
    try:
        problem = None if any_schema else schema_problem(path, await store.schema_version())
    except DatabaseError as exc:
        problem = f"the database {path} does not open: {exc}"
    if problem is not None:
        await store.close()
        return problem
    return store


async def health(config: Config, now: datetime | None = None, *, full: bool = False) -> int:
    """Exit 0 when the file passes SQLite's check (quick_check; `full`: integrity_check) and the last
    cycle kept to the schedule."""
    from jobs.ops.health import health_verdict

    store = await open_for_reading(config)
    if isinstance(store, str):
        print(f"unhealthy: {store}")
        return 1
    async with store:
        problems = await store.check_integrity(full=full)
        if problems:
            print(f"unhealthy: {damaged(config.database_path, problems)}")
            return 1
        last = await store.last_completed_cycle()
        created = await store.get_meta(CREATED_KEY)
    sched = config.schedule
    ok, reason = health_verdict(last, sched.time, sched.timezone, now or datetime.now(UTC),
                                since=datetime.fromisoformat(created) if created else None)
    print(f"{'healthy' if ok else 'unhealthy'}: {reason}")
    return 0 if ok else 1


async def status(config: Config, now: datetime | None = None) -> int:
    from jobs.ops.status import gather_status

    store = await open_for_reading(config)
    if isinstance(store, str):
        print(store, file=sys.stderr)
        return 1
    async with store:
        report = await gather_status(store, config, now or datetime.now(UTC))
    print(report.text())
    return 0


async def backup(config: Config, target: str) -> int:
    dest = Path(target)
    if config.database().path is not None and dest.resolve() == Path(config.database_path).resolve():
        # before opening: nothing to close
        print("backup: the copy must go to another file than the database itself", file=sys.stderr)
        return 2
    store = await open_for_reading(config, any_schema=True)  # the copy to keep before an upgrade
    if isinstance(store, str):
        print(f"backup: {store}", file=sys.stderr)
        return 1
    async with store:
        try:
            pages = await store.backup(dest)
        except StoreUnavailable as exc:  # a server: its own tools make the copy
            print(f"backup: {exc}", file=sys.stderr)
            return 1
        except DatabaseDamaged as exc:
            source = await store.check_integrity()
            line = (damaged(config.database_path, source) + "; nothing was copied" if source else
                    f"the copy at {dest} failed SQLite's check ({exc}); it was not kept: check the disk")
            print(f"backup: {line}", file=sys.stderr)
            return 1
        except (DatabaseError, OSError) as exc:
            print(f"backup: could not write {dest}: {exc}", file=sys.stderr)
            return 1
    print(f"backed up {config.database_path} to {dest} ({pages} pages, {dest.stat().st_size / 1_000_000:.1f} MB)")
    return 0


async def migrate(config: Config, *, dry_run: bool) -> int:
    """`python -m bot migrate`: upgrade the database to this release's schema (the caller holds the
    instance lock, so no other Paperboy is running on it); `dry_run`: say what that would do, write nothing."""
    from jobs.store import migrate as sqlite_schema

    database = config.database()
    name = config.database_name()
    store = await open_for_reading(config, any_schema=True)
    if isinstance(store, str):
        print(f"migrate: {store}", file=sys.stderr)
        return 1
    async with store:
        current = await store.schema_version()
    if database.path is None:
        from jobs.store.postgres import migrate as pg_schema

        latest, todo, newer = pg_schema.SCHEMA_VERSION, pg_schema.MIGRATIONS[current:], pg_schema.too_new(database,
                                                                                                         current)
    else:
        latest, todo = sqlite_schema.SCHEMA_VERSION, sqlite_schema.pending(current)
        newer = sqlite_schema.too_new(database.path, current)
    if current > latest:
        print(f"migrate: {newer}", file=sys.stderr)
        return 1
    if not todo:
        print(f"{name}: schema {current}, the newest this Paperboy knows: nothing to do")
        return 0
    what = (f"{name} from schema {current} to {latest} ({len(todo)} migration"
            f"{'s' if len(todo) > 1 else ''}: {', '.join(m.name for m in todo)})")
    if current and any(m.rewrites_file for m in todo):
        what += "; the file is rewritten once (VACUUM: about as much free disk as the file takes)"
    if dry_run:
        print(f"would upgrade {what}. Nothing was written; back up first with "
              f"`{command('backup PATH') if database.path is not None else 'pg_dump -Fc'}`")
        return 0
    async with await open_database(database) as upgraded:
        done = await upgraded.schema_version()
    print(f"upgraded {what}" if done == latest else f"migrate: {name} stopped at schema {done}")
    return 0 if done == latest else 1


def same_database(a: DatabaseUrl, b: DatabaseUrl) -> bool:
    if a.path is not None or b.path is not None:
        return a.path is not None and b.path is not None and Path(a.path).resolve() == Path(b.path).resolve()
    return a.url.rstrip("/") == b.url.rstrip("/")


async def copy_store(config: Config, target: DatabaseUrl, source: DatabaseUrl | None = None, *,
                     batch: int | None = None) -> int:
    """`python -m bot copy-store --to URL [--from URL]`: copy every table into a new database, resumably,
    and say per table whether the copy holds the same rows (jobs/store/copy_store.py). The caller holds
    both databases' instance locks: the bot is stopped."""
    from jobs.store.copy_store import BATCH, CopyRefused, Side
    from jobs.store.copy_store import copy_store as copy

    source = source or config.database()
    if same_database(source, target):
        print("copy-store: --to names the database being copied; give another database", file=sys.stderr)
        return 2
    if source.path is None:
        src: StoreProtocol | str = await open_for_reading(replace(config, database_url=source))
    else:
        src = await open_for_reading(replace(config, database_url=None, database_path=source.path))
    if isinstance(src, str):
        print(f"copy-store: the source: {src}", file=sys.stderr)
        return 1
    async with src:
        try:
            dst = await open_database(target)
        except (StoreUnavailable, DatabaseError, OSError) as exc:
            print(f"copy-store: the target: {exc}", file=sys.stderr)
            return 1
        async with dst:
            print(f"copying {_name(source)} to {_name(target)}", flush=True)
            try:
                report = await copy(Side(src), Side(dst), batch=batch or BATCH)
            except CopyRefused as exc:
                print(f"copy-store: {_name(target)}: {exc}", file=sys.stderr)
                return 1
    for table in report.tables:
        print(table.line())
    if not report.ok:
        print("copy-store: the copy differs from the source (above); run the same command again to resume, "
              "and keep the bot on the source until it matches", file=sys.stderr)
        return 1
    print(f"copied: every table matches. Point the bot at {_name(target)} "
          f"({'database.path' if target.path is not None else 'PAPERBOY_DATABASE_URL or database.url'}) and start it")
    return 0


def _name(url: DatabaseUrl) -> str:
    return str(url.path) if url.path is not None else url.shown
