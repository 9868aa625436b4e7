"""Both languages on a feed's digest message, through SimCord: its entries read in the server's language,
a 🌐 toggle shows the page in the other one to the clicker only (after a restart too); Paperboy's own
words around papers (the digest's header, a card feed's header, the DM header) follow the language
setting, and the replies of /feed remove|edit|resume, /digest run and /status the member's client."""

from __future__ import annotations

from pathlib import Path

import discord

from tests.postgen import Entry, entries, write_kedreamix
from tests.test_language import client_locales  # noqa: F401  (a fixture)

ABSTRACT = "We splat Gaussians in real time. It renders at 200 fps on one GPU. Code is public."
SUMMARY = "本文提出实时高斯泼溅方法。在单卡上达到 200 帧每秒。"
PAPER = Entry("2405.70001", "Fast Gaussian Splatting", abstract=ABSTRACT, summary=SUMMARY,
              takeaways=["实时渲染。", "代码开源。"])
ENGLISH = "We splat Gaussians in real time. It renders at 200 fps on one GPU."  # the abstract's one-liner
OTHERS_EN = "We present a method. It works well on standard benchmarks."  # entries()'s abstract, whole
OTHERS_ZH = "本文提出了一种新方法，在标准基准上效果很好。"  # and its summary


def lab(env, **guild):  # type: ignore[no-untyped-def]
    guild_ = env.create_guild(name="Lab", **guild)
    papers = guild_.create_text_channel("papers")
    admins = guild_.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild_.add_member(env.create_user("prof"), roles=[admins])
    reader = guild_.add_member(env.create_user("reader"))
    return papers, admin, reader


def labels(message) -> list[str]:  # type: ignore[no-untyped-def]
    """The labels (or a menu's placeholder) of a message's or an interaction response's components."""
    rows = message.components
    if rows and isinstance(rows[0], dict):
        return [c.get("label") or c.get("placeholder") for row in rows for c in row["components"]]
    return [getattr(c, "label", None) or getattr(c, "placeholder", None) for row in rows for c in row.children]


def text(message) -> str:  # type: ignore[no-untyped-def]
    """Everything a page's paper embeds say."""
    return "\n\n".join(e.description or "" for e in message.embeds)


async def test_a_digest_reads_in_the_servers_language_and_toggles_for_the_clicker(
        simcord_env, posts_dir: Path, make_bot) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER, *entries("6", 11)])
    papers, admin, reader = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="en")
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="digest")
    await env.bot.run_digest()

    [digest] = papers.history()
    page = text(digest)
    assert f"\n{ENGLISH}" in page and page.count(OTHERS_EN) == 4  # page 1: every paper in English
    assert "本文" not in page
    assert digest.content.startswith("📰 **3DGS · 2024-05-06 · 12 papers** · Page 1/3")
    assert labels(digest) == ["Open a paper…", "◀ Prev", "Next ▶", "🌐 中文"]

    shown = await reader.click(digest, label="🌐 中文")
    assert shown.ephemeral  # the clicker alone sees it
    chinese = shown.response
    assert "本文提出实时高斯泼溅方法。" in text(chinese) and text(chinese).count(OTHERS_ZH) == 4
    assert "We splat" not in text(chinese)
    assert chinese.content.startswith("📰 **3DGS · 2024-05-06 · 12 篇论文** · 第 1/3 页")  # its words too
    assert labels(chinese) == ["打开一篇论文…", "◀ 上一页", "下一页 ▶", "🌐 English"]
    assert [m.id for m in papers.history()] == [digest.id]  # nothing new in the channel
    assert text(papers.history()[0]) == page  # and the message is unchanged

    # After a restart the toggle on the message as sent still answers.
    await env.restart_bot(make_bot())
    again = await reader.click(papers.history()[0], label="🌐 中文")
    assert again.ephemeral and text(again.response) == text(chinese)
    # Next keeps the reader's language (here the server's: en), privately.
    page2 = (await reader.click(papers.history()[0], label="Next ▶")).response
    assert "Paper 6-5" in page2.embeds[0].title and OTHERS_EN in text(page2)
    other = (await reader.click(page2, label="🌐 中文")).response
    assert other.id == page2.id and "Paper 6-5" in other.embeds[0].title and OTHERS_ZH in text(other)
    # A paper opened from the menu is a card in the language of the page it was opened from.
    opened = await reader.select(other, ["2405.60006"])
    assert opened.ephemeral and opened.response.embeds[0].description.startswith(OTHERS_ZH)


