"""Personal subscriptions through SimCord: members subscribe with slash commands, a digest cycle runs,
and the papers land in their DMs."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from jobs.config import Config
from tests.conftest import make_config
from tests.postgen import Entry, entries, write_kedreamix


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    """Every bot here runs on both engines (tests/engines.py): a SQLite file, a PostgreSQL database."""
    return make_config(tmp_path, database_url=store_url)


def world(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    general = guild.create_text_channel("general")
    users = {name: env.create_user(name) for name in ("alice", "bob")}
    members = {name: guild.add_member(user) for name, user in users.items()}
    return guild, general, users, members


def dm_embeds(user) -> list[discord.Embed]:  # type: ignore[no-untyped-def]
    return [e for m in user.dm_channel.history() for e in m.embeds]


def dm_sends(env) -> list:  # type: ignore[no-untyped-def]
    dm_ids = {c.id for c in env.bot.private_channels}
    return [r for r in env.http_requests if r.method == "POST" and r.path.startswith("/channels/")
            and r.path.endswith("/messages") and int(r.path.split("/")[2]) in dm_ids]


async def test_topic_subscription_gets_only_newer_papers_by_dm(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 2))
    _, general, users, members = world(env)
    await env.bot.run_digest()

    reply = await members["alice"].slash(general, "subscribe", topic="3dgs")
    assert reply.ephemeral and reply.response.content.startswith("Subscribed to topic **3DGS**")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", entries("9", 1))
    summary = await env.bot.run_digest()

    history = users["alice"].dm_channel.history()
    assert len(history) == 1  # one message a day: both papers, under the subscription that matched them
    assert history[0].content == ("📬 **2 new papers** for your subscriptions: **3DGS** · 2 papers · "
                                  "`/subscriptions` to change them")
    assert [e.title for e in history[0].embeds] == ["1. Paper 6-1 on Gaussian splatting",
                                                    "2. Paper 6-2 on Gaussian splatting"]
    assert not history[0].embeds[0].fields  # the subscription is named once, above, not on every paper
    assert summary.fanout is not None and summary.fanout.subscribers == 1
    # Bob follows nothing: nothing is sent to him.
    assert users["bob"].dm_channel.history() == []

    # One request per DM message: the DM channel id was stored when Alice subscribed.
    assert len(dm_sends(env)) == 1
    assert not [r for r in env.http_requests if r.path == "/users/@me/channels" and r.method == "POST"][1:]


async def test_nothing_matches_nothing_sent_and_unsubscribe_stops(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, general, users, members = world(env)
    await members["alice"].slash(general, "subscribe", keyword="quantum gravity")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    await env.bot.run_digest()
    assert users["alice"].dm_channel.history() == []

    await members["bob"].slash(general, "subscribe", author="alan turing")
    unsub = await members["bob"].slash(general, "unsubscribe", subscription="all")
    assert unsub.response.content == "Removed your 1 subscription."
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 1))
    await env.bot.run_digest()
    assert users["bob"].dm_channel.history() == []


async def test_two_matching_subscriptions_give_one_embed(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, general, users, members = world(env)
    alice = members["alice"]
    await alice.slash(general, "subscribe", keyword="Gaussian")
    await alice.slash(general, "subscribe", author="Jose Garcia")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06",
                    [Entry("2405.60001", "Gaussian avatars", authors=["José García", "Li Wei"])])
    await env.bot.run_digest()
    embeds = dm_embeds(users["alice"])
    assert len(embeds) == 1
    assert embeds[0].fields[0].value == "author: José García"  # authors match case- and accent-insensitively


async def test_a_days_matches_are_one_dm_grouped_under_each_subscription(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, general, users, members = world(env)
    alice = members["alice"]
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 1))
    await env.bot.run_digest()  # the topic is known
    await alice.slash(general, "subscribe", topic="3DGS")
    await alice.slash(general, "subscribe", keyword="扩散")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 18))
    write_kedreamix(posts_dir, "Diffusion Models", "2024-05-06",
                    entries("7", 15, summary="本文提出一种扩散模型方法，效果很好。"))
    await env.bot.run_digest()

    (message,) = users["alice"].dm_channel.history()  # 33 papers: one message
    assert message.content.splitlines()[0] == (
        "📬 **33 new papers** for your subscriptions: **3DGS** · 18 papers · **keyword 扩散** · 15 papers · "
        "`/subscriptions` to change them")
    assert message.content.splitlines()[1] == "Page 1/7 · **3DGS** 1–5 of 18"
    assert len(message.embeds) == 5 and sum(len(e) for e in message.embeds) <= 6000
    assert all("本文提出" in e.description and "\n- " in e.description for e in message.embeds)
    assert len(dm_sends(env)) == 1

    # A DM is its member's alone: the page turns in place, across the subscriptions.
    for _ in range(3):
        turned = await users["alice"].click(users["alice"].dm_channel.history()[0], label="Next ▶")
        assert turned.acknowledged
    (message,) = users["alice"].dm_channel.history()
    assert message.content.splitlines()[1] == "Page 4/7 · **3DGS** 16–18 of 18 · **keyword 扩散** 1–2 of 15"
    assert [e.title.split(". ", 1)[1] for e in message.embeds][3:] == ["Paper 7-1 on Gaussian splatting",
                                                                        "Paper 7-2 on Gaussian splatting"]
    # The menu opens any paper of the page as a full card, to the reader only; no thread in a DM.
    shown = await users["alice"].select(message, ["2405.70001"])
    assert shown.ephemeral and shown.response.embeds[0].title == "Paper 7-1 on Gaussian splatting"
    assert "💬 Discuss" not in [c.get("label") for row in shown.response.components for c in row["components"]]


async def test_a_zh_member_reads_their_dm_in_chinese(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, general, users, members = world(env)
    await members["alice"].slash(general, "subscribe", keyword="splatting")
    await members["alice"].slash(general, "subscriptions", language="zh")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 12))
    await env.bot.run_digest()
    (message,) = users["alice"].dm_channel.history()
    assert message.content.splitlines() == [
        "📬 你的订阅有 **12 篇新论文**：**关键词 splatting** · 12 篇 · 用 `/我的订阅` 修改",
        "第 1/3 页 · **关键词 splatting** 第 1–5 篇，共 12 篇"]
    labels = [getattr(c, "label", None) or getattr(c, "placeholder", None)
              for row in message.components for c in row.children]
    assert labels == ["打开一篇论文…", "◀ 上一页", "下一页 ▶", "🌐 English"]


@pytest.mark.parametrize("status", [403, 400])  # Discord sends 50007 with either
async def test_closed_dms_stop_deliveries_and_are_explained_on_next_command(simcord_env, posts_dir: Path,
                                                                            status: int) -> None:
    env = simcord_env
    _, general, users, members = world(env)
    for name in ("alice", "bob"):
        await members[name].slash(general, "subscribe", keyword="splatting")
    alice_dm = users["alice"].dm_channel
    env.inject_error("POST", f"/channels/{alice_dm.id}/messages", status=status, code=50007,
                     message="Cannot send messages to this user", times=None)
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1))
    summary = await env.bot.run_digest()
    assert len(dm_embeds(users["bob"])) == 1  # the fan-out went on for everyone else
    assert alice_dm.history() == []
    assert any("50007" in reason for reason in summary.send.paused)

    # While her DMs are known closed, nothing more is attempted.
    env.backend.faults.clear()
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 1))
    await env.bot.run_digest()
    attempts = [r for r in env.http_requests if r.path == f"/channels/{alice_dm.id}/messages"]
    assert len(attempts) == 1 and alice_dm.history() == []

    # Her next command's reply tells her what happened and how to fix it.
    result = await members["alice"].slash(general, "subscriptions")
    notice = result.followups[-1].content
    assert "could not be delivered" in notice and "Privacy Settings" in notice and "50007" in notice
    assert result.followups[-1].ephemeral
    again = await members["alice"].slash(general, "subscriptions")
    assert again.followups == []  # told once

    # Once told, the next cycle tries again.
    write_kedreamix(posts_dir, "3DGS", "2024-05-08", entries("8", 1))
    await env.bot.run_digest()
    assert [e.title for e in dm_embeds(users["alice"])] == ["Paper 8-1 on Gaussian splatting"]


async def test_restart_in_the_middle_of_a_fanout_resumes_without_duplicates(
    simcord_env, posts_dir: Path, make_bot
) -> None:
    env = simcord_env
    _, general, users, members = world(env)
    for name in ("alice", "bob"):
        await members[name].slash(general, "subscribe", keyword="splatting")
    env.inject_error("POST", f"/channels/{users['bob'].dm_channel.id}/messages", status=500, times=None)
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    await env.bot.run_digest()
    assert len(dm_embeds(users["alice"])) == 3 and dm_embeds(users["bob"]) == []

    env.backend.faults.clear()
    await env.restart_bot(make_bot())
    await env.settle()
    await env.bot.run_digest()
    assert len(dm_embeds(users["alice"])) == 3
    assert len(dm_embeds(users["bob"])) == 3


async def test_subscribe_rules_duplicates_limit_and_options(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "元宇宙/虚拟人", "2024-05-06", entries("6", 1))
    _, general, _, members = world(env)
    alice = members["alice"]
    await env.bot.run_digest()

    none = await alice.slash(general, "subscribe")
    assert "exactly one of" in none.response.content
    two = await alice.slash(general, "subscribe", topic="3DGS", keyword="nerf")
    assert "exactly one of" in two.response.content
    unknown = await alice.slash(general, "subscribe", topic="Quantum")
    assert "Unknown topic **Quantum**" in unknown.response.content
    choices = await alice.autocomplete(general, "subscribe", "topic", "虚拟")
    assert [c["value"] for c in choices] == ["元宇宙/虚拟人"]

    await alice.slash(general, "subscribe", keyword="NeRF")
    dup = await alice.slash(general, "subscribe", keyword="  nerf ")
    assert dup.response.content == "You already follow keyword **nerf**; nothing changed."
    for i in range(24):
        await alice.slash(general, "subscribe", keyword=f"word{i}")
    full = await alice.slash(general, "subscribe", author="Someone Else")
    assert "already have 25 subscriptions" in full.response.content

    mine = await alice.slash(general, "subscriptions")
    assert mine.ephemeral and mine.response.embeds[0].title == "Your subscriptions (25/25)"
    options = await alice.autocomplete(general, "unsubscribe", "subscription", "word1")
    assert [c["name"] for c in options][:2] == ["keyword: word1", "keyword: word10"]
    gone = await alice.slash(general, "unsubscribe", subscription=options[0]["value"])
    assert gone.response.content == "Unsubscribed from keyword **word1**."


async def test_follow_topic_button_on_a_feed_post(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    guild, general, users, members = world(env)
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", entries("6", 1))
    await env.bot.run_digest()
    await admin.slash(general, "feed add", channel=general, topic="NeRF", style="cards")
    await env.bot.run_digest()
    post = next(m for m in general.history() if m.embeds and m.components)

    clicked = await members["bob"].click(post, label="Follow topic")
    assert clicked.ephemeral and clicked.response.content.startswith("Subscribed to topic **NeRF**")
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", [Entry("2405.70001", "Fresh NeRF")])
    await env.bot.run_digest()
    assert [e.title for e in dm_embeds(users["bob"])] == ["Fresh NeRF"]


async def test_subscriptions_lists_25_long_subscriptions_in_one_readable_answer(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1))
    _, general, _, members = world(env)
    alice = members["alice"]
    await env.bot.run_digest()
    exclude = ", ".join(f"a rather long phrase to leave out number {n}" for n in range(10))
    pattern = "(" + "|".join(f"splat{n:02d}ting" for n in range(16)) + ")"
    for i in range(25):  # every one at the limits /subscribe allows
        said = await alice.slash(general, "subscribe", keyword=f"keyword number {i:02d} " + "x" * 70,
                                 exclude=exclude, regex=pattern)
        assert said.response.content.startswith("Subscribed"), said.response.content

    mine = await alice.slash(general, "subscriptions")

    # Before: "Sorry, `/subscriptions` failed" (Discord refused a 12,000-character description).
    (embed,) = mine.response.embeds
    lines = (embed.description or "").splitlines()
    assert embed.title == "Your subscriptions (25/25)" and len(embed.description or "") <= 4096
    assert [line.split("**")[1][:17] for line in lines[:25]] == [f"keyword number {i:02d}" for i in range(25)]
    assert any(line.startswith("Your language") or "language" in line for line in lines[25:]), lines[25:]


async def test_members_sent_one_day_get_equal_pages_each_marked_as_its_own_row(simcord_env, posts_dir: Path) -> None:
    """A send run reads a day's papers and builds its embeds and menu once for every member it goes to
    (bot/ui/reused.py): each member's message is the same page, and each carries only its own row's marker,
    by which a sender that died before recording it finds it."""
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 1))
    guild = env.create_guild(name="Lab")
    general = guild.create_text_channel("general")
    users = [env.create_user(f"member{i}") for i in range(3)]
    await env.bot.run_digest()
    for user in users:
        await guild.add_member(user).slash(general, "subscribe", topic="3dgs")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 7))
    await env.bot.run_digest()

    messages = [m for user in users for m in user.dm_channel.history()]
    assert len(messages) == 3
    assert await env.bot.store.pending() == []
    markers = []
    for message in messages:
        *others, last = message.embeds
        assert len(message.embeds) == 5  # the first page of seven papers
        assert not any("#pb" in (e.footer.text or "") for e in others)
        assert (last.footer.text or "").count("#pb") == 1, last.footer.text  # its own, not another's too
        markers.append((last.footer.text or "").rsplit(" ", 1)[-1])
    assert len(set(markers)) == 3 and all(m.startswith("#pb") for m in markers), markers

    def page(message: discord.Message) -> list[object]:
        embeds = [e.to_dict() for e in message.embeds]
        embeds[-1].pop("footer", None)
        return [message.content, embeds, [o.label for o in message.components[0].children[0].options]]

    assert page(messages[0]) == page(messages[1]) == page(messages[2])
