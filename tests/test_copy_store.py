"""`python -m bot copy-store`: a whole database copied SQLite -> PostgreSQL and back, verified table by table.
A bot moved to the copy carries on where it stopped (nothing posted or DMed twice, /search answers the
same); a copy stopped midway resumes after its last committed batch; a target in use is refused."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import discord
import pytest

from jobs.config import SourceConfig
from jobs.pipeline import ingest
from jobs.store.copy_store import CopyInterrupted, Side, copy_store
from tests.conftest import make_config
from tests.engines import SQLITE_ONLY, fresh_database, open_store
from tests.postgen import Entry, entries, write_kedreamix

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("sources", "posts", "papers", "appearances", "cycles", "feeds", "outbox", "delivered", "meta",
          "subscriptions", "dm_users", "alert_channels", "guild_languages", "member_languages", "rank_segments",
          "rank_postings", "rank_fresh", "rank_docs", "rank_state")


@pytest.fixture
async def pg_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with fresh_database("postgres", tmp_path) as url:
        yield url


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot` with a config whose database is tmp_path/paperboy.db (the bot's in make_config)."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  path: {tmp_path / 'paperboy.db'}\nsources:\n  - name: local\n"
                      f"    kind: directory\n    format: kedreamix\n    path: {tmp_path / 'posts'}\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})


def lab(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    reader = guild.add_member(env.create_user("reader"))
    return papers, admin, reader


def titles(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.title or "" for m in messages for e in m.embeds]


@SQLITE_ONLY  # the bot starts on SQLite and is moved to a PostgreSQL database of the test's own
async def test_a_bot_moved_to_postgresql_carries_on_where_it_stopped(
        pg_url: str, simcord_env, posts_dir: Path, make_bot, tmp_path: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    papers, admin, reader = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await reader.slash(papers, "subscribe", topic="3DGS")
    await admin.slash(papers, "settings language", language="en")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 2))
    await env.bot.run_digest()
    posted, dms = titles(papers.history()), titles(reader.user.dm_channel.history())
    assert len(posted) == 3 and len(dms) == 2  # the newest post's header and 2 cards; the 2 papers in a DM
    searched = (await reader.slash(papers, "search", query="gaussian splatting")).response

    out = await asyncio.to_thread(run_cli, tmp_path, "copy-store", "--to", pg_url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"copying {tmp_path / 'paperboy.db'} to {pg_url}"
    assert "papers: 5 rows, the same as the source, ids match (5 copied now)" in lines
    assert "feeds: 1 rows, the same as the source, ids match (1 copied now)" in lines
    for table in TABLES:  # one line per table, each verified
        assert any(line.startswith(f"{table}: ") and "the same as the source, ids match" in line for line in lines)
    assert lines[-1].startswith(f"copied: every table matches. Point the bot at {pg_url}")

    await env.restart_bot(make_bot(make_config(tmp_path, database_url=pg_url)))
    await env.bot.run_digest()  # nothing new: nothing sent again
    assert titles(papers.history()) == posted and titles(reader.user.dm_channel.history()) == dms
    again = (await reader.slash(papers, "search", query="gaussian splatting")).response
    assert again.content == searched.content and titles([again]) == titles([searched])
    write_kedreamix(posts_dir, "3DGS", "2024-05-08", [Entry("2405.80001", "A paper after the move")])
    await env.bot.run_digest()
    assert titles(papers.history())[len(posted):] == ["📰 3DGS · 2024-05-08 · 1 paper", "A paper after the move"]
    assert titles(reader.user.dm_channel.history())[len(dms):] == ["A paper after the move"]
    card = papers.history()[-1].embeds[0].description or ""
    assert "We present a method" in card and "本文" not in card  # the server's language came along


async def build_source(url: str, posts: Path) -> None:
    """A database with three posts of papers ingested (papers, appearances, text and ranking indexes)."""
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 20))
    write_kedreamix(posts, "NeRF", "2024-05-06", [*entries("6", 3), *entries("5", 12)])
    write_kedreamix(posts, "3DGS", "2024-05-07", entries("7", 9, abstract="Radiance fields meet avatars."))
    store = await open_store(url)
    try:
        report = await ingest(store, [SourceConfig(name="local", kind="directory", format="kedreamix",
                                                   path=str(posts))])
        assert report.ok
        await store.add_subscription(42, "keyword", "avatar", "avatar", 25)
        await store.set_meta("note", "kept")
    finally:
        await store.close()


QUERIES = ["gaussian", "splat*", '"radiance fields"', "avatars", "paper 6", "2405.60003"]


async def search_all(store) -> list[object]:  # type: ignore[no-untyped-def]
    from jobs.search.query import build_query

    found = []
    for q in QUERIES:
        query = build_query(q)
        hits, total = await store.search(query.match, arxiv_id=query.arxiv_id, limit=50, words=query.words)
        found.append((q, total, [(h.paper.arxiv_id, round(h.rank, 6)) for h in hits]))
    return found


@pytest.mark.parametrize("direction", ["sqlite->postgres", "postgres->sqlite"])
async def test_an_interrupted_copy_resumes_and_the_copy_searches_the_same(
        direction: str, tmp_path: Path) -> None:
    first, second = direction.split("->")
    async with fresh_database(first, tmp_path / "a") as src_url, fresh_database(second, tmp_path / "b") as dst_url:
        (tmp_path / "a").mkdir(exist_ok=True)
        (tmp_path / "b").mkdir(exist_ok=True)
        await build_source(src_url, tmp_path / "posts")
        src, dst = await open_store(src_url), await open_store(dst_url)
        try:
            with pytest.raises(CopyInterrupted):  # as if killed after 4 committed batches of 7 rows
                await copy_store(Side(src), Side(dst), batch=7, stop_after=4)
            assert len(await dst.get_papers([f"2405.6{i:04d}" for i in range(1, 21)])) == 20 - 6  # 14 of 20
            report = await copy_store(Side(src), Side(dst), batch=7)
            lines = {t.name: t for t in report.tables}
            assert report.ok, [t.line() for t in report.tables]
            assert lines["papers"].resumed and lines["papers"].copied == 41 - 14 and lines["papers"].target_rows == 41
            assert lines["posts"].resumed and not lines["appearances"].resumed  # a finished table; one not begun
            assert await search_all(dst) == await search_all(src)
            assert await dst.get_meta("note") == "kept"
            assert [s.value for s in await dst.subscriptions(42)] == ["avatar"]
        finally:
            await src.close()
            await dst.close()
        # The copy goes on as a database of its own: new rows take ids after the copied ones.
        write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-08", [Entry("2405.80001", "After the copy")])
        store = await open_store(dst_url)
        try:
            await ingest(store, [SourceConfig(name="local", kind="directory", format="kedreamix",
                                              path=str(tmp_path / "posts"))])
            paper = await store.get_paper("2405.80001")
            assert paper is not None and (await store.counts())["papers"] == 42
        finally:
            await store.close()


async def test_a_target_in_use_is_refused_and_keeps_its_rows(tmp_path: Path) -> None:
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 2))
    assert run_cli(tmp_path, "ingest").returncode == 0
    target = tmp_path / "other"
    target.mkdir()
    await build_source(f"sqlite:///{target / 'used.db'}", target / "posts")
    out = run_cli(tmp_path, "copy-store", "--to", f"sqlite:///{target / 'used.db'}")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().endswith("the target database already holds data (and no unfinished copy): copy "
                                       "into a new, empty database")
    store = await open_store(f"sqlite:///{target / 'used.db'}")
    try:
        assert (await store.counts())["papers"] == 41
    finally:
        await store.close()
    out = run_cli(tmp_path, "copy-store", "--to", f"sqlite:///{tmp_path / 'paperboy.db'}")
    assert out.returncode == 2 and "--to names the database being copied" in out.stderr
    out = run_cli(tmp_path, "copy-store", "--to", "mysql://x@h/db")
    assert out.returncode == 2 and "--to: 'mysql://x@h/db': the scheme mysql:// is not supported" in out.stderr
