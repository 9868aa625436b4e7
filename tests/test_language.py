"""Both languages through SimCord: the server's and the member's reading language, the toggle under every
card that shows the other language to the clicker only, localised commands and replies in the member's
client language; and how lists read (/latest's default day, one line of summary, plurals, LaTeX titles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest
import simcord
from discord import Locale

from tests.postgen import Entry, entries, write_kedreamix

ABSTRACT = "We splat Gaussians in real time. It renders at 200 fps on one GPU. Code is public."
SUMMARY = "本文提出实时高斯泼溅方法。在单卡上达到 200 帧每秒。"
PAPER = Entry("2405.70001", "Fast Gaussian Splatting", abstract=ABSTRACT, summary=SUMMARY,
              takeaways=["实时渲染。", "代码开源。"])


@pytest.fixture
def client_locales(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """A member's Discord client language, by user id. SimCord 3.2 sends every interaction with
    locale en-US; this sets the INTERACTION_CREATE payload's `locale` as Discord does for that member."""
    locales: dict[int, str] = {}
    original = simcord.interactions.base_payload

    def with_locale(backend: Any, **kw: Any) -> Any:
        record, payload = original(backend, **kw)
        if kw["user_id"] in locales:
            payload["locale"] = locales[kw["user_id"]]
        return record, payload

    monkeypatch.setattr(simcord.interactions, "base_payload", with_locale)
    return locales


def lab(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    reader = guild.add_member(env.create_user("reader"))
    return guild, papers, admin, reader


def cards(channel) -> list[discord.Message]:  # type: ignore[no-untyped-def]
    """The paper cards, oldest first (a card's title links to arXiv; a day's header does not)."""
    return [m for m in reversed(channel.history()) if m.embeds and m.embeds[0].url]


async def test_the_toggle_shows_the_other_language_to_the_clicker_only(simcord_env, posts_dir: Path,
                                                                       make_bot) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER])
    _, papers, admin, reader = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()

    card = cards(papers)[0]
    assert card.embeds[0].description.startswith(SUMMARY)  # the server never chose: Chinese
    before = [m.id for m in papers.history()]
    shown = await reader.click(card, label="🌐 English")
    assert shown.ephemeral  # only the clicker sees it
    english = shown.response.embeds[0]
    assert english.title == "Fast Gaussian Splatting"
    assert english.description == "We splat Gaussians in real time. It renders at 200 fps on one GPU."
    assert "本文" not in english.description
    assert [m.id for m in papers.history()] == before  # nothing new in the channel
    assert card.embeds[0].description.startswith(SUMMARY)  # and the card itself is unchanged

    # The toggle still answers after a restart (a persistent item, registered by the settings cog).
    await env.restart_bot(make_bot())
    again = await reader.click(card, label="🌐 English")
    assert again.ephemeral and again.response.embeds[0].description.startswith("We splat Gaussians")


async def test_server_language_en_and_both(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER])
    _, papers, admin, reader = lab(env)
    await env.bot.run_digest()
    assert "settings language" not in reader.available_commands(papers)  # for Manage Server only
    done = await admin.slash(papers, "settings language", language="en")
    assert done.ephemeral and done.response.content == "Papers in this server now read in English."
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()

    card = cards(papers)[0]
    assert card.embeds[0].description == "We splat Gaussians in real time. It renders at 200 fps on one GPU."
    chinese = await reader.click(card, label="🌐 中文")
    assert chinese.ephemeral and chinese.response.embeds[0].description.startswith(SUMMARY)

    await admin.slash(papers, "settings language", language="both")
    found = await reader.slash(papers, "paper", id="2405.70001")  # the reader never chose: the server's
    text = found.response.embeds[0].description
    assert text.startswith(SUMMARY) and "We splat Gaussians in real time." in text
    labels = [c["label"] for row in found.response.components for c in row["components"] if "label" in c]
    assert "Abstract" in labels
    assert not [label for label in labels if label.startswith("🌐")]  # both shown: nothing to toggle


async def test_member_language_for_dms(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 1))
    _, papers, _, reader = lab(env)
    await env.bot.run_digest()
    await reader.slash(papers, "subscribe", topic="3DGS")
    set_ = await reader.slash(papers, "subscriptions", language="en")
    assert set_.ephemeral and set_.response.content == "Papers in your DMs now read in English."
    listing = await reader.slash(papers, "subscriptions")
    assert "Papers in your DMs read in English." in listing.response.embeds[0].description
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER, *entries("6", 1)])
    await env.bot.run_digest()

    dm = reader.user.dm_channel.history()[0]
    english = "We splat Gaussians in real time. It renders at 200 fps on one GPU."
    assert dm.embeds[0].description.split("\n")[1] == english
    shown = await reader.user.click(dm, label="🌐 中文")  # the member's own DM: the page turns in place
    assert shown.response.id == dm.id and shown.response.embeds[0].description.split("\n")[1] == SUMMARY


