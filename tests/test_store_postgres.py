"""The PostgreSQL backend on a real server: its schema matches SQLite's, two processes opening a new database
migrate it once, the registry picks the backend by URL, `python -m bot` ingests, searches and reports on a
postgresql:// database, one process at a time (an advisory lock), and says in one line why it cannot run
(unknown role, missing database, no server, held by another), exit 1, never a traceback nor the password."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from jobs.database_url import DatabaseUrl, parse_database_url
from jobs.store import Store
from jobs.store.backends import missing_areas, open_database
from jobs.store.postgres import PostgresStore
from jobs.store.postgres.instance_lock import PgInstanceLock
from jobs.store.postgres.migrate import SCHEMA_VERSION
from tests.engines import fresh_database, with_database
from tests.postgen import entries, write_kedreamix

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def pg_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with fresh_database("postgres", tmp_path) as url:
        yield url


async def pg_tables(url: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT table_name, column_name FROM information_schema.columns "
                                "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position")
        indexes = await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    finally:
        await conn.close()
    tables: dict[str, list[str]] = {}
    for r in rows:
        tables.setdefault(r["table_name"], []).append(r["column_name"])
    tables["(indexes)"] = sorted(r["indexname"] for r in indexes)
    return tables


async def test_the_schema_has_sqlites_tables_columns_and_indexes(pg_url: str, tmp_path: Path) -> None:
    async with await PostgresStore.open(pg_url) as store:
        assert await store.schema_version() == SCHEMA_VERSION
    pg = await pg_tables(pg_url)
    async with await Store.open(tmp_path / "p.db"):
        pass
    with sqlite3.connect(tmp_path / "p.db") as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'papers_fts%' AND name != 'sqlite_sequence'")]
        lite = {n: [c[1] for c in conn.execute(f"PRAGMA table_info({n})")] for n in names}
        lite_indexes = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                                   "AND sql IS NOT NULL")]
    assert {t: sorted(c) for t, c in lite.items()} == {t: sorted(c) for t, c in pg.items()
                                                        if t not in ("schema_migrations", "(indexes)", "papers_fts",
                                                                     "send_budget")}
    assert pg["papers_fts"] == ["id", "doc"]  # FTS5's counterpart: a tsvector of the same tokens
    assert pg["send_budget"] == ["name", "tokens", "at"]  # several senders' one budget (one SQLite process: its own)
    assert set(lite_indexes) <= set(pg["(indexes)"])  # plus each table's primary key and unique indexes


async def test_two_processes_opening_a_new_database_migrate_it_once(pg_url: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(pg_url) for _ in range(4)))
    try:
        assert [await s.schema_version() for s in stores] == [SCHEMA_VERSION] * 4
        assert await stores[0]._one("SELECT count(*) FROM schema_migrations") == SCHEMA_VERSION
    finally:
        for s in stores:
            await s.close()


async def test_a_newer_schema_is_refused_with_both_versions(pg_url: str) -> None:
    async with await PostgresStore.open(pg_url) as store, store.transaction() as conn:
        await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'x', 'now')")
    with pytest.raises(Exception, match=f"schema version 99 is newer than this Paperboy's PostgreSQL schema "
                                        f"\\({SCHEMA_VERSION}\\)"):
        await PostgresStore.open(pg_url)


async def test_the_registry_picks_the_backend_by_url(pg_url: str, tmp_path: Path) -> None:
    assert missing_areas(Store) == [] and missing_areas(PostgresStore) == []
    lite = await open_database(parse_database_url(f"sqlite:///{tmp_path / 'r.db'}"))
    try:
        assert isinstance(lite, Store) and (tmp_path / "r.db").exists()
    finally:
        await lite.close()
    same = await open_database(DatabaseUrl.for_path(tmp_path / "q.db"))  # database: {path: …}
    await same.close()
    assert (tmp_path / "q.db").exists()
    server = await open_database(parse_database_url(pg_url))
    try:
        assert isinstance(server, PostgresStore) and await server.schema_version() == SCHEMA_VERSION
    finally:
        await server.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_bot(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {url}\nsources:\n  - name: local\n    kind: directory\n"
                      f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})


def one_line(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 1, out
    assert "Traceback" not in out.stderr and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "s3cret" not in out.stderr
    return lines[0]


async def test_the_cli_ingests_searches_and_reports_on_a_server_database(pg_url: str, tmp_path: Path) -> None:
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 3))
    out = run_bot(tmp_path, pg_url, "ingest")
    assert out.returncode == 0, out.stderr
    assert f"database {pg_url} holds 3 papers in 1 posts" in out.stdout
    assert not (tmp_path / "data").exists()  # no SQLite file beside it
    out = run_bot(tmp_path, pg_url, "search", "--json", "gaussian")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('"arxiv_id"') >= 1
    out = run_bot(tmp_path, pg_url, "status")
    assert out.returncode == 0 and f"Database\n  {pg_url}\n" in out.stdout, out
    out = run_bot(tmp_path, pg_url, "health")
    assert out.returncode == 0 and out.stdout.startswith("healthy"), out  # a new database's grace
    out = run_bot(tmp_path, pg_url, "backup", str(tmp_path / "copy.db"))
    assert out.returncode == 1 and "back up a PostgreSQL database with pg_dump" in out.stderr


def test_a_second_process_on_the_same_server_database_refuses_to_start(pg_url: str, tmp_path: Path) -> None:
    with PgInstanceLock(parse_database_url(pg_url)):  # a running Paperboy
        line = one_line(run_bot(tmp_path, pg_url, "ingest"))
        assert line.startswith(f"database.url {pg_url}: in use by another Paperboy (paperboy pid ")
        assert line.endswith("stop that one first, or point database.url elsewhere")
        with pytest.raises(Exception, match="in use by another Paperboy"):
            PgInstanceLock(parse_database_url(pg_url)).acquire()  # the same process, a second time
    out = run_bot(tmp_path, pg_url, "ingest")  # released: the next one runs
    assert out.returncode == 0, out.stderr


async def test_the_cli_names_an_unknown_role_without_the_password(pg_url: str, tmp_path: Path) -> None:
    url = pg_url.replace("://postgres@", "://nobody_pb:s3cret@", 1)
    assert "nobody_pb" in url
    line = one_line(run_bot(tmp_path, url, "ingest"))
    assert line.startswith(f"database.url {url.replace('s3cret', '***')}: the server refused the user")
    assert 'role "nobody_pb" does not exist' in line


async def test_the_cli_names_a_missing_database(pg_url: str, tmp_path: Path) -> None:
    url = with_database(pg_url, "pb_no_such_database")
    line = one_line(run_bot(tmp_path, url, "run"))
    assert line == (f'database.url {url}: database "pb_no_such_database" does not exist; create it (createdb, '
                    "or CREATE DATABASE) or fix the database name in the URL")


def test_the_cli_says_when_no_server_answers(tmp_path: Path) -> None:
    url = f"postgresql://paperboy:s3cret@127.0.0.1:{free_port()}/paperboy"
    line = one_line(run_bot(tmp_path, url, "ingest"))
    assert line == (f"database.url postgresql://paperboy:***@127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}"
                    "/paperboy: no PostgreSQL server answers there (connection refused); start it, or fix "
                    "the host and port")


@pytest.mark.parametrize("ci", ["", "true"])
def test_without_a_server_the_postgres_tests_skip_with_a_reason_and_fail_in_ci(tmp_path: Path, ci: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CI": ci,
           "PAPERBOY_TEST_POSTGRES": f"postgresql://postgres@127.0.0.1:{free_port()}/test"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                          "tests/test_store_languages.py", "-k", "postgres"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    if ci:
        assert out.returncode == 1, out.stdout
        assert "CI=true and no PostgreSQL server at postgresql://postgres@127.0.0.1:" in out.stdout
    else:
        assert out.returncode == 0, out.stdout
        assert "2 skipped" in out.stdout and "no PostgreSQL server at" in out.stdout
