"""Issue 19's smaller holes: a forged select value is echoed bounded; `backup` onto the database itself
refuses cleanly; `ingest` exits 3 with a summary when posts could not be fetched; a source well again
with no new papers is not "caught up: 0 papers"; the Discuss lock table keeps only locks in use."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest
from pytest_httpserver import HTTPServer
from simcord.actors import _component_interaction, _visible_message
from werkzeug import Request, Response

from bot.cli import cmd_ingest
from bot.ui import discuss
from bot.ui.render import alert_line
from jobs.config import Config
from jobs.messages import AlertMessage
from jobs.ops.watchdog import CaughtUp
from tests.postgen import entries, write_kedreamix
from tests.test_feed_style import answer, setup_guild
from tests.test_ingest_limits import GOOD, github
from tests.test_operate_cli import ROOT, one_cycle


async def _digest(env, posts_dir: Path):  # type: ignore[no-untyped-def]
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (digest,) = papers.history()
    return papers, digest, student


async def test_a_forged_menu_value_is_echoed_bounded(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, digest, student = await _digest(env, posts_dir)
    menu = next(c for row in digest.components for c in row.children if isinstance(c, discord.SelectMenu))
    # What a modified client can send: any value, here 5,000 characters of markdown, in the real menu.
    # SimCord's select() only picks listed options, so the interaction is dispatched as it would arrive.
    forged = "*_`" + "9" * 4997
    stored = _visible_message(student, digest)
    result = await _component_interaction(student, stored, {"custom_id": menu.custom_id, "component_type": 3,
                                                            "values": [forged]})
    shown = answer(result).content
    assert shown.startswith("arXiv \\*\\_\\`999") and shown.endswith(" is no longer in Paperboy's database.")
    assert len(shown) < 120


async def test_the_discuss_lock_table_keeps_only_locks_in_use(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    papers, digest, student = await _digest(env, posts_dir)
    for arxiv_id in ("2405.60001", "2405.60002", "2405.60003"):
        opened = await student.select(digest, [arxiv_id])
        await student.click(opened.response, label="💬 Discuss")
    assert len(papers.threads) == 3
    assert discuss._THREAD_LOCKS == {}


async def test_two_discuss_clicks_at_once_still_share_one_lock() -> None:
    key = (1, "2405.60001")
    entered: list[str] = []

    async def click(name: str, hold: asyncio.Event) -> None:
        async with discuss._one_at_a_time(key):
            entered.append(name)
            await hold.wait()

    first_hold, second_hold = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(click("first", first_hold))
    await asyncio.sleep(0)
    second = asyncio.create_task(click("second", second_hold))
    await asyncio.sleep(0.01)
    assert entered == ["first"] and discuss._THREAD_LOCKS[key].users == 2  # the second waits on the same lock
    first_hold.set()
    await asyncio.sleep(0.01)
    assert entered == ["first", "second"] and key in discuss._THREAD_LOCKS
    second_hold.set()
    await asyncio.gather(first, second)
    assert key not in discuss._THREAD_LOCKS


@pytest.fixture
def site(tmp_path: Path, posts_dir: Path) -> Path:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts_dir}\n", encoding="utf-8")
    return cfg


def test_backup_onto_the_database_itself_refuses_in_one_line(site: Path, tmp_path: Path) -> None:
    asyncio.run(one_cycle(site))
    done = subprocess.run([sys.executable, "-X", "dev", "-m", "bot", "--config", str(site), "backup",
                           str(tmp_path / "p.db")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    # Nothing else: no leaked store complaining at exit.
    assert done.stderr == "backup: the copy must go to another file than the database itself\n"


def test_ingest_exits_3_when_posts_could_not_be_fetched(tmp_path: Path, httpserver: HTTPServer,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    def refused(request: Request) -> Response:
        return Response("no", status=404)

    source = github(httpserver, {"2026-07-01_AI_enhanced_Chinese.jsonl": GOOD,
                                 "2026-07-02_AI_enhanced_Chinese.jsonl": refused})
    config = Config(database_path=tmp_path / "p.db", sources=[source])
    assert asyncio.run(cmd_ingest(config)) == 3
    out, err = capsys.readouterr()
    assert "gh: posts new 1, changed 0, failed 1" in out and "failed 2026-07-02_AI_enhanced_Chinese.jsonl" in out
    assert err.strip().splitlines()[-1] == ("incomplete: 1 posts of gh could not be fetched; the next run "
                                            "tries them again")


def test_a_source_well_again_without_new_papers_is_not_caught_up_with_0_papers() -> None:
    since = datetime(2031, 3, 7, 9, 0, tzinfo=UTC)
    back = CaughtUp("local", 0, since)
    assert back.text() == "Source local is working again (alerting since 2031-03-07 09:00 UTC)"
    event = AlertMessage("caught_up", text=back.text(), **back.parts())
    for lang in ("en", "zh-CN", "zh-TW"):  # as each server reads it in its alert channel
        line = alert_line(event, lang)
        assert not re.search(r"\b0 (papers|篇)", line) and "local" in line, line
    assert "3 papers" in CaughtUp("local", 3, since).text()

