"""Across an upgrade: the read commands (`status`, `health`, `backup`, `search`) of this release, run as
real processes on a database an older release left (built by that release's migrations), read it as it is
and never migrate it, so the older bot still running on it keeps working; `migrate` (and `run`, `ingest`)
upgrade; a database newer than this release is refused by name."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from jobs.config_load import load_config
from jobs.pipeline import ingest
from jobs.store import SCHEMA_VERSION, Store
from tests.test_migrations import old_rows
from tests.test_operate_cli import bot

OLD = 6  # the schema of the release the issue saw broken by a newer `status`


def user_version(db: Path) -> int:
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture
def site(tmp_path: Path, posts_dir: Path) -> Path:
    from tests.postgen import entries, write_kedreamix

    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts_dir}\n", encoding="utf-8")
    return cfg


async def _old_database(db: Path, version: int = OLD) -> None:
    """The database as the release of schema `version` left it: its migrations, its rows."""
    async with await Store.open(db, schema=version):
        pass
    old_rows(db, version)


def test_read_commands_leave_an_older_schema_as_it_is(site: Path, tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    asyncio.run(_old_database(db))
    before = digest(db)
    upgrade = (f"this database is schema {OLD} (this Paperboy reads schema {SCHEMA_VERSION}); run the new "
               "release's `run` (or `bash scripts/run.sh migrate`) to upgrade")

    status = bot("--config", site, "status")
    assert status.returncode == 1 and status.stderr.strip() == f"database.path {db}: {upgrade}"
    health = bot("--config", site, "health")
    assert health.returncode == 1 and health.stdout.strip() == f"unhealthy: database.path {db}: {upgrade}"
    search = bot("--config", site, "search", "okapi")
    assert search.returncode == 1 and upgrade in search.stderr and "Traceback" not in search.stderr
    copy = tmp_path / "before-upgrade.db"
    backup = bot("--config", site, "backup", copy)  # the copy to keep before upgrading: any schema
    assert backup.returncode == 0, backup.stderr
    assert user_version(copy) == OLD

    assert user_version(db) == OLD and digest(db) == before  # not one byte written


def test_migrate_says_what_it_would_do_then_does_it(site: Path, tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    asyncio.run(_old_database(db))
    before = digest(db)

    dry = bot("--config", site, "migrate", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith(f"would upgrade {db} from schema {OLD} to {SCHEMA_VERSION} "
                                 f"({SCHEMA_VERSION - OLD} migrations: 0007_lean_search_index.sql, ")
    assert "Nothing was written" in dry.stdout
    assert user_version(db) == OLD and digest(db) == before

    done = bot("--config", site, "migrate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"upgraded {db} from schema {OLD} to {SCHEMA_VERSION}")
    assert user_version(db) == SCHEMA_VERSION
    found = bot("--config", site, "search", "okapi")  # the old release's paper, readable now
    assert found.returncode == 0 and "2401.00001" in found.stdout
    again = bot("--config", site, "migrate")
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_migrate_waits_for_the_running_bot(site: Path, tmp_path: Path) -> None:
    from jobs.ops.instance import InstanceLock

    db = tmp_path / "p.db"
    asyncio.run(_old_database(db))
    with InstanceLock(db):  # the older bot, running
        done = bot("--config", site, "migrate")
    assert done.returncode == 1 and "in use by another Paperboy" in done.stderr
    assert user_version(db) == OLD


def test_a_newer_schema_is_refused_naming_both(site: Path, tmp_path: Path) -> None:
    db = tmp_path / "p.db"

    async def made() -> None:
        async with await Store.open(db) as store:
            await ingest(store, load_config(site).sources)

    asyncio.run(made())
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer = f"database schema version {SCHEMA_VERSION + 1} is newer than this Paperboy ({SCHEMA_VERSION})"
    for command in ("ingest", "status", "migrate"):
        done = bot("--config", site, command)
        assert done.returncode == 1, command
        assert newer in done.stderr and "Traceback" not in done.stderr, (command, done.stderr)
    assert user_version(db) == SCHEMA_VERSION + 1


def test_read_commands_work_on_a_current_database(site: Path, tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    made = bot("--config", site, "ingest")
    assert made.returncode == 0, made.stderr
    before = digest(db)
    assert bot("--config", site, "status").returncode == 0
    found = bot("--config", site, "search", "method")
    assert found.returncode == 0 and "1-3 of 3" in found.stderr, found.stderr
    assert digest(db) == before
