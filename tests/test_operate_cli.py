"""The operator's commands on real databases, as real processes where the exit code is the point:
`health` (healthy, stale, new, unreadable, missing), `status`, `backup` while a cycle writes; and the
CLI's shape: --config and the log flags before or after the command, --help on every command."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import _parser, main
from jobs.config_load import load_config
from jobs.pipeline import ingest
from jobs.store import Store
from tests.postgen import entries, write_kedreamix

ROOT = Path(__file__).resolve().parents[1]
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"  # how the store writes times


def bot(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def site(tmp_path: Path, posts_dir: Path) -> Path:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts_dir}\nschedule:\n  time: '08:30'\n  timezone: UTC\n",
                   encoding="utf-8")
    return cfg


async def one_cycle(cfg: Path) -> Path:
    """A completed all-servers cycle, finished now, as the bot records one."""
    config = load_config(cfg)
    async with await Store.open(config.database_path) as store:
        cycle = await store.start_cycle("schedule")
        await ingest(store, config.sources)
        await store.finish_cycle(cycle, "test")
    return Path(config.database_path)


def backdate(db: Path, days: float, what: str = "cycle") -> None:
    when = datetime.now(UTC) - timedelta(days=days)
    with sqlite3.connect(db) as conn:
        if what == "cycle":
            conn.execute("UPDATE cycles SET finished_at = ?", (when.strftime(STAMP),))
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'created_at'", (when.isoformat(),))


async def test_health_of_a_healthy_and_a_stale_database(site: Path) -> None:
    db = await one_cycle(site)
    done = bot("health", "--config", site)
    assert (done.returncode, done.stdout.split(":")[0]) == (0, "healthy"), done.stderr
    assert "last cycle completed" in done.stdout

    backdate(db, 2)  # the bot stopped two days ago
    stale = bot("--config", site, "health")
    assert stale.returncode == 1
    assert stale.stdout.startswith("unhealthy: no cycle completed since the run due ")
    assert len(stale.stdout.splitlines()) == 1 and stale.stderr == ""


async def _create(path: Path) -> None:
    async with await Store.open(path):
        pass  # created and migrated; no cycle yet


def test_health_gives_a_new_database_its_grace_then_not(site: Path) -> None:
    config = load_config(site)
    asyncio.run(_create(Path(config.database_path)))
    assert main(["--config", str(site), "health"]) == 0
    backdate(Path(config.database_path), 1, "created")
    done = bot("--config", site, "health")
    assert done.returncode == 1
    assert done.stdout.startswith("unhealthy: no cycle has completed since the database was created")


def test_health_of_an_unreadable_or_missing_database(site: Path, tmp_path: Path) -> None:
    missing = bot("--config", site, "health")
    assert missing.returncode == 1 and missing.stdout.startswith(f"unhealthy: no database at {tmp_path / 'p.db'}")
    assert not (tmp_path / "p.db").exists()  # health never creates one
    (tmp_path / "p.db").write_bytes(b"this is not a database, just bytes " * 200)
    junk = bot("--config", site, "health")
    assert junk.returncode == 1
    assert junk.stdout.startswith(f"unhealthy: the database {tmp_path / 'p.db'} does not open: ")
    assert "Traceback" not in junk.stderr


async def _paused_feed(db: Path) -> None:
    async with await Store.open(db) as store:
        await store.add_feed(1, 555, "3DGS", [], None)
        await store.pause_feeds_of_channel(555, "the bot may not post in #gone")


def test_status_shows_sources_schedule_outbox_paused_feeds_and_size(site: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = asyncio.run(one_cycle(site))
    asyncio.run(_paused_feed(db))
    assert main(["status", "--config", str(site)]) == 0
    out = capsys.readouterr().out
    assert "Sources\n  local: last success 20" in out and "newest post 2024-05-06" in out
    assert "failed run" not in out
    assert "next run " in out and " 08:30 UTC" in out
    assert "Deliveries\n  0 pending, 0 failed, 0 sent" in out
    assert "Paused feeds\n  channel 555 3DGS: the bot may not post in #gone" in out
    assert f"Database\n  {db} · " in out and " MB" in out


def test_status_counts_failed_runs_in_a_row(site: Path, posts_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(one_cycle(site))
    posts_dir.rename(posts_dir.with_name("gone"))
    asyncio.run(one_cycle(site))
    asyncio.run(one_cycle(site))
    assert main(["--config", str(site), "status"]) == 0
    out = capsys.readouterr().out
    assert "2 failed runs in a row, retried at the next run" in out
    assert "  error: " in out


async def test_backup_while_a_cycle_writes(tmp_path: Path, site: Path, posts_dir: Path) -> None:
    config = load_config(site)
    copy = tmp_path / "copies" / "backup.db"
    copy.parent.mkdir()
    async with await Store.open(config.database_path) as store:
        await ingest(store, config.sources)
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--config", str(site), "backup",
                                                    str(copy), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        done = asyncio.create_task(proc.communicate())
        cycles = 0
        while not done.done():  # cycles, each bringing a new post, until the backup has finished
            cycles += 1
            write_kedreamix(posts_dir, f"NeRF {cycles}", "2024-07-01", entries(f"{cycles + 10}", 20))
            await ingest(store, config.sources)
        out, err = await asyncio.wait_for(done, 120)
        live = await store.counts()
    assert proc.returncode == 0, err.decode()
    assert out.decode().startswith(f"backed up {config.database_path} to {copy}")
    assert cycles >= 2  # the copy was made while the database was being written
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        papers, posts = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("papers", "posts"))
        # A snapshot: each copied post has all of its papers, and no paper lacks its post.
        orphans = conn.execute("SELECT count(*) FROM appearances a LEFT JOIN posts p ON p.id = a.post_id "
                               "WHERE p.id IS NULL").fetchone()[0]
        short = conn.execute("SELECT count(*) FROM posts p WHERE p.paper_count != "
                             "(SELECT count(*) FROM appearances a WHERE a.post_id = p.id)").fetchone()[0]
    assert 3 <= papers <= live["papers"] and posts >= 1 and orphans == 0 and short == 0
    assert papers == 3 + 20 * (posts - 1)  # whole posts only
    async with await Store.open(copy) as restored:  # the copy opens as a database of its own
        assert (await restored.counts())["papers"] == papers
    assert not copy.with_name("backup.db.partial").exists()


def test_backup_refuses_to_overwrite_the_database_itself(site: Path, tmp_path: Path) -> None:
    asyncio.run(one_cycle(site))
    done = bot("--config", site, "backup", tmp_path / "p.db")
    assert done.returncode == 2 and "another file" in done.stderr


@pytest.mark.parametrize("before", [True, False])
def test_config_and_log_flags_before_or_after_the_command(site: Path, before: bool) -> None:
    flags = ["--config", str(site), "--log-level", "debug", "--log-format", "json"]
    args = [*flags, "ingest"] if before else ["ingest", *flags]
    done = bot(*args)
    assert done.returncode == 0, done.stderr
    assert "local: posts new 1" in done.stdout
    records = [json.loads(line) for line in done.stderr.splitlines()]
    assert records and all({"ts", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["level"] == "DEBUG" for r in records)  # aiosqlite/asyncio debug lines


def test_log_settings_from_the_environment_and_bad_ones(site: Path) -> None:
    import os

    env = {**os.environ, "PAPERBOY_LOG_LEVEL": "error", "PAPERBOY_LOG_FORMAT": "json"}
    quiet = bot("--config", site, "ingest", env=env)
    assert quiet.returncode == 0 and quiet.stderr == ""
    bad = bot("--config", site, "--log-level", "loud", "ingest")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "paperboy: --log-level: unknown log level 'loud' (choose one of DEBUG, INFO, " \
                                 "WARNING, ERROR)"


def test_every_command_has_help_naming_the_tokens_where_they_matter() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if a.choices and "run" in a.choices)
    commands = sub.choices
    assert set(commands) >= {"run", "ingest", "parse", "check-config", "search", "health", "status", "backup",
                             "demo"}
    for name, command in commands.items():
        text = command.format_help()
        assert command.description and len(command.description) > 40, name
        assert "--config" in text and "--log-level" in text, name
    assert "DISCORD_TOKEN" in commands["run"].format_help() and "GITHUB_TOKEN" in commands["run"].format_help()
    assert "GITHUB_TOKEN" in commands["ingest"].format_help()
    assert "DISCORD_TOKEN" in commands["demo"].format_help()  # says it needs none
    top = bot("--help")
    assert top.returncode == 0 and "DISCORD_TOKEN" in top.stdout and "GITHUB_TOKEN" in top.stdout
    for name in commands:
        assert "health" in top.stdout and name in top.stdout