async def test_a_zh_cn_member_sees_chinese_commands_and_replies(simcord_env, posts_dir: Path,
                                                               client_locales: dict[int, str]) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER])
    guild, papers, admin, reader = lab(env)
    await env.bot.run_digest()

    # What Discord holds after the sync: the names a zh-CN / zh-TW client shows.
    synced = {c.name: c for c in await env.bot.tree.fetch_commands()}
    assert synced["search"].name_localizations[Locale.chinese] == "搜索"
    assert synced["search"].name_localizations[Locale.taiwan_chinese] == "搜尋"
    assert synced["subscriptions"].name_localizations[Locale.chinese] == "我的订阅"
    settings = synced["settings"].options[0]
    assert settings.name == "language" and settings.name_localizations[Locale.chinese] == "语言"

    client_locales[reader.id] = "zh-CN"
    client_locales[admin.id] = "zh-TW"
    none = await reader.slash(papers, "search", query="quantum")
    assert none.response.content.startswith("没有论文匹配 **quantum**")
    listed = await reader.slash(papers, "search", query="gaussian")
    assert listed.response.embeds[0].title == "搜索：gaussian"
    assert listed.response.embeds[0].footer.text == "第 1/1 页 · 1 篇论文"
    topics = await reader.slash(papers, "topics")
    assert topics.response.embeds[0].description == "**3DGS** · 1 篇论文 · 最新 2024-05-06"
    guild.set_command_permissions(synced["feed"], {reader: True})  # a server lets members run /feed
    refused = await reader.slash(papers, "feed list")
    assert refused.response.content == "你需要 **管理服务器** 权限才能使用 `/推送`。"
    added = await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    assert added.response.content.startswith("已新增：")
    followed = await reader.slash(papers, "subscribe", topic="3DGS")
    assert followed.response.content.startswith("已订阅主题 **3DGS**")
    # The English-speaking admin is unaffected by the reader's locale.
    client_locales.pop(admin.id)
    listing = await admin.slash(papers, "feed list")
    assert listing.response.embeds[0].title == "Paper feeds"


async def test_latest_shows_the_newest_day_of_each_followed_topic(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-05", entries("1", 2))
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("2", 2))
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", entries("3", 1))
    write_kedreamix(posts_dir, "Quantum Niche", "2024-05-08", entries("4", 1))
    _, papers, admin, reader = lab(env)
    await env.bot.run_digest()

    # No feeds here and no subscriptions: each topic's newest day, the newest first.
    plain = (await reader.slash(papers, "latest")).response.embeds[0]
    assert plain.title == "Latest Quantum Niche, NeRF, 3DGS · 2024-05-06 – 2024-05-08"
    assert plain.footer.text == "Page 1/1 · 4 papers"
    assert [line.split(" · arXiv")[0] for line in (plain.description or "").split("\n") if " · arXiv " in line] == [
        "Quantum Niche · 2024-05-08", "NeRF · 2024-05-07", "3DGS · 2024-05-06", "3DGS · 2024-05-06"]
    # A member's subscribed topics, where the server has no feeds.
    await reader.slash(papers, "subscribe", topic="NeRF")
    mine = (await reader.slash(papers, "latest")).response.embeds[0]
    assert mine.title == "Latest NeRF · 2024-05-07" and "Paper 3-1" in (mine.description or "")

    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await admin.slash(papers, "feed add", channel=papers, topic="Quantum Niche", style="cards")
    latest = await reader.slash(papers, "latest")
    embed = latest.response.embeds[0]
    assert embed.title == "Latest Quantum Niche, 3DGS · 2024-05-06 – 2024-05-08"  # the feeds', not NeRF
    assert embed.footer.text == "Page 1/1 · 3 papers"
    text = embed.description or ""
    assert "Paper 2-1" in text and "Paper 4-1" in text and "Paper 1-1" not in text and "Paper 3-1" not in text
    # One line of summary under each listed paper, as search shows a snippet.
    assert text.count("> 本文提出了一种新方法，在标准基准上效果很好。") == 3
    # The colour of a list does not depend on its title.
    search = await reader.slash(papers, "search", query="paper")
    assert embed.colour == search.response.embeds[0].colour


async def test_topics_counts_and_latex_titles(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [Entry("2405.70009", "$E^{3}$Gen: Efficient Avatars")])
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", entries("3", 2))
    _, papers, admin, reader = lab(env)
    await env.bot.run_digest()

    topics = (await reader.slash(papers, "topics")).response.embeds[0]
    assert topics.description == ("**3DGS** · 1 paper · latest 2024-05-06\n"
                                  "**NeRF** · 2 papers · latest 2024-05-06")
    found = await reader.slash(papers, "search", query="efficient avatars")
    assert found.response.embeds[0].description.startswith("**1. [E³Gen: Efficient Avatars](")
    assert found.response.embeds[0].footer.text == "Page 1/1 · 1 paper"
    opened = await reader.select(found.response, ["2405.70009"])
    assert opened.response.embeds[0].title == "E³Gen: Efficient Avatars"
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()
    assert cards(papers)[0].embeds[0].title == "E³Gen: Efficient Avatars"


async def test_a_changed_translation_alone_is_synced_on_restart(simcord_env, make_bot,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    env = simcord_env

    def syncs() -> int:
        return len([r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")])

    assert syncs() == 1
    await env.restart_bot(make_bot())
    assert syncs() == 1  # nothing changed: no sync
    from bot.i18n import commands_zh

    old = commands_zh.COMMANDS["topics"]
    monkeypatch.setitem(commands_zh.COMMANDS, "topics", commands_zh.Command(("话题", "話題"), old.description))
    await env.restart_bot(make_bot())
    assert syncs() == 2
    synced = {c.name: c for c in await env.bot.tree.fetch_commands()}
    assert synced["topics"].name_localizations[Locale.chinese] == "话题"


async def test_settings_alerts_answers_in_the_members_language(simcord_env, client_locales: dict[int, str]) -> None:
    env = simcord_env
    _, papers, admin, _ = lab(env)
    client_locales[admin.id] = "zh-TW"
    on = await admin.slash(papers, "settings alerts", channel=papers)
    assert on.response.content.startswith(f"提醒將傳送到 {papers.mention}：")
    off = await admin.slash(papers, "settings alerts")
    assert off.response.content == (f"本伺服器的提醒已關閉（之前傳送到 {papers.mention}）。"
                                    "`/設定 通知 頻道:` 可重新開啟。")
