"""💬 Discuss in a channel where the bot may not write in threads: it says which permission is missing and
makes no thread (an empty one would be found by every later click)."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from tests.postgen import entries, write_kedreamix


def answer(result):  # type: ignore[no-untyped-def]
    return result.followups[-1] if result.followups else result.response


@pytest.mark.parametrize(("denied", "named"), [
    ({"send_messages_in_threads": False}, "**Send Messages in Threads**"),
    ({"create_public_threads": False, "send_messages_in_threads": False},
     "**Create Public Threads** · **Send Messages in Threads**"),
])
async def test_discuss_without_thread_permission_names_it_and_makes_no_thread(
        simcord_env, posts_dir: Path, denied: dict[str, bool], named: str) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers",
                                       overwrites={env.bot.user: discord.PermissionOverwrite(**denied)})
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    student = guild.add_member(env.create_user("student"))
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (digest,) = papers.history()

    for _ in range(2):  # and again: still nothing to point at, still the reason
        opened = await student.select(digest, ["2405.60001"])
        refused = await student.click(opened.response, label="💬 Discuss")
        assert answer(refused).content == (f"I can't open a thread here: I'm missing {named} in this channel. "
                                           "Ask an admin to give it to me, or discuss the paper right here.")
        assert papers.threads == []