async def test_a_digest_in_chinese_offers_english_and_in_both_reads_both(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER])
    papers, admin, reader = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")  # digest: the default style
    await env.bot.run_digest()

    digest = papers.history()[0]  # the server never chose: Chinese papers, English words around them
    assert "本文提出实时高斯泼溅方法。" in text(digest) and ENGLISH not in text(digest)
    assert digest.content == "📰 **3DGS · 2024-05-06 · 1 paper**"
    shown = await reader.click(digest, label="🌐 English")
    assert shown.ephemeral and ENGLISH in text(shown.response) and "本文" not in text(shown.response)

    await admin.slash(papers, "settings language", language="both")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [Entry("2405.70002", "Second", abstract=ABSTRACT,
                                                            summary=SUMMARY)])
    await env.bot.run_digest()
    both = papers.history()[-1]  # the newest
    assert f"本文提出实时高斯泼溅方法。在单卡上达到 200 帧每秒。\n🇬🇧 {ENGLISH}" in text(both)  # as cards show both
    assert not [label for label in labels(both) if label and label.startswith("🌐")]  # nothing to toggle
    assert both.content == "📰 **3DGS · 2024-05-07 · 1 篇论文**"


async def test_paperboys_words_follow_the_language_setting(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("1", 12))
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", entries("2", 3))
    papers, admin, reader = lab(env, preferred_locale="zh-TW")
    other = env.create_guild(name="Other")
    news = other.create_text_channel("news")
    other_admin = other.add_member(env.create_user("head"), roles=[
        other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))])
    await env.bot.run_digest()
    await reader.slash(papers, "subscribe", topic="NeRF")
    await reader.slash(papers, "subscriptions", language="zh")
    await admin.slash(papers, "settings language", language="zh")
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await admin.slash(papers, "feed add", channel=papers, topic="NeRF", style="cards")
    await other_admin.slash(news, "settings language", language="zh")
    await other_admin.slash(news, "feed add", channel=news, topic="3DGS")
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", entries("3", 1))
    await env.bot.run_digest()

    # A server that chose Chinese, with a zh-TW Discord locale: traditional characters.
    digest = next(m for m in papers.history() if m.components and "pb:dg" in str(m.components[0]))
    assert digest.content == "📰 **3DGS · 2024-05-06 · 12 篇論文** · 第 1/3 頁 · 排序：有程式碼、有發表會議"
    assert labels(digest) == ["開啟一篇論文…", "◀ 上一頁", "下一頁 ▶", "🌐 English"]
    turned = (await reader.click(digest, label="下一頁 ▶")).response
    assert turned.content.startswith("📰 **3DGS · 2024-05-06 · 12 篇論文** · 第 2/3 頁")  # a private page too
    headers = [m.embeds[0].title for m in papers.history() if m.embeds and not m.embeds[0].url
               and m.id != digest.id]
    assert "📰 NeRF · 2024-05-07 · 1 篇論文" in headers  # a card feed's header too
    # A server with Discord's default locale (en-US) that chose Chinese: simplified.
    assert news.history()[0].content.startswith("📰 **3DGS · 2024-05-06 · 12 篇论文**")
    # The DM header follows the member's own setting (zh: Chinese).
    dm = reader.user.dm_channel.history()[0]
    assert dm.content == "📬 你的 Paperboy 订阅有 **1 篇新论文** · 用 `/我的订阅` 修改"


async def test_feed_and_status_replies_follow_the_members_client(simcord_env, posts_dir: Path,
                                                                client_locales: dict[int, str]) -> None:  # noqa: F811
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [PAPER])
    papers, admin, _ = lab(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    client_locales[admin.id] = "zh-CN"

    edited = await admin.slash(papers, "feed edit", channel=papers, topic="3DGS", style="cards")
    assert edited.response.content.startswith(f"已修改：从下一次推送起，{papers.mention} 以每篇论文一张卡片")
    resumed = await admin.slash(papers, "feed resume", channel=papers, topic="3DGS")
    assert resumed.response.content == f"已恢复：从下一轮起 {papers.mention} 重新接收 **3DGS** 的论文。"
    ran = await admin.slash(papers, "digest run")
    assert ran.response.content.startswith("日报已完成。\n```")
    status = (await admin.slash(papers, "status")).response.embeds[0]
    assert status.title == "Paperboy 状态"
    assert [f.name for f in status.fields] == ["来源", "计划", "推送", "已暂停的推送", "数据库"]
    assert status.fields[0].value.startswith("local：上次成功 20")
    removed = await admin.slash(papers, "feed remove", channel=papers, topic="3DGS")
    assert removed.response.content == f"已移除：{papers.mention} 不再接收 **3DGS** 的论文。"
    again = await admin.slash(papers, "feed remove", channel=papers, topic="3DGS")
    assert again.response.content == f"{papers.mention} 没有 **3DGS** 的推送；`/推送 列表` 列出本服务器的推送。"
    client_locales[admin.id] = "zh-TW"
    status = (await admin.slash(papers, "status")).response.embeds[0]
    assert status.title == "Paperboy 狀態" and status.fields[1].value.startswith("上一輪完成於 20")
