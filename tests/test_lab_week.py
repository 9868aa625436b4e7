"""The lab's week through SimCord, on both engines (issue 22 item 6): a weekly post, set under /settings week
(channel, weekday, hour), of the papers this server reacted to most, with 👍 / 👎 counts and links to their
Discuss threads, delivered through the outbox once a week; /top period: week | month on demand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.config import Config
from tests.conftest import make_config
from tests.postgen import entries, write_kedreamix
from tests.test_feed_style import answer, setup_guild


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return make_config(tmp_path, database_url=store_url)


def at(day: int, hour: int) -> datetime:
    return datetime(2024, 5, day, hour, tzinfo=UTC)


async def test_the_weekly_post_counts_this_servers_reactions_and_links_the_threads(simcord_env,
                                                                                   posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild, papers, admin, student = setup_guild(env)
    postdoc = guild.add_member(env.create_user("postdoc"))
    env.bot.clock = lambda: at(6, 10)  # a Monday, after 09:00
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="digest")
    await env.bot.run_digest()
    (day,) = papers.history()

    async def react(member, arxiv_id: str, label: str):  # type: ignore[no-untyped-def]
        card = (await member.select(day, [arxiv_id])).response
        return await member.click(card, label=label), card

    await react(student, "2405.60002", "👍")
    await react(admin, "2405.60002", "👍")
    (_, card) = await react(postdoc, "2405.60002", "👎")
    opened = await postdoc.click(card, label="💬 Discuss")
    thread = papers.threads[0]
    assert thread.mention in answer(opened).content
    await react(student, "2405.60003", "👍")

    said = await admin.slash(papers, "settings week", channel=papers, weekday=0, hour=9)
    assert said.response.content == (f"Every Monday at 09:00 UTC, {papers.mention} gets the papers this server "
                                     "reacted to most that week.")
    before = len(papers.history())
    await env.bot.hourly()  # this Monday's 09:00 had passed when it was set: the first post is next week's
    assert len(papers.history()) == before

    env.bot.clock = lambda: at(13, 9)
    await env.bot.hourly()
    (post,) = papers.history()[before:]
    embed = post.embeds[0]
    assert embed.title == "🏆 This server's week: the papers you reacted to most (2024-05-06 – 2024-05-13)"
    lines = embed.description.split("\n")
    assert lines[0].startswith("1. **[Paper 6-2") and lines[0].endswith(f"· 👍 2 · 👎 1 · 💬 <#{thread.id}>")
    assert lines[1].startswith("2. **[Paper 6-3") and lines[1].endswith("· 👍 1 · 👎 0")
    assert len(lines) == 2  # Paper 6-1: no reaction
    for hour in (10, 23):
        env.bot.clock = lambda hour=hour: at(13, hour)
        await env.bot.hourly()
    assert len(papers.history()) == before + 1  # once a week

    top = await student.slash(papers, "top", period="month")
    assert top.ephemeral
    assert top.response.embeds[0].title.startswith("🏆 This server's month: the papers you reacted to most")
    assert top.response.embeds[0].description.split("\n")[:2] == lines
    off = await admin.slash(papers, "settings week")
    assert off.response.content == "No weekly post any more."
    assert await env.bot.store.week_posts() == []
