"""A day of papers in a channel is one message of per-paper embeds (issue 16): each paper's summary and
takeaways readable without a click, ranked with the reason shown, paged privately (the channel's message
never changes), with the English view as complete as the Chinese one. Through SimCord, the real bot."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest

from jobs.config import Config
from tests.conftest import make_config
from tests.postgen import Entry, entries, write_kedreamix
from tests.test_digest_language import labels
from tests.test_feed_style import setup_guild
from tests.test_language import client_locales  # noqa: F401  (a fixture)

SUMMARY = "本文提出了一种新方法，在标准基准上效果很好。"



@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    """Every bot here runs on both engines (tests/engines.py): a SQLite file, a PostgreSQL database."""
    return make_config(tmp_path, database_url=store_url)


def titles(message) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles a page shows, in order, without their numbers."""
    return [(e.title or "").split(". ", 1)[1] for e in message.embeds]


def menu_values(message) -> list[str]:  # type: ignore[no-untyped-def]
    rows = message.components
    if rows and isinstance(rows[0], dict):
        return [o["value"] for row in rows for c in row["components"] for o in c.get("options", [])]
    return [o.value for row in rows for c in row.children if isinstance(c, discord.SelectMenu) for o in c.options]


def snapshot(message) -> tuple:  # type: ignore[no-untyped-def]
    return (message.content, [e.to_dict() for e in message.embeds], labels(message), message.edited_at)


async def test_a_33_paper_day_is_one_message_of_paper_embeds_paged_privately(
        simcord_env, posts_dir: Path, make_bot) -> None:
    env = simcord_env
    day = entries("6", 33)
    day[20].comment = "Accepted to ECCV 2024. Code: https://github.com/lab/splat"  # ranked first
    day[30].comment = "Project page: https://github.com/lab/other"  # code: second
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", day)
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    summary = await env.bot.run_digest()

    (message,) = papers.history()
    assert summary.send.sent == 1 and summary.send.papers == 33
    assert message.content == "📰 **3DGS · 2024-05-06 · 33 papers** · Page 1/7 · best first: code, a named venue"
    assert len(message.embeds) == 5
    order = [day[20], day[30], *[e for i, e in enumerate(day) if i not in (20, 30)]]
    assert titles(message) == [e.title for e in order[:5]]
    first = message.embeds[0]
    assert first.title == f"1. {day[20].title}" and first.url == "https://arxiv.org/abs/2405.60021"
    assert first.author.name == "Ada Lovelace, Alan Turing"
    assert first.description.startswith("`ECCV 2024` · [PDF](https://arxiv.org/pdf/2405.60021v1) · "
                                        "[Code](https://github.com/lab/splat)\n")
    assert first.footer.text is None  # its badges say why it is first: code, then a named venue
    for embed in message.embeds:  # every paper readable without a click: summary and takeaways
        assert SUMMARY in embed.description
        assert "\n- 提出新方法。\n- 效果很好。" in embed.description
    assert sum(len(e) for e in message.embeds) <= 6000
    assert labels(message) == ["Open a paper…", "◀ Prev", "Next ▶", "🌐 English"]
    before = snapshot(message)

    # Next answers the clicker alone with the next page; the channel's message is as posted.
    turned = await student.click(message, label="Next ▶")
    assert turned.ephemeral
    page2 = turned.response
    assert titles(page2) == [e.title for e in order[5:10]]
    assert page2.content.startswith("📰 **3DGS · 2024-05-06 · 33 papers** · Page 2/7")
    assert labels(page2) == ["Open a paper…", "◀ Prev", "Next ▶", "🌐 English"]
    assert menu_values(page2) == [e.arxiv_id for e in order[5:10]]
    assert snapshot(papers.history()[0]) == before and len(papers.history()) == 1
    edits = [r for r in env.http_requests if r.method == "PATCH" and f"/messages/{message.id}" in r.path]
    assert edits == []

    # Another member paging at the same time gets pages of their own.
    theirs = await admin.click(message, label="Next ▶")
    assert theirs.ephemeral and theirs.response.id != page2.id

    # On the private page the page turns in place, to the end, with every paper reached once.
    seen = titles(message) + titles(page2)
    shown = page2
    for _ in range(5):
        again = await student.click(shown, label="Next ▶")
        assert again.response.id == page2.id  # edited, not a new message
        shown = again.response
        seen += titles(shown)
    assert seen == [e.title for e in order]
    assert shown.content.startswith("📰 **3DGS · 2024-05-06 · 33 papers** · Page 7/7")
    assert snapshot(papers.history()[0]) == before

    # After a restart the channel's controls and the private page's still answer.
    await env.restart_bot(make_bot())
    back = await student.click(shown, label="◀ Prev")
    assert titles(back.response) == [e.title for e in order[25:30]]
    opened = await student.select(back.response, [order[26].arxiv_id])
    assert opened.ephemeral
    card = opened.response.embeds[0]
    assert card.title == order[26].title and card.footer.text == f"3DGS · 2024-05-06 · arXiv {order[26].arxiv_id}"
    assert "💬 Discuss" in labels(opened.response)
    fresh = await student.click(papers.history()[0], label="Next ▶")
    assert fresh.ephemeral and titles(fresh.response) == [e.title for e in order[5:10]]
    assert snapshot(papers.history()[0]) == before


