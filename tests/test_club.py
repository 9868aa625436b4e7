"""The journal club through SimCord, on both engines (issue 22 item 7): /club propose adds a paper with a
🗳️ Vote button; /club schedule picks the most voted, creates ONE Discord scheduled event and a thread; the
presenter gets ONE reminder by DM a day before (the hourly check, through the outbox); /club list shows
proposed, scheduled and past."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import discord
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


async def test_propose_vote_schedule_and_remind(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild, papers, admin, student = setup_guild(env)
    postdoc = guild.add_member(env.create_user("postdoc"))
    env.bot.clock = lambda: at(6, 10)
    await env.bot.run_digest()

    assert (await admin.slash(papers, "club propose", paper="nope")).response.content.startswith("**nope**")
    missing = await admin.slash(papers, "club propose", paper="2405.99999")
    assert missing.response.content.startswith("arXiv 2405.99999 is not in Paperboy's database: no digest has listed")
    first = await student.slash(papers, "club propose", paper="2405.60001")
    assert not first.ephemeral
    assert first.response.content.startswith(f"📚 {student.mention} proposes **[Paper 6-1")
    again = await admin.slash(papers, "club propose", paper="arXiv:2405.60001")
    assert again.response.content.startswith("arXiv 2405.60001 is on the journal-club list already")
    await postdoc.slash(papers, "club propose", paper="2405.60002")
    for member in (admin, postdoc):
        voted = await member.click(first.response, label="🗳️ Vote")
    assert voted.ephemeral and voted.response.content == "🗳️ Your vote for arXiv 2405.60001 is in: 3 votes."
    back = await postdoc.click(first.response, label="🗳️ Vote")
    assert back.response.content == "Took back your vote for arXiv 2405.60001: 2 votes."

    # Scheduling makes a server event: Manage Events, which the subcommand asks for and Discord does not
    # enforce on subcommands. Before: any member scheduled one.
    refused = await student.slash(papers, "club schedule", when="2024-05-10 18:00", presenter=student)
    assert refused.ephemeral
    assert refused.response.content == "You need the **Manage Events** permission to use `/club schedule`."
    assert not env.backend.get_guild(guild.id).scheduled_events and not papers.threads
    events = guild.create_role("Events", permissions=discord.Permissions(manage_events=True))
    organiser = guild.add_member(env.create_user("organiser"), roles=[events])
    for when, said in (("tomorrow", "`tomorrow` is not a date and time"),
                       ("2024-05-01 10:00", "`2024-05-01 10:00` is not in the future")):
        refused = await organiser.slash(papers, "club schedule", when=when, presenter=student)
        assert refused.response.content.startswith(said)
    done = await organiser.slash(papers, "club schedule", when="2024-05-10 18:00", presenter=student)
    (thread,) = papers.threads
    assert thread.name.startswith("📚 Paper 6-1")
    (event,) = env.backend.get_guild(guild.id).scheduled_events.values()
    assert event.name == thread.name and event.scheduled_start_time.startswith("2024-05-10T18:00")
    assert answer(done).content.startswith("📅 Scheduled **Paper 6-1")
    assert f"presented by {student.mention}: {thread.mention}" in answer(done).content
    assert thread.history()[0].content.startswith(f"📚 Journal club: {student.mention} presents **Paper 6-1")

    listed = (await postdoc.slash(papers, "club list")).response.embeds[0]
    fields = {f.name: f.value for f in listed.fields}
    assert fields["Proposed (most votes first)"].startswith("**Paper 6-2") and "🗳️ 1" in fields[
        "Proposed (most votes first)"]
    assert fields["Scheduled"].endswith(f"· 🗳️ 2 · 2024-05-10 18:00 UTC · {student.mention} · {thread.mention}")

    for day, hour in ((9, 17), (9, 18), (9, 19), (10, 12)):
        env.bot.clock = lambda day=day, hour=hour: at(day, hour)
        await env.bot.hourly()
        reminders = student.user.dm_channel.history() if student.user.dm_channel else []
        assert len(reminders) == (0 if (day, hour) == (9, 17) else 1), (day, hour)
    assert reminders[0].content.startswith("⏰ Tomorrow you present **Paper 6-1")
    assert reminders[0].content.endswith(f"(2024-05-10 18:00 UTC). · 💬 {thread.mention}")
    env.bot.clock = lambda: at(10, 20)
    listed = (await postdoc.slash(papers, "club list")).response.embeds[0]
    assert [f.name for f in listed.fields] == ["Proposed (most votes first)", "Past"]
