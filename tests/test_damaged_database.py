"""A damaged database is noticed: 4 KiB of garbage written into the middle of a real database file, then
`health` (quick_check; `--full`: integrity_check) says unhealthy, `backup` refuses to copy it in one
plain line, and the bot, started on it, alerts each server's alert channel."""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from contextlib import closing
from pathlib import Path

import discord
import pytest

from jobs.config import Config
from jobs.config_load import load_config
from jobs.pipeline import ingest
from jobs.store import Store
from jobs.store._connection import PAGE_SIZE
from tests.engines import SQLITE_ONLY, run_sql
from tests.postgen import entries, write_kedreamix
from tests.test_operate_cli import bot

GARBAGE = random.Random(19).randbytes(4096)


def damage(db: Path) -> None:
    """4 KiB of garbage over the start of the middle page of the file (the bot is stopped: nothing holds it
    open). At a page's start, not wherever the middle falls: there it may land in a page's unused space, which
    no check reads, and whether it does changes with every table a migration adds."""
    size = db.stat().st_size
    with db.open("r+b") as fh:
        fh.seek(size // 2 // PAGE_SIZE * PAGE_SIZE)
        fh.write(GARBAGE)


def write_posts(posts: Path, days: int = 10) -> None:
    """Enough papers (30 a day) that the middle of the file is papers, not settings."""
    for n in range(days):
        write_kedreamix(posts, f"Topic {n}", f"2024-05-{n + 1:02d}", entries(str(n + 10), 30))


@pytest.fixture
def site(tmp_path: Path, posts_dir: Path) -> Path:
    write_posts(posts_dir)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts_dir}\nschedule:\n  time: '08:30'\n  timezone: UTC\n",
                   encoding="utf-8")
    return cfg


async def _cycle(cfg: Path) -> Path:
    config = load_config(cfg)
    async with await Store.open(config.database_path) as store:
        cycle = await store.start_cycle("schedule")
        await ingest(store, config.sources)
        await store.finish_cycle(cycle, "test")
    return Path(config.database_path)


def test_health_and_backup_refuse_a_damaged_database(site: Path, tmp_path: Path) -> None:
    db = asyncio.run(_cycle(site))
    assert bot("--config", site, "health").returncode == 0
    good = bot("--config", site, "backup", tmp_path / "good.db")
    assert good.returncode == 0, good.stderr

    damage(db)
    for flags in ((), ("--full",)):
        done = bot("--config", site, "health", *flags)
        assert done.returncode == 1, flags
        assert done.stdout.startswith(f"unhealthy: the database {db} is damaged: "), done.stdout
        assert "Recover from a damaged database" in done.stdout and len(done.stdout.splitlines()) == 1

    copy = tmp_path / "copy.db"
    refused = bot("--config", site, "backup", copy)
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"backup: the database {db} is damaged: ")
    assert refused.stderr.rstrip().endswith("; nothing was copied")
    assert len(refused.stderr.splitlines()) == 1 and refused.stdout == ""
    assert not copy.exists() and not copy.with_name("copy.db.partial").exists()
    # The good copy made before is untouched and sound: it is what to restore.
    with closing(sqlite3.connect(tmp_path / "good.db")) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 300


def lab_with_ops(env):  # type: ignore[no-untyped-def]
    """A server with an #ops channel and an admin who can set it as the alert channel."""
    guild = env.create_guild(name="Lab")
    ops = guild.create_text_channel("ops")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    return ops, guild.add_member(env.create_user("prof"), roles=[admins])


@SQLITE_ONLY  # garbage written into the database's file; PostgreSQL's own files are the server's to check
async def test_the_bot_alerts_at_start_on_a_damaged_database(simcord_env, make_bot, config: Config,
                                                             posts_dir: Path) -> None:
    env = simcord_env
    write_posts(posts_dir)
    ops, admin = lab_with_ops(env)
    await env.bot.run_digest()
    result = await admin.slash(ops, "settings alerts", channel=ops)
    assert "Alerts go to" in result.response.content
    await env.bot._startup
    before = [m.content for m in ops.history()]  # the source's outage (its dates are old): no damage said
    assert not any("damaged" in line for line in before)

    first = env.bot
    await first._store.close()  # the bot stops
    first._store = None
    damage(Path(config.database_path))
    await env.restart_bot(make_bot())
    await env.bot._startup
    [alert] = [m.content for m in ops.history() if m.content not in before]
    assert alert.startswith("⚠️ Paperboy's database is damaged (its integrity check found: ")
    assert "restore the newest good backup" in alert


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)  # SQLite's damage: the test above
async def test_on_postgresql_a_table_that_does_not_answer_is_alerted_at_start(
        simcord_env, make_bot, config: Config, posts_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    env = simcord_env
    write_posts(posts_dir)
    ops, admin = lab_with_ops(env)
    await admin.slash(ops, "settings alerts", channel=ops)
    await env.bot._startup
    before = [m.content for m in ops.history()]

    await run_sql(config, "DROP TABLE delivered CASCADE")  # a half-finished restore
    with caplog.at_level(logging.ERROR):
        await env.restart_bot(make_bot())
        await env.bot._startup

    # Before: the check raised AttributeError (it named the SQLite file's path) and no alert went out.
    [alert] = [m.content for m in ops.history() if m.content not in before]
    assert alert.startswith("⚠️ Paperboy's database is damaged (its integrity check found: delivered: ")
    said = [r.getMessage() for r in caplog.records if "is damaged" in r.getMessage()]
    assert said and said[0].startswith(f"database {config.database_name()} is damaged (integrity check: delivered")
