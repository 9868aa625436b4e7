"""Paperboy's own words around papers (card field names, notes, footers, buttons, menus, the Abstract
reply, alert lines) in the reader's language, through SimCord: a channel's follow its server's setting
(and Discord locale), a DM its member's setting, an ephemeral reply the clicker's client."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import discord

from tests.postgen import Entry, entries, write_kedreamix
from tests.test_digest_language import lab, labels
from tests.test_language import client_locales  # noqa: F401  (a fixture)

# Four takeaways: a card shows three and notes the fourth; the comment's code link becomes a button.
TAKEAWAYS = ["实时渲染。", "代码开源。", "单卡运行。", "效果很好。"]
COMMENT = "Accepted to CVPR 2024. Code: https://github.com/lab/fast-gs"
ABSTRACT = "We splat Gaussians in real time. It renders at 200 fps on one GPU."


def paper(arxiv_id: str, title: str) -> Entry:
    return Entry(arxiv_id, title, abstract=ABSTRACT, summary="本文提出实时高斯泼溅方法。", takeaways=TAKEAWAYS,
                 comment=COMMENT)


def cards(channel) -> list[discord.Message]:  # type: ignore[no-untyped-def]
    return [m for m in channel.history() if m.embeds and m.embeds[0].url]


def other_server(env):  # type: ignore[no-untyped-def]
    """A server that never chose a language, with Discord's default locale (en-US)."""
    guild = env.create_guild(name="Other")
    news = guild.create_text_channel("news")
    head = guild.add_member(env.create_user("head"), roles=[
        guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))])
    return news, head


async def test_card_chrome_follows_the_servers_language(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [paper("2405.70001", "First")])
    papers, admin, _ = lab(env)
    news, head = other_server(env)
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="zh")
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await head.slash(news, "feed add", channel=news, topic="3DGS", style="cards")
    second = paper("2405.70002", "Second")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [second])
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", [second])  # the same paper in a second topic
    await env.bot.run_digest()

    # A server that chose Chinese, with Discord's default locale: simplified Chinese around the papers.
    [card] = cards(papers)
    embed = card.embeds[0]
    assert [f.name for f in embed.fields] == ["备注"]
    assert embed.description.endswith("\n3. 单卡运行。\n*另有 1 条见“摘要”*")
    assert embed.footer.text == "3DGS · 2024-05-07 · arXiv 2405.70002 · 也见于：NeRF · #pb2"
    assert labels(card) == ["PDF", "代码", "摘要", "🌐 English", "关注主题", "👍", "👎", "🔖 收藏", "🙈 不感兴趣"]
    # A server that never chose reads English words, as before.
    [english] = cards(news)
    assert [f.name for f in english.embeds[0].fields] == ["Comment"]
    assert english.embeds[0].description.endswith("\n3. 单卡运行。\n*+1 more under Abstract*")
    assert english.embeds[0].footer.text == "3DGS · 2024-05-07 · arXiv 2405.70002 · also in: NeRF · #pb4"
    assert labels(english) == ["PDF", "Code", "Abstract", "🌐 English", "Follow topic", "👍", "👎", "🔖 Save",
                               "🙈 Not interested"]


async def test_replies_to_a_cards_buttons_are_in_the_clickers_language(
        simcord_env, posts_dir: Path, client_locales: dict[int, str]) -> None:  # noqa: F811
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [paper("2405.70001", "First")])
    papers, admin, reader = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [paper("2405.70002", "Second"),
                                                      Entry("2405.70003", "No abstract", abstract="")])
    await env.bot.run_digest()
    card = next(m for m in cards(papers) if m.embeds[0].title == "Second")
    assert labels(card)[2] == "Abstract"  # the channel's words: English

    client_locales[reader.id] = "zh-TW"
    shown = await reader.click(card, label="Abstract")
    abstract = shown.response.embeds[0]
    assert shown.ephemeral and abstract.footer.text == "摘要 · arXiv 2405.70002"
    assert abstract.description.endswith(f"\n4. 效果很好。\n\n**英文摘要**\n{ABSTRACT}")
    bare = next(m for m in cards(papers) if m.embeds[0].title == "No abstract")
    assert (await reader.click(bare, label="Abstract")).response.embeds[0].description.endswith(
        "這篇論文沒有英文摘要。")

    toggled = await reader.click(card, label="🌐 English")  # the card in English, the words the clicker's
    assert toggled.ephemeral and toggled.response.embeds[0].description.startswith("We splat Gaussians")
    assert [f.name for f in toggled.response.embeds[0].fields] == ["備註"]
    assert labels(toggled.response) == ["PDF", "程式碼", "摘要", "🌐 中文", "追蹤主題", "👍", "👎", "🔖 收藏",
                                        "🙈 不感興趣"]
    followed = await reader.click(card, label="Follow topic")
    assert followed.response.content.startswith("已訂閱主題 **3DGS**。")

    client_locales[reader.id] = "en-US"  # the same button, another clicker's language
    assert (await reader.click(card, label="Abstract")).response.embeds[0].footer.text == "Abstract · arXiv 2405.70002"


