"""Past one process (issue 18, items 1 and 2): `run --role gateway|scheduler|sender|all` and `--shards`, and one
scheduler at a time on PostgreSQL. Real `python -m bot` subprocesses, each with a timeout; PostgreSQL tests
skip without a server (tests/engines.py)."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import AutoShardedClient

from bot import create_bot
from jobs.database_url import parse_database_url
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


def test_a_leader_whose_lock_connection_is_lost_stops_leading_and_leads_again(pg_url: str, tmp_path: Path) -> None:
    """The server ends the leader lock's session (a restart, a dropped network, pg_terminate_backend): the
    lock went with it, and another scheduler could lead now. The scheduler says so, stops its schedule, and
    waits to lead again; here nobody else leads, so it does at once."""
    import asyncpg

    config = write_config(tmp_path, pg_url)
    scheduler = Process(config, "only")
    try:
        assert scheduler.wait_for("leading:") is not None, scheduler.seen

        async def end_its_session() -> int:
            conn = await asyncpg.connect(pg_url)
            try:
                return int(await conn.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE $1",
                    f"paperboy scheduler pid {scheduler.proc.pid} %"))
            finally:
                await conn.close()

        assert asyncio.run(end_its_session()) == 1
        # Before: nothing noticed; it went on scheduling without the lock.
        lost = scheduler.wait_for("lost the leader lock", timeout=30)
        assert lost is not None and "the schedule stops until this process leads again" in lost, scheduler.seen
        deadline = time.monotonic() + 30
        while sum("leading:" in line for line in scheduler.seen) < 2 and time.monotonic() < deadline:
            scheduler.wait_for("\x00", timeout=0.5)  # read what comes
        assert sum("leading:" in line for line in scheduler.seen) == 2, scheduler.seen
        assert "Traceback" not in "\n".join(scheduler.seen)
        # One ranking index merger, the new lead's: the old lead's stopped with its schedule (two ran before).
        deadline = time.monotonic() + 15
        while len(mergers_of(scheduler.proc.pid)) != 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(mergers_of(scheduler.proc.pid)) == 1, mergers_of(scheduler.proc.pid)
    finally:
        scheduler.stop()
    assert scheduler.proc.returncode == 0, scheduler.seen


def mergers_of(pid: int) -> list[int]:
    """The live (not zombie) merger processes that `pid` started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(stat[1]) == pid and stat[0] != "Z" and b"jobs.ops.rank_merger" in cmdline:
            found.append(int(entry.name))
    return found


def write_posts(tmp_path: Path, count: int) -> None:
    """`count` posts of 8 papers each, two topics, one date each: a cycle that takes PostgreSQL some seconds."""
    from datetime import date, timedelta

    from tests.postgen import entries, write_kedreamix

    for k in range(count):
        day = (date(2024, 1, 1) + timedelta(days=k)).isoformat()
        write_kedreamix(tmp_path / "posts", ("3DGS", "NeRF")[k % 2], day, entries(str(100 + k), 8))


async def seed_readers(url: str) -> None:
    """Three channels following topics, and members subscribed to keywords, before the first cycle."""
    from jobs.store.backends import open_database
    from jobs.store.postgres import PostgresStore

    store = await open_database(parse_database_url(url, "test"))
    assert isinstance(store, PostgresStore)
    try:
        for channel, topic in ((10, "3DGS"), (11, "NeRF"), (12, "all")):
            await store.add_feed(1, channel, topic, [], None, style="cards")
        for user in range(20):
            await store.add_subscription(1000 + user, "keyword", "splatting", "splatting", 10)
    finally:
        await store.close()


async def db_rows(url: str, sql: str) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def planned(url: str) -> Counter[tuple[str, int, tuple[str, ...]]]:
    """What the outbox holds, as (kind, target, the papers a row carries): the same for one run as for another."""
    rows = await db_rows(url, "SELECT kind, target_id, payload FROM outbox")
    return Counter((r["kind"], r["target_id"], tuple(sorted(set(re.findall(r"\d{4}\.\d{5}", r["payload"])))))
                   for r in rows)


def finished_cycles(url: str) -> int:
    return int(asyncio.run(db_rows(url, "SELECT count(*) FROM cycles WHERE finished_at IS NOT NULL"))[0][0])


