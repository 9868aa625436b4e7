"""Commands that arrive while a digest cycle is in flight: /feed remove, /subscribe and /feed add each
answer, the cycle completes, and nothing is lost or posted twice.

SimCord returns from a slash command only once the bot has settled, so two things never overlap by
accident. To make them overlap, the commands are started from inside the cycle: a trace callback on
the store's connection sees each statement the cycle runs and, on chosen ones (one inside an
ingest transaction, two inside a feed's planning transaction), schedules a command on the loop. The
command then runs while the cycle waits for its next statement."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import discord

from tests.engines import SQLITE_ONLY
from tests.postgen import entries, write_kedreamix


def titles(channel) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.embeds[0].title for m in channel.history() if m.embeds and not m.embeds[0].title.startswith("📰")]


def dm_titles(user) -> list[str]:  # type: ignore[no-untyped-def]
    """The papers a member's DMs show (a day's page numbers its papers: "1. Title")."""
    return [re.sub(r"^\d+\. ", "", e.title) for m in user.dm_channel.history() for e in m.embeds]


@SQLITE_ONLY  # the commands are timed by SQLite's statement trace hook, which PostgreSQL has no twin of
async def test_commands_during_a_digest_cycle_all_answer_and_nothing_is_lost_or_doubled(
    simcord_env, posts_dir: Path
) -> None:
    env = simcord_env
    bot = env.bot
    guild = env.create_guild(name="Lab")
    gs_channel = guild.create_text_channel("splats")
    nerf_channel = guild.create_text_channel("nerf")
    late_channel = guild.create_text_channel("late")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    alice_user = env.create_user("alice")
    alice = guild.add_member(alice_user)

    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 3))
    write_kedreamix(posts_dir, "NeRF", "2024-05-01", entries("2", 3))
    await bot.run_digest()
    added = await admin.slash(gs_channel, "feed add", channel=gs_channel, topic="3DGS", style="cards")
    assert "Added" in added.response.content
    assert "Added" in (await admin.slash(nerf_channel, "feed add", channel=nerf_channel,
                                         topic="NeRF", style="cards")).response.content
    await bot.run_digest()
    assert len(titles(gs_channel)) == 3 and len(titles(nerf_channel)) == 3

    # Day 2: enough papers that planning a feed takes many statements.
    write_kedreamix(posts_dir, "3DGS", "2024-05-02", entries("3", 20))
    write_kedreamix(posts_dir, "NeRF", "2024-05-02", entries("4", 20))

    # Each command starts on the first statement of its kind the cycle runs after the previous
    # command answered. SimCord runs one operation at a time, so they go one after another.
    loop = asyncio.get_running_loop()
    triggers = ["INSERT INTO appearances", "INSERT INTO outbox", "INSERT INTO delivered"]
    seen = {prefix: asyncio.Event() for prefix in triggers}
    armed: set[str] = set()

    def trace(sql: str) -> None:  # runs on aiosqlite's thread, once per statement
        for prefix in armed:
            if sql.lstrip().startswith(prefix):
                loop.call_soon_threadsafe(seen[prefix].set)

    async def during(prefix: str):  # type: ignore[no-untyped-def]
        armed.add(prefix)
        await seen[prefix].wait()
        cycle_running.append(not cycle.done())

    async def commands() -> dict[str, object]:
        await during(triggers[0])
        add = await admin.slash(late_channel, "feed add", channel=late_channel, topic="NeRF", style="cards")
        await during(triggers[1])
        remove = await admin.slash(nerf_channel, "feed remove", channel=nerf_channel, topic="NeRF")
        nerf_at_removal.append(len(titles(nerf_channel)))
        await during(triggers[2])
        sub = await alice.slash(gs_channel, "subscribe", topic="3DGS")
        return {"feed add": add, "feed remove": remove, "subscribe": sub}

    cycle_running: list[bool] = []
    nerf_at_removal: list[int] = []
    await bot.store.db.set_trace_callback(trace)
    cycle = loop.create_task(bot.run_digest())
    driver = loop.create_task(commands())
    summary = await asyncio.wait_for(cycle, 60)
    replies = await asyncio.wait_for(driver, 60)
    await bot.store.db.set_trace_callback(None)
    await env.settle()
    assert cycle_running == [True, True, True]  # each command started inside the cycle

    # Every command answered, with what it did.
    assert replies["feed add"].response.content.startswith("Added")
    assert replies["feed remove"].response.content.startswith("Removed")
    assert replies["subscribe"].response.content.startswith("Subscribed to topic **3DGS**")
    # The cycle completed: it ingested both posts and delivered the splats feed in full.
    assert sum(s.papers_new for s in summary.ingest.sources) == 40
    day1_gs = [f"Paper 1-{i} on Gaussian splatting" for i in range(1, 4)]
    day2_gs = [f"Paper 3-{i} on Gaussian splatting" for i in range(1, 21)]
    assert titles(gs_channel) == day1_gs + day2_gs

    # What the commands did is kept: the new feed and subscription exist, the removed feed is gone.
    feeds = {(f.channel_id, f.topic) for f in await bot.store.feeds(guild.id)}
    assert feeds == {(gs_channel.id, "3DGS"), (late_channel.id, "NeRF")}
    assert [(s.user_id, s.kind, s.value) for s in await bot.store.subscriptions()] == [
        (alice_user.id, "topic", "3DGS")
    ]

    # Later cycles: the late feed gets the newest NeRF post once, Alice gets new 3DGS papers once,
    # the removed feed gets nothing more.
    # Nothing reaches the removed feed's channel once the removal answered, even from this cycle.
    assert len(titles(nerf_channel)) == nerf_at_removal[0]
    await bot.run_digest()
    write_kedreamix(posts_dir, "3DGS", "2024-05-03", entries("5", 2))
    await bot.run_digest()
    await bot.run_digest()
    await env.settle()
    day2_nerf = [f"Paper 4-{i} on Gaussian splatting" for i in range(1, 21)]
    assert titles(late_channel) == day2_nerf
    assert len(titles(nerf_channel)) == nerf_at_removal[0]
    assert titles(gs_channel) == day1_gs + day2_gs + ["Paper 5-1 on Gaussian splatting",
                                                      "Paper 5-2 on Gaussian splatting"]
    assert {"Paper 5-1 on Gaussian splatting", "Paper 5-2 on Gaussian splatting"} <= set(dm_titles(alice_user))
    for channel in (gs_channel, nerf_channel, late_channel):
        assert not [t for t, n in Counter(titles(channel)).items() if n > 1]
    assert not [t for t, n in Counter(dm_titles(alice_user)).items() if n > 1]
    assert (await bot.store.outbox_counts()).get("pending", 0) == 0
