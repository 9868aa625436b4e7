"""Both storage engines for one test: the `store_url` fixture (tests/conftest.py) runs a test on SQLite
(a file in tmp_path) and on PostgreSQL (a fresh database, created for the test and dropped after it).

PostgreSQL is the server named by PAPERBOY_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test):
the test database is made there with CREATE DATABASE pb_<random>. When no server answers, those tests
skip with the reason; with CI=true they fail instead, so CI cannot go green by skipping them.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from jobs.config import Config
from jobs.database_url import parse_database_url
from jobs.store.backends import BACKENDS

SERVER_ENV = "PAPERBOY_TEST_POSTGRES"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
ENGINES = ("sqlite", "postgres")
# A test that is about SQLite itself (its file, its trace hook) or that SimCord's virtual clock cannot run on
# PostgreSQL runs on SQLite alone: `pytestmark = SQLITE_ONLY` or `@SQLITE_ONLY`, with the reason beside it.
SQLITE_ONLY = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
# What a broken constraint raises, on either engine.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)


def server_url() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` on the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def no_server(reason: str) -> None:
    """Skip for want of a server; in CI, fail."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}: CI must run the PostgreSQL tests (.ci/run starts the server)")
    pytest.skip(reason)


@asynccontextmanager
async def fresh_database(engine: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL of an empty database for one test: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'paperboy.db'}"
        return
    server = server_url()
    try:
        admin = await asyncpg.connect(server, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        no_server(f"no PostgreSQL server at {parse_database_url(server).shown} ({SERVER_ENV}): {exc}")
        raise  # not reached: no_server skips or fails
    name = f"pb_{secrets.token_hex(6)}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def open_store(url: str, **kw: Any) -> Any:
    """The store at `url` through its backend's class, complete or not: tests of the areas done so far."""
    target = parse_database_url(url, "test")
    store_class = BACKENDS[target.backend].load()
    return await store_class.open(target.path if target.path is not None else target, **kw)


def engine_of(config: Config) -> str:
    """"sqlite" or "postgres": the engine a test's config puts the bot's database on."""
    return "sqlite" if config.database().path is not None else "postgres"


async def run_sql(config: Config, sql: str) -> None:
    """Run `sql` on the bot's database from outside the bot, as an operator or a failing disk would."""
    url = config.database()
    if url.path is not None:
        with sqlite3.connect(url.path) as db:
            db.execute(sql)
        return
    conn = await asyncpg.connect(url.url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