async def test_an_opened_paper_is_in_the_members_words_and_shared_in_the_servers(
        simcord_env, posts_dir: Path, client_locales: dict[int, str]) -> None:  # noqa: F811
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [paper("2405.70001", "First")])
    papers, admin, reader = lab(env, preferred_locale="zh-TW")
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="zh")

    client_locales[reader.id] = "zh-CN"
    opened = await reader.slash(papers, "paper", id="2405.70001")
    assert opened.ephemeral and opened.response.embeds[0].fields[0].name == "备注"
    assert labels(opened.response) == ["PDF", "代码", "摘要", "🌐 English", "关注主题", "👍", "👎", "🔖 收藏",
                                       "🙈 不感兴趣", "分享"]
    client_locales[reader.id] = "en-US"
    shared = await reader.click(opened.response, label="分享")  # posted for the channel: the server's words
    assert not shared.ephemeral
    message = papers.history()[-1]
    assert message.content == f"{reader.mention} 分享了："
    assert message.embeds[0].fields[0].name == "備註" and message.embeds[0].description.startswith("本文提出")
    assert labels(message) == ["PDF", "程式碼", "摘要", "🌐 English", "追蹤主題", "👍", "👎", "🔖 收藏",
                               "🙈 不感興趣"]


async def test_dm_chrome_follows_the_members_language(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [paper("2405.70001", "First")])
    papers, other, reader = lab(env)  # `other` never chose a DM language: English
    await env.bot.run_digest()
    for member in (reader, other):
        await member.slash(papers, "subscribe", topic="3DGS")
    await reader.slash(papers, "subscriptions", language="zh")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [paper("2405.70002", "Second")])
    await env.bot.run_digest()

    [dm] = reader.user.dm_channel.history()  # one paper: a full card (a day of several: tests/test_subscriptions)
    assert dm.content.startswith("📬 你的 Paperboy 订阅有 **1 篇新论文**")
    assert [(f.name, f.value) for f in dm.embeds[0].fields][:1] == [("匹配", "主题：3DGS")]
    assert dm.embeds[0].description.endswith("*另有 1 条见“摘要”*")
    assert "摘要" in labels(dm) and "关注主题" in labels(dm)
    [english] = other.user.dm_channel.history()
    assert english.embeds[0].fields[0].name == "Matched" and english.embeds[0].fields[0].value == "topic: 3DGS"
    assert "Abstract" in labels(english) and "Follow topic" in labels(english)


async def test_an_alert_reads_in_the_servers_language(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    today = datetime.now(UTC).date().isoformat()  # a source that posted today is neither late nor quiet
    write_kedreamix(posts_dir, "3DGS", today, entries("1", 2))
    ops, admin, _ = lab(env, preferred_locale="zh-TW")
    news, head = other_server(env)
    await env.bot.run_digest()
    await admin.slash(ops, "settings language", language="zh")
    await admin.slash(ops, "settings alerts", channel=ops)
    await head.slash(news, "settings alerts", channel=news)

    hidden = posts_dir.with_name("posts-gone")
    posts_dir.rename(hidden)  # the source's folder vanishes
    await env.bot.run_digest()
    [alert] = [m.content for m in ops.history()]
    first, second = alert.split("\n")
    assert first.startswith("⚠️ 來源 local 抓取失敗：")
    assert second == "Paperboy 會繼續嘗試；`/狀態` 顯示所有來源。恢復時會再通知一次。"
    [english] = [m.content for m in news.history()]  # a server that never chose: as before
    assert english.startswith("⚠️ Source local is failing: ") and english.endswith(
        "\nPaperboy keeps trying; `/status` shows every source. You will hear once when it catches up.")
    assert english.split("\n")[0].split(": ", 1)[1] == first.split("：", 1)[1]  # the same reason

    hidden.rename(posts_dir)  # back, with a new post
    write_kedreamix(posts_dir, "NeRF", today, entries("2", 3))
    await env.bot.run_digest()
    assert ops.history()[-1].content.startswith("✅ 來源 local 已恢復：3 篇論文（自 20")
    assert news.history()[-1].content.startswith("✅ Source local caught up: 3 papers (alerting since 20")


async def test_missing_permissions_are_named_as_the_admins_client_names_them(
        simcord_env, posts_dir: Path, client_locales: dict[int, str]) -> None:  # noqa: F811
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("1", 1))
    papers, admin, _ = lab(env)
    locked = papers.guild.create_text_channel(
        "locked", overwrites={env.bot.user: discord.PermissionOverwrite(embed_links=False)})
    await env.bot.run_digest()
    client_locales[admin.id] = "zh-TW"
    refused = await admin.slash(papers, "feed add", channel=locked, topic="3DGS")
    assert refused.response.content == (f"我無法在 {locked.mention} 發文：我需要那裡的 嵌入連結 權限。"
                                        "修好頻道權限後再執行一次。")
    assert await env.bot.store.feeds(papers.guild.id) == []  # nothing was added
