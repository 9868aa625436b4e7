"""Past one process (issue 18, items 1 and 2): `run --role gateway|scheduler|sender|all` and `--shards`, and one
scheduler at a time on PostgreSQL. Real `python -m bot` subprocesses, each with a timeout; PostgreSQL tests
skip without a server (tests/engines.py)."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest
from discord import AutoShardedClient

from bot import create_bot
from jobs.ops.roles import RoleError, parse_shards
from tests.engines import fresh_database

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


@pytest.fixture
async def pg_url(tmp_path: Path) -> Iterator[str]:  # type: ignore[misc]
    async with fresh_database("postgres", tmp_path) as url:
        yield url


def write_config(tmp_path: Path, database: str) -> Path:
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    key = "url" if "://" in database else "path"
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  {key}: {database}\nsources:\n  - name: local\n    kind: directory\n"
                      f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    return config


def env(**extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": "/nonexistent", **extra}


def run(tmp_path: Path, database: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    config = write_config(tmp_path, database)
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=TIMEOUT, env=env(**extra))


def refused(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr
    [line] = out.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("role", ["gateway", "scheduler", "sender"])
def test_on_sqlite_only_the_whole_bot_runs(tmp_path: Path, role: str) -> None:
    database = str(tmp_path / "pb.db")
    line = refused(run(tmp_path, database, "run", "--role", role))
    assert line == (f"paperboy run: --role {role} needs a PostgreSQL database (database.url postgresql://…): "
                    "an SQLite file is held by one process, which runs everything (--role all)")
    line = refused(run(tmp_path, database, "run", PAPERBOY_ROLE=role))  # the environment, as under compose
    assert "needs a PostgreSQL database" in line
    assert not Path(database).exists()  # refused before anything was opened


def test_bad_roles_and_shards_are_named(tmp_path: Path) -> None:
    database = str(tmp_path / "pb.db")
    assert refused(run(tmp_path, database, "run", "--role", "leader")) == (
        "paperboy run: --role must be one of all, gateway, scheduler, sender (got 'leader')")
    assert refused(run(tmp_path, database, "run", PAPERBOY_ROLE="gatway")) == (
        "paperboy run: PAPERBOY_ROLE must be one of all, gateway, scheduler, sender (got 'gatway')")
    assert refused(run(tmp_path, database, "run", "--shards", "4-2/16")) == (
        "paperboy run: --shards '4-2/16': the first shard (4) comes after the last (2)")
    assert refused(run(tmp_path, database, "run", PAPERBOY_SHARDS="0-16/16")) == (
        "paperboy run: PAPERBOY_SHARDS '0-16/16': shard ids run from 0 to 15 of 16")


def test_shards_parse_and_reach_the_gateway(tmp_path: Path) -> None:
    assert parse_shards("0-3/16").ids == [0, 1, 2, 3] and parse_shards(" 5 / 16 ").ids == [5]
    for bad, why in (("0-3", "write FIRST-LAST/COUNT"), ("1/0", "between 1 and"), ("a-b/c", "FIRST-LAST/COUNT")):
        with pytest.raises(RoleError, match=why):
            parse_shards(bad)
    config = write_config(tmp_path, str(tmp_path / "pb.db"))
    bot = create_bot(config, role="gateway", shards=parse_shards("4-7/16"))
    # What discord.py's AutoShardedClient connects at start: shards 4 to 7 of 16, and no others.
    assert isinstance(bot, AutoShardedClient)
    assert (bot.shard_ids, bot.shard_count) == ([4, 5, 6, 7], 16)
    assert not isinstance(create_bot(config), AutoShardedClient)  # one process, one shard, as before


def test_shards_are_for_gateways(pg_url: str, tmp_path: Path) -> None:
    line = refused(run(tmp_path, pg_url, "run", "--role", "scheduler", "--shards", "0-3/16"))
    assert line == "paperboy run: --shards is for a gateway (--role gateway or all); a scheduler connects no gateway"


class Process:
    """A `python -m bot run --role scheduler` whose stderr is read line by line as it comes."""

    def __init__(self, config: Path, name: str) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "run", "--role", "scheduler"],
            cwd=config.parent, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, *words: str, timeout: float = TIMEOUT) -> str | None:
        """The first line (seen or to come) holding one of `words`, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if any(w in line for w in words):
                    return line
            try:
                self.seen.append(self.lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                return None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def test_one_scheduler_leads_and_the_other_takes_over_when_it_dies(pg_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, pg_url)
    first, second = Process(config, "first"), Process(config, "second")  # started together
    try:
        said = {p.name: p.wait_for("leading:", "waiting:") for p in (first, second)}
        assert all(said.values()), (first.seen, second.seen)
        leaders = [p for p in (first, second) if "leading:" in (said[p.name] or "")]
        # Before: no leader lock; both started the schedule (and the catch-up cycle) on one database.
        assert len(leaders) == 1, said
        leader = leaders[0]
        other = second if leader is first else first
        assert "waiting: another scheduler leads (paperboy scheduler pid " in (said[other.name] or "")
        assert "trying again every 3 s" in (said[other.name] or "")

        os.kill(leader.proc.pid, signal.SIGKILL)  # its session ends with it, and the lock
        leader.proc.wait(timeout=15)
        killed = time.monotonic()
        line = other.wait_for("leading:", timeout=30)
        assert line is not None, other.seen
        assert time.monotonic() - killed < 30
        assert "Traceback" not in "\n".join(other.seen)
    finally:
        for p in (first, second):
            p.stop()
    assert other.proc.returncode == 0, other.seen  # a graceful stop on SIGTERM, lock released


async def test_a_gateway_queues_and_a_sender_delivers(pg_url: str, tmp_path: Path) -> None:
    """A gateway answers /feed add and /digest run but posts nothing itself; a sender, with no commands of
    its own, sends what was queued. One PostgreSQL database between them, as two processes would share it."""
    import simcord

    from bot.app import PaperboyBot
    from tests.conftest import make_config
    from tests.postgen import entries, write_kedreamix

    config = make_config(tmp_path, database_url=pg_url)
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 3))
    gateway = create_bot(config, role="gateway")
    sender: PaperboyBot | None = None
    try:
        async with simcord.run(gateway) as env:
            guild = env.create_guild(name="Lab")
            papers = guild.create_text_channel("papers")
            admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
            admin = guild.add_member(env.create_user("prof"), roles=[admins])
            await env.settle()
            await gateway._startup  # its start: no delivery, no schedule
            assert gateway.scheduler is None

            await admin.slash(papers, "digest run")  # the posts in: the topic is known
            added = await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
            assert "3DGS" in added.response.content
            ran = await admin.slash(papers, "digest run")
            assert "3 papers queued, 0 messages sent" in ran.response.content, ran.response.content
            await env.settle()
            # Before: the gateway sent the cards itself, as `all` does.
            assert papers.history() == []
            assert len(await gateway.store.pending()) == 4  # a header and three cards

            sender = create_bot(config, role="sender")
            await env.restart_bot(sender)
            assert sender.tree.get_commands() == []  # no cogs: a sender answers nothing
            loop = asyncio.create_task(sender._send_loop())
            for _ in range(50):
                await env.settle()
                if len(papers.history()) == 4:
                    break
                await asyncio.sleep(0.1)
            sender.stopping.set()
            await loop
            titles = " ".join(e.title or "" for m in papers.history() for e in m.embeds)
            assert len(papers.history()) == 4 and all(f"Paper 6-{i}" in titles for i in range(1, 4)), titles
            assert await sender.store.pending() == []
    finally:
        for bot in (gateway, sender):
            if bot is not None and bot._store is not None:
                await bot._store.close()
