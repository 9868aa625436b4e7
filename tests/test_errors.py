"""Whatever fails behind a command, a button or a menu, the member gets a short honest answer (never
"thinking…" forever) and the log gets the traceback with what was used and its options."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from jobs.config import Config
from tests.engines import engine_of, run_sql
from tests.postgen import entries, write_kedreamix

FAILED = "failed on Paperboy's side"
# What a query on a dropped table raises, on either engine.
TABLE_GONE = (sqlite3.OperationalError, asyncpg.UndefinedTableError)


async def break_database(config: Config) -> None:
    """What a damaged or half-restored database does to the running bot: its tables are gone."""
    if engine_of(config) == "postgres":
        await run_sql(config, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return
    with sqlite3.connect(config.database_path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY sql LIKE 'CREATE VIRTUAL%' DESC")]
        for name in names:
            with contextlib.suppress(sqlite3.OperationalError):  # an FTS table's parts go with it
                db.execute(f'DROP TABLE "{name}"')


def answered_in_place_of_thinking(env) -> bool:  # type: ignore[no-untyped-def]
    """The command deferred (Discord shows "thinking…"), then its original response was edited."""
    calls = [(r.method, (r.json or {}).get("type") if r.path.endswith("/callback") else r.path.rsplit("/", 1)[-1])
             for r in env.http_requests if "/interactions/" in r.path or "/webhooks/" in r.path]
    return calls[-2:] == [("POST", 5), ("PATCH", "@original")]


def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.errors" and r.levelno >= logging.ERROR]


@pytest.fixture
async def lab(simcord_env, posts_dir: Path):  # type: ignore[no-untyped-def]
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("16", 7))
    await simcord_env.bot.run_digest()
    guild = simcord_env.create_guild(name="Lab")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    return simcord_env, channel, alice


def own_errors(env) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """What SimCord saw the bot's handlers receive (reading it tells SimCord they were expected)."""
    return [getattr(e, "original", e) for e in env.errors]


async def test_deferred_command_that_fails_answers_in_place_of_thinking(lab, config, caplog) -> None:
    env, channel, alice = lab
    await break_database(config)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        result = await alice.slash(channel, "paper", id="2405.16001")
    assert answered_in_place_of_thinking(env) and result.ephemeral
    assert result.response.content.startswith("Sorry, `/paper` " + FAILED)
    [record] = failures(caplog)
    assert "/paper options={'id': '2405.16001'}" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], TABLE_GONE)
    assert [isinstance(e, TABLE_GONE) for e in own_errors(env)] == [True]


async def test_deferred_search_that_fails_answers_too(lab, config) -> None:
    env, channel, alice = lab
    await break_database(config)
    result = await alice.slash(channel, "search", query="gaussian")
    assert answered_in_place_of_thinking(env)
    assert result.response.content.startswith("Sorry, `/search` " + FAILED)
    assert own_errors(env)


async def test_command_that_fails_before_answering_gets_an_ephemeral_reply(lab, config, caplog) -> None:
    env, channel, alice = lab
    await break_database(config)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        result = await alice.slash(channel, "topics")
    assert not answered_in_place_of_thinking(env) and result.ephemeral
    assert result.response.content.startswith("Sorry, `/topics` " + FAILED)
    assert "/topics options={}" in failures(caplog)[0].getMessage()
    assert own_errors(env)


async def test_persistent_button_that_fails_answers_the_clicker(lab, config, caplog) -> None:
    _env, channel, alice = lab
    opened = await alice.slash(channel, "paper", id="2405.16001")
    await break_database(config)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        clicked = await alice.click(opened.response, label="Abstract")  # a DynamicItem
    assert clicked.ephemeral and clicked.response.content.startswith("Sorry, that click " + FAILED)
    assert "custom_id='pb:abs:2405.16001'" in failures(caplog)[0].getMessage()


async def test_page_button_that_fails_answers_the_clicker(lab, config) -> None:
    env, channel, alice = lab
    result = await alice.slash(channel, "search", query="gaussian")
    assert result.response.embeds[0].footer.text == "Page 1/2 · 7 papers"
    await break_database(config)
    clicked = await alice.click(result.response, label="Next ▶")  # an item of our base View
    assert clicked.ephemeral and clicked.response.content.startswith("Sorry, that click " + FAILED)
    assert own_errors(env)


async def test_menu_that_fails_answers_the_reader(simcord_env, posts_dir: Path, config, caplog) -> None:
    env = simcord_env
    guild = env.create_guild(name="Lab")
    general = guild.create_text_channel("general")
    user = env.create_user("alice")
    alice = guild.add_member(user)
    await alice.slash(general, "subscribe", keyword="splatting")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    await env.bot.run_digest()
    [dm] = user.dm_channel.history()
    await break_database(config)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        # the "Open a paper…" menu under a DM of several papers
        shown = await user.select(dm, ["2405.60002"])
    assert shown.ephemeral and shown.response.content.startswith("Sorry, that click " + FAILED)
    assert "values=['2405.60002']" in failures(caplog)[0].getMessage()
