"""Faults on PostgreSQL: a connection lost mid-transaction rolls back and the store works on; a server that
cannot be reached during a scheduled cycle fails that cycle with one plain line (no traceback, no
password), and the next cycle delivers each paper once."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import asyncpg
import discord
import pytest

from tests.conftest import make_config
from tests.engines import SQLITE_ONLY, fresh_database, open_store, server_url
from tests.postgen import entries, write_kedreamix


@pytest.fixture
async def pg_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with fresh_database("postgres", tmp_path) as url:
        yield url


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


async def test_a_connection_lost_mid_transaction_rolls_back(pg_url: str) -> None:
    store = await open_store(pg_url)
    admin = await asyncpg.connect(server_url())
    try:
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            async with store.transaction() as conn:
                await store.set_meta("first half", "written")
                pid = await conn.fetchval("SELECT pg_backend_pid()")
                assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
                await store.set_meta("second half", "written")
        assert await store.get_meta("first half") is None  # rolled back on the server
        assert await store.get_meta("second half") is None
        await store.set_meta("after", "ok")  # the pool made a new connection
        assert await store.get_meta("after") == "ok"
    finally:
        await admin.close()
        await store.close()


def terminate_blocking(pid: int) -> None:
    """End backend `pid` while this test's event loop stands still, and wait until the server's goodbye and
    its close have both reached the store's idle connection, unread."""
    async def terminate() -> None:
        admin = await asyncpg.connect(server_url())
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()

    worker = threading.Thread(target=lambda: asyncio.run(terminate()))
    worker.start()
    worker.join()
    time.sleep(0.3)


# The loop turns between the cut and the next statement decide what asyncpg sees first: 0-1, the statement
# goes out and the goodbye answers it (ConnectionDoesNotExistError); 2-3, the goodbye was read and the close
# not yet (InternalClientError: "cannot switch to state 15; another operation (2) is in progress"); 4, the
# pool has seen the close. In a scheduled cycle that was a traceback about one run in four.
@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
async def test_a_pooled_connection_the_server_ended_is_replaced_before_a_statement_runs(
        pg_url: str, turns: int) -> None:
    store = await open_store(pg_url)
    try:
        await store.set_meta("before", "ok")
        terminate_blocking(await store._one("SELECT pg_backend_pid()"))
        for _ in range(turns):
            await asyncio.sleep(0)
        await store.set_meta("after", "ok")  # a transaction's BEGIN on the dead connection
        terminate_blocking(await store._one("SELECT pg_backend_pid()"))
        for _ in range(turns):
            await asyncio.sleep(0)
        assert await store.get_meta("before") == "ok"  # a read on the dead connection
        assert await store.get_meta("after") == "ok"
    finally:
        await store.close()


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
async def test_a_connection_the_server_ends_inside_a_transaction_is_said_lost_and_rolled_back(
        pg_url: str, turns: int) -> None:
    store = await open_store(pg_url)
    try:
        # The cut lands between two statements of one transaction, at each point asyncpg can see it.
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):
            async with store.transaction() as conn:
                await store.set_meta("first half", "written")
                terminate_blocking(await conn.fetchval("SELECT pg_backend_pid()"))
                for _ in range(turns):
                    await asyncio.sleep(0)
                await store.set_meta("second half", "written")  # a savepoint's first statement
        assert await store.get_meta("first half") is None  # rolled back on the server
        await store.set_meta("after", "ok")
        assert await store.get_meta("after") == "ok"
    finally:
        await store.close()


@SQLITE_ONLY  # the bot is restarted on a PostgreSQL database of the test's own (pg_url)
async def test_an_unreachable_server_fails_the_cycle_in_one_line_and_the_next_delivers_once(
        pg_url: str, simcord_env, posts_dir: Path, make_bot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = simcord_env
    await env.restart_bot(make_bot(make_config(tmp_path, database_url=pg_url)))
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1))
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 2))

    name = database_name(pg_url)
    admin_conn = await asyncpg.connect(server_url())
    try:
        # The server turns the database away: no new connections, and the bot's are cut.
        await admin_conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin_conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            await env.bot.scheduled_digest()
        failed = [r for r in caplog.records if "digest cycle failed" in r.getMessage()]
        assert len(failed) == 1 and failed[0].exc_info is None, [r.getMessage() for r in caplog.records]
        line = failed[0].getMessage()
        assert "\n" not in line and pg_url in line, line
        assert papers.history() == [] or all("2024-05-07" not in (e.title or "") for m in papers.history()
                                               for e in m.embeds)
    finally:
        await admin_conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin_conn.close()

    await env.bot.scheduled_digest()  # the server is back
    await env.bot.scheduled_digest()  # and once more: nothing twice
    titles = [e.title for m in papers.history() for e in m.embeds]
    assert titles == ["📰 3DGS · 2024-05-07 · 2 papers", "Paper 7-1 on Gaussian splatting",
                      "Paper 7-2 on Gaussian splatting"]