async def test_discuss_from_a_private_page_links_back_to_the_channels_message(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 8))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (message,) = papers.history()

    page2 = (await student.click(message, label="Next ▶")).response
    english = (await student.click(page2, label="🌐 English")).response  # the same page, in English
    assert english.id == page2.id and titles(english) == titles(page2)
    opened = await student.select(english, ["2405.60007"])
    assert "We present a method." in opened.response.embeds[0].description  # an English card…
    thread_click = await student.click(opened.response, label="💬 Discuss")  # …with Discuss
    (thread,) = papers.threads
    assert thread.name == "Paper 6-7 on Gaussian splatting · 2405.60007"
    assert f"from [3DGS · 2024-05-06]({message.jump_url})" in thread.history()[0].content
    assert thread_click.acknowledged


async def test_english_pages_have_the_same_paging_menu_and_takeaways(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 12))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="en")
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (message,) = papers.history()
    assert labels(message) == ["Open a paper…", "◀ Prev", "Next ▶", "🌐 中文"]
    assert all("We present a method." in e.description and "本文" not in e.description for e in message.embeds)

    chinese = (await student.click(message, label="🌐 中文")).response
    assert labels(chinese) == ["打开一篇论文…", "◀ 上一页", "下一页 ▶", "🌐 English"]
    assert all(SUMMARY in e.description for e in chinese.embeds)
    page2 = (await student.click(chinese, label="下一页 ▶")).response
    assert page2.id == chinese.id and all(SUMMARY in e.description for e in page2.embeds)
    assert page2.content.startswith("📰 **3DGS · 2024-05-06 · 12 篇论文** · 第 2/3 页")


async def test_both_languages_show_chinese_then_english_and_no_toggle(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [
        Entry("2405.70001", "Fast Splats", abstract="We splat Gaussians in real time. It is fast.",
              summary="本文提出实时高斯泼溅方法。", takeaways=["实时渲染。"])])
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "settings language", language="both")
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (message,) = papers.history()
    text = message.embeds[0].description
    assert "本文提出实时高斯泼溅方法。\n🇬🇧 We splat Gaussians in real time." in text and "\n- 实时渲染。" in text
    assert not [x for x in labels(message) if x and x.startswith("🌐")]
    assert message.content == "📰 **3DGS · 2024-05-06 · 1 篇论文**"  # one paper: no page, no ranking note


async def test_a_summary_is_cut_between_words_and_never_inside_a_bracket(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    long = ("本文研究了说话人头部生成中的多模态对齐问题并构建了一个大规模数据集" * 3
            + "Alongside一个新的评测基准（图注意力网络+变换器）以及大量实验。")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [Entry("2405.70001", "Long", summary=long)])
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    lead = papers.history()[0].embeds[0].description.split("\n")[1]
    assert lead.endswith("…") and len(lead) < len(long)
    assert "Alo…" not in lead and "（" not in lead


async def test_a_keyword_feed_ranks_title_matches_first_and_names_the_keyword(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [
        Entry("2405.70001", "Neural Avatars", abstract="We present avatars built from Gaussian splatting."),
        *entries("6", 3), Entry("2405.70002", "Unrelated Robots", abstract="We present robots.")])
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", keywords="splatting")
    await env.bot.run_digest()
    (message,) = papers.history()
    assert titles(message) == ["Paper 6-1 on Gaussian splatting", "Paper 6-2 on Gaussian splatting",
                               "Paper 6-3 on Gaussian splatting", "Neural Avatars"]  # the title first
    assert message.content.endswith("· best first: keyword matches, code, a named venue")
    assert all(e.description.startswith("🔑 splatting · [PDF](") for e in message.embeds)


async def test_a_zh_readers_card_and_discuss_speak_chinese(simcord_env, posts_dir: Path,
                                                          client_locales) -> None:  # noqa: F811
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [
        Entry("2405.70001", "TeX Paper", abstract=r"We study $\textit{Ship of Language Models}$ with $x^3$ cost.",
              summary=r"本文研究$E^{3}$Gen方法。", takeaways=[r"提出\emph{新}方法。"]), *entries("6", 2)])
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (message,) = papers.history()
    tex = next(e for e in message.embeds if "TeX Paper" in e.title)
    assert "本文研究E³Gen方法。" in tex.description and "- 提出新方法。" in tex.description  # TeX reads as text
    client_locales[student.id] = "zh-CN"
    opened = await student.select(message, ["2405.70001"])
    assert "💬 讨论" in labels(opened.response)
    started = await student.click(opened.response, label="💬 讨论")
    assert [m.content for m in [started.response, *started.followups] if m is not None and m.content][-1].startswith(
        "已为这篇论文开启讨论串：")
