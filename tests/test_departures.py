"""Privacy for members who leave, through SimCord on both engines (issue 22): the feedback a member gave in a
server is deleted 30 days after they left it (the daily cycle sweeps), unless they came back; what they gave
in their DMs stays. The bot asks for the Server Members intent to see departures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.config import Config
from tests.conftest import make_config
from tests.postgen import entries, write_kedreamix
from tests.test_feed_style import cards, setup_guild


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return make_config(tmp_path, database_url=store_url)


async def test_a_departed_members_feedback_goes_after_30_days_unless_they_come_back(simcord_env,
                                                                                    posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, papers, admin, student = setup_guild(env)
    postdoc = guild.add_member(env.create_user("postdoc"))
    env.bot.clock = lambda: datetime(2024, 5, 6, 10, tzinfo=UTC)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await student.slash(papers, "subscribe", keyword="splatting")
    await env.bot.run_digest()
    for member in (student, postdoc):
        await member.click(cards(papers)[0], label="👍")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 2))
    await env.bot.run_digest()
    (dm,) = student.user.dm_channel.history()
    card = (await student.user.select(dm, ["2405.70002"])).response
    await student.user.click(card, label="👎")  # in their DMs: no server's
    store = env.bot.store
    assert await store.member_feedback(student.id) == {"2405.60001": "up", "2405.70002": "down"}

    guild.remove_member(student)
    guild.remove_member(postdoc)
    await env.settle()
    guild.add_member(postdoc.user)  # back within the 30 days
    await env.settle()
    env.bot.clock = lambda: datetime(2024, 6, 4, 10, tzinfo=UTC)  # 29 days on: nothing goes yet
    await env.bot.run_digest()
    assert await store.member_feedback(student.id) == {"2405.60001": "up", "2405.70002": "down"}
    env.bot.clock = lambda: datetime(2024, 6, 6, 10, tzinfo=UTC)  # 31 days on
    await env.bot.run_digest()
    assert await store.member_feedback(student.id) == {"2405.70002": "down"}  # the DM's stays
    assert await store.member_feedback(postdoc.id) == {"2405.60001": "up"}  # came back: kept
    assert (await store.feedback_counts("2405.60001"))["up"] == 1