def wait_until(check: Any, timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_two_schedulers_started_together_run_one_cycle(pg_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, pg_url)
    write_posts(tmp_path, 4)
    asyncio.run(seed_readers(pg_url))
    first, second = Process(config, "first"), Process(config, "second")
    try:
        assert wait_until(lambda: finished_cycles(pg_url) >= 1), (first.seen, second.seen)
        time.sleep(4)  # longer than a waiting scheduler's try: the other is still waiting, not cycling
        cycles = asyncio.run(db_rows(pg_url, "SELECT trigger, finished_at IS NOT NULL AS done FROM cycles"))
        assert [(c["trigger"], c["done"]) for c in cycles] == [("catch-up", True)]
    finally:
        for p in (first, second):
            p.stop()


def test_the_leader_killed_mid_cycle_the_other_finishes_it_with_nothing_twice_or_lost(
        pg_url: str, tmp_path: Path) -> None:
    """Against a reference: the same posts and readers on another database, one scheduler, no kill."""
    write_posts(tmp_path, 240)  # a cycle of some seconds even on a quiet machine: the kill must land inside it

    async def reference() -> Counter[tuple[str, int, tuple[str, ...]]]:
        async with fresh_database("postgres", tmp_path) as url:
            await seed_readers(url)
            only = Process(write_config(tmp_path, url), "reference")  # the same posts
            try:
                while not await db_rows(url, "SELECT 1 FROM cycles WHERE finished_at IS NOT NULL"):
                    await asyncio.sleep(0.1)
            finally:
                only.stop()
            return await planned(url)

    config = write_config(tmp_path, pg_url)
    asyncio.run(seed_readers(pg_url))
    first, second = Process(config, "first"), Process(config, "second")
    try:
        said = {p.name: p.wait_for("leading:", "waiting:") for p in (first, second)}
        leader = first if "leading:" in (said["first"] or "") else second
        other = second if leader is first else first
        assert wait_until(lambda: bool(asyncio.run(db_rows(pg_url, "SELECT 1 FROM cycles"))))
        time.sleep(0.3)  # into the cycle: ingesting (120 posts, a second's sleep: a quiet machine had finished)
        os.kill(leader.proc.pid, signal.SIGKILL)
        leader.proc.wait(timeout=15)
        assert finished_cycles(pg_url) == 0  # it died mid-cycle
        assert other.wait_for("leading:", timeout=30) is not None, other.seen
        assert wait_until(lambda: finished_cycles(pg_url) >= 1), other.seen
    finally:
        for p in (first, second):
            p.stop()
    got = asyncio.run(planned(pg_url))
    assert all(n == 1 for n in got.values()), [k for k, n in got.items() if n > 1]  # nothing twice
    want = asyncio.run(reference())
    assert got == want  # nothing lost: what one uninterrupted scheduler plans
    assert sum(got.values()) > 20


def test_wait_db_gives_up_after_its_bound_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    out = run(tmp_path, "postgresql://postgres@127.0.0.1:1/paperboy", "run", "--role", "scheduler", "--wait-db", "2")
    took = time.monotonic() - started
    assert out.returncode == 1, out
    assert "Traceback" not in out.stderr
    line = out.stderr.strip().splitlines()[-1]
    assert "no PostgreSQL server answers there" in line and "waited 2 s for it: --wait-db" in line, out.stderr
    assert 2 <= took < 20


def test_wait_db_starts_once_the_database_is_there(tmp_path: Path) -> None:
    """Under compose the server answers before its database exists (the image's entrypoint creates it)."""
    import secrets

    import asyncpg

    from tests.engines import server_url, with_database

    name = f"pb_{secrets.token_hex(6)}"
    url = with_database(server_url(), name)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(server_url())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    config = write_config(tmp_path, url)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "run", "--role", "scheduler",
                             "--wait-db", "60"], cwd=tmp_path, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    scheduler = Process.__new__(Process)
    scheduler.name, scheduler.proc, scheduler.lines, scheduler.seen = "waiting", proc, queue.Queue(), []
    threading.Thread(target=scheduler._read, daemon=True).start()
    try:
        assert scheduler.wait_for("waiting up to 60 s for the database") is not None, scheduler.seen
        assert proc.poll() is None  # before: exit 1 at once ("create it")
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        assert scheduler.wait_for("leading:") is not None, scheduler.seen
    finally:
        scheduler.stop()
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    assert proc.returncode == 0, scheduler.seen


@pytest.mark.parametrize("mine", [0, 1])
async def test_a_gateway_answers_only_its_shards_servers(pg_url: str, tmp_path: Path, mine: int) -> None:
    """Two gateways, `--shards 0/2` and `--shards 1/2`: Discord routes a server's interactions to the shard
    (guild_id >> 22) % 2, and SimCord does as Discord does; each gateway answers its servers and no others."""
    import simcord

    from tests.conftest import make_config

    gateway = create_bot(make_config(tmp_path, database_url=pg_url), role="gateway",
                         shards=parse_shards(f"{mine}/2"))
    try:
        async with simcord.run(gateway) as env:
            answered = {}
            for shard in (0, 1):
                guild = env.create_guild(name=f"Lab {shard}", shard_id=shard)
                member = guild.add_member(env.create_user(f"reader{shard}"))
                result = await member.slash(guild.create_text_channel("papers"), "latest")
                answered[shard] = result.response is not None
            assert answered == {mine: True, 1 - mine: False}
    finally:
        if gateway._store is not None:
            await gateway._store.close()
