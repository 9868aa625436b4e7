"""A server's alert channel is deleted: the next alert finds it gone, the setting is cleared, and that alert
goes to the server's system channel (or, without one, the first channel a feed posts into), saying why."""

from __future__ import annotations

from pathlib import Path

import discord

from tests.postgen import entries, write_kedreamix


def setup(env, *, system: bool):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    general = guild.create_text_channel("general")
    papers = guild.create_text_channel("papers")
    ops = guild.create_text_channel("ops")
    if system:
        env.backend.edit_guild(guild.id, {"system_channel_id": general.id})
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    return guild, general, papers, ops, admin


async def _lose_the_alert_channel(env, posts_dir: Path, *, system: bool):  # type: ignore[no-untyped-def]
    # A source whose newest post is long past: every cycle finds it quiet, and alerts once.
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, general, papers, ops, admin = setup(env, system=system)
    added = await admin.slash(papers, "feed add", channel=papers, topic="all")
    assert added.response.content.startswith("Added: "), added.response.content
    result = await admin.slash(ops, "settings alerts", channel=ops)
    assert "Alerts go to" in result.response.content
    env.backend.delete_channel(ops.id)  # someone tidies the server
    await env.settle()
    await env.bot.run_digest()
    await env.settle()
    return guild, general, papers, admin, ops.id


def said(channel) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.content for m in channel.history() if m.author.bot and m.content]  # the bot's, not "joined"


async def test_a_deleted_alert_channel_sends_the_alert_to_the_system_channel(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, general, papers, admin, lost = await _lose_the_alert_channel(env, posts_dir, system=True)
    [line] = said(general)
    assert line.startswith(f"Alerts were set to go to <#{lost}>, which is deleted or where Paperboy can no "
                           "longer post. That setting is cleared, so this alert comes here; ")
    assert "\n⚠️ Source local has gone quiet: " in line
    assert not any("alert" in x for x in said(papers))  # the feed's channel keeps to papers
    # The setting is cleared: /settings alerts shows them off, naming no channel.
    off = await admin.slash(general, "settings alerts")
    assert off.response.content.startswith("Alerts are off for this server. ")


async def test_without_a_system_channel_the_alert_goes_where_a_feed_posts(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    guild, general, papers, _, lost = await _lose_the_alert_channel(env, posts_dir, system=False)
    assert not said(general)
    lines = said(papers)
    assert any(x.startswith(f"Alerts were set to go to <#{lost}>") and "gone quiet" in x for x in lines), lines
    assert await env.bot.store.alert_channel(guild.id) is None
