"""The cyclic collector stays paused while a post is ingested (it would walk every paper alive, GIL held,
stopping the event loop: benchmarks/loop_block.py) and runs again after; pauses that overlap (an ingest
and a fan-out at once) end with the last one, and leave a collector someone else disabled disabled."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import httpx
import pytest
import simcord

from jobs.config import SourceConfig
from jobs.formats import parse_post
from jobs.gc_pause import no_cyclic_gc
from jobs.pipeline import ingest
from jobs.store import Store
from tests.postgen import entries, write_kedreamix


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every automatic collection that starts while the test runs."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(int(info["generation"]))
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


async def test_no_collection_while_a_post_is_ingested(tmp_path: Path, posts_dir: Path,
                                                      collections: list[int]) -> None:
    post = write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1500))
    assert gc.isenabled()
    parse_post(post.read_bytes(), "2024-05-06/3DGS.md", "kedreamix")  # outside a pause: the collector runs
    assert len(collections) >= 5
    async with await Store.open(tmp_path / "p.db") as store, httpx.AsyncClient() as client:
        collections.clear()
        report = await ingest(store, [SourceConfig(name="local", kind="directory", format="kedreamix",
                                                   path=str(posts_dir))], client)
        assert report.papers_new == 1500
        assert len(collections) <= 1  # none while paused; the one the pause's end may let run
        assert gc.isenabled()


def test_overlapping_pauses_end_with_the_last() -> None:
    assert gc.isenabled()
    first, second = no_cyclic_gc(), no_cyclic_gc()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second is still open
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_disabled_by_someone_else_stays_disabled() -> None:
    gc.disable()
    try:
        with no_cyclic_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_a_served_bot_leaves_its_start_up_heap_out_of_later_collections(make_bot,
                                                                              caplog: pytest.LogCaptureFixture) -> None:
    """Before it connects, a bot that `serve` runs freezes what it holds for its life (its modules, its store, its
    commands), so a full collection no longer walks them; garbage is collected first, never frozen; what the
    gateway brings (the guild cache, which a new session clears) is not frozen; and a closed bot thaws it all."""
    bot = make_bot()
    bot.freeze_heap_at_start = True  # what serve() sets
    env = simcord.Env(bot)
    guild = env.create_guild(name="Lab")  # there before the bot connects: the gateway brings it
    assert gc.get_freeze_count() == 0
    try:
        with caplog.at_level(logging.INFO, logger="bot.app"):
            await env.start()
            try:
                await env.settle()
                said = re.search(r"start-up heap frozen: (\d+) objects", caplog.text)
                assert said is not None and int(said.group(1)) > 10_000  # the modules alone are tens of thousands
                assert gc.get_freeze_count() > 10_000  # (fewer than said: what died since was freed as ever)
                cached = bot.get_guild(guild.id)
                assert cached is not None and any(o is cached for o in gc.get_objects())  # not frozen
                cycle = [object()]
                cycle.append(cycle)
                del cycle
                assert gc.collect() >= 1  # what dies in a cycle after the freeze is collected as before
            finally:
                await env.shutdown()
        await bot.close()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()  # the test process keeps no test's objects


async def test_the_bot_keeps_none_of_the_messages_it_sends(simcord_env, posts_dir: Path) -> None:
    """No message cache: a cycle's posts reach the channel, and none stays in the bot's memory (each one kept was a
    few dozen objects that lived long enough for the collector's oldest generation, setting off full collections
    over the whole heap as they piled up); the buttons on them still answer."""
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    await env.bot.run_digest()  # the topic is known once ingested
    await admin.slash(papers, "feed add", channel=papers, topic="3dgs", style="cards")
    summary = await env.bot.run_digest()
    await env.settle()
    assert summary.send.sent == 4 and len(papers.history()) == 4
    assert len(env.bot.cached_messages) == 0
    card = next(m for m in papers.history() if m.embeds and m.embeds[0].url)
    result = await admin.click(card, label="Abstract")
    assert result.ephemeral and "Abstract" in (result.response.embeds[0].description or "")
