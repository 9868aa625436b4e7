"""The schema: numbered .sql files in migrations/, applied in order, each in one transaction that also
sets PRAGMA user_version to its number. A database made by any earlier Paperboy upgrades through
the files it has not seen; its data stays."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from jobs.command import command
from jobs.store._connection import PAGE_SIZE, Connection, _pragma
from jobs.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def rewrites_file(self) -> bool:
        """Marked `-- pb:rewrite-file`: once applied to an existing database, the file is rewritten
        (VACUUM), to give back the pages it freed and take the current page size."""
        return "-- pb:rewrite-file" in self.sql

    @property
    def foreign_keys_off(self) -> bool:
        """Marked `-- pb:foreign-keys-off`: runs with foreign keys off (a table rebuilt as SQLite's
        ALTER TABLE guide says: dropping the old table must not cascade), checked before it commits."""
        return "-- pb:foreign-keys-off" in self.sql

    def statements(self) -> list[str]:
        """The script split into single statements (aiosqlite runs one at a time; executescript
        would commit the open transaction first)."""
        out, buf = [], ""
        for piece in self.sql.split(";"):
            buf += piece + ";"
            if sqlite3.complete_statement(buf):
                text = "\n".join(line for line in buf.splitlines() if not line.lstrip().startswith("--")).strip()
                if text.rstrip(";").strip():
                    out.append(text)
                buf = ""
        return out


def load(package: str = "jobs.store") -> list[Migration]:
    """The numbered .sql files in `package`'s migrations/ folder (each backend has its own), in order."""
    folder = resources.files(package) / "migrations"
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {[m.name for m in found]}")
    return found


MIGRATIONS = load()
SCHEMA_VERSION = len(MIGRATIONS)
RANK_INDEX_SCHEMA = 13  # from this schema on, Store.open fills the ranking index when it misses papers


async def schema_version(conn: Connection) -> int:
    return int(await conn._one("PRAGMA user_version") or 0)


def too_new(path: object, current: int) -> str:
    return (f"database.path {path}: database schema version {current} is newer than this Paperboy "
            f"({SCHEMA_VERSION}); upgrade Paperboy or use another database.path")


def schema_problem(path: object, current: int) -> str | None:
    """Why a read command cannot read a database of schema `current` as it is, or None. Read commands
    never migrate: an older Paperboy may be running on the file, and would break on a newer schema."""
    if current > SCHEMA_VERSION:
        return too_new(path, current)
    if current < SCHEMA_VERSION:
        return older(f"database.path {path}", current, SCHEMA_VERSION)
    return None


def older(where: str, current: int, latest: int) -> str:
    """What a read command says of a database older than this release (`where`: the key and the place),
    on either engine."""
    return (f"{where}: this database is schema {current} (this Paperboy reads schema {latest}); run the new "
            f"release's `run` (or `{command('migrate')}`) to upgrade")


def pending(current: int, upto: int = SCHEMA_VERSION) -> list[Migration]:
    """The migrations a database of schema `current` has not seen, up to `upto`."""
    return MIGRATIONS[current:upto]


async def migrate(conn: Connection, upto: int = SCHEMA_VERSION) -> None:
    current = await schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreUnavailable(too_new(conn.path, current))
    todo = pending(current, upto)
    for migration in todo:
        if migration.foreign_keys_off:
            await _pragma(conn.db, "foreign_keys = OFF")  # a no-op inside a transaction: set before
        try:
            async with conn.transaction() as db:
                for statement in migration.statements():
                    await db.execute(statement)
                if migration.foreign_keys_off:
                    async with db.execute("PRAGMA foreign_key_check") as cur:
                        broken = await cur.fetchall()
                    if broken:
                        raise RuntimeError(f"migration {migration.name} broke foreign keys: {broken[:5]}")
                await db.execute(f"PRAGMA user_version = {migration.version}")
        finally:
            if migration.foreign_keys_off:
                await _pragma(conn.db, "foreign_keys = ON")
    if current and any(m.rewrites_file for m in todo):
        await rewrite_file(conn)


async def rewrite_file(conn: Connection) -> None:
    """VACUUM the database into PAGE_SIZE pages. Runs at open, before any other connection exists:
    VACUUM is not a transaction (it cannot run inside one), and the page size can only change out
    of WAL mode. A crash midway leaves the file as it was (rollback journal)."""
    if str(conn.path) == ":memory:":
        return
    log.info("%s: rewriting the database file once (a newer schema); large databases take a minute", conn.path)
    try:
        await _pragma(conn.db, "journal_mode = DELETE")
        try:
            await _pragma(conn.db, f"page_size = {PAGE_SIZE}")
            await conn.db.execute("VACUUM")
        finally:
            await _pragma(conn.db, "journal_mode = WAL")
    except sqlite3.OperationalError as e:
        # Another process has the file open: it works as it is, only larger.
        log.warning("%s: not rewritten (%s); it works as it is, only larger", conn.path, e)
