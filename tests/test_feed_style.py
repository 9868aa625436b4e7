"""What a feed's readers see (issue 10): cards labelled with the feed's topic and date, a day as one
digest message (tests/test_day_pages.py has its pages) with Discuss threads, ranking under the cap,
daily-arXiv's labelled parts. Through SimCord, with the real bot."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import discord
import simcord

from bot.ui.embeds import topic_colour
from jobs.config import FeedsConfig, SourceConfig
from tests.conftest import make_config
from tests.postgen import Entry, entries, write_kedreamix


def setup_guild(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    student = guild.add_member(env.create_user("student"))
    return guild, papers, admin, student


def cards(channel) -> list[discord.Message]:  # type: ignore[no-untyped-def]
    return [m for m in channel.history() if m.embeds and not (m.embeds[0].title or "").startswith("📰")]


def answer(result):  # type: ignore[no-untyped-def]
    """What the clicker was shown: the response, or the follow-up that replaced a 'thinking…'."""
    shown = [m for m in [result.response, *result.followups] if m is not None and (m.content or m.embeds)]
    return shown[-1]


# ---- 1. labels are the appearance's ----------------------------------------------------------------


async def test_a_card_shows_the_feeds_topic_and_date_and_follows_that_topic(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    both = Entry("2405.60001", "Splats and radiance fields", comment="Accepted to CVPR 2025")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [both, *entries("6", 2, start=2)])
    # The same paper again, later and under another topic: its latest appearance is NeRF's.
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", [both])
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()

    card = next(m for m in cards(papers) if m.embeds[0].title == "Splats and radiance fields")
    embed = card.embeds[0]
    assert embed.footer.text == "3DGS · 2024-05-06 · arXiv 2405.60001 · also in: NeRF · #pb2"
    assert embed.colour == topic_colour("3DGS") != topic_colour("NeRF")  # the colour of the topic shown
    # Follow topic is a grey button, quieter than the paper's own links.
    styles = {c.label: c.style for row in card.components for c in row.children}
    assert styles["Follow topic"] == discord.ButtonStyle.secondary
    followed = await student.click(card, label="Follow topic")
    assert followed.ephemeral and followed.response.content.startswith("Subscribed to topic **3DGS**")
    assert [(s.kind, s.value) for s in await env.bot.store.subscriptions()] == [("topic", "3DGS")]

    # /paper shows the same topics the same way (its latest appearance, the other one named).
    shown = await student.slash(papers, "paper", id="2405.60001")
    assert answer(shown).embeds[0].footer.text == "NeRF · 2024-05-07 · arXiv 2405.60001 · also in: 3DGS"


async def test_a_dm_shows_the_topic_that_matched(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    guild, general, _, _ = setup_guild(env)
    alice = guild.add_member(env.create_user("alice"))
    write_kedreamix(posts_dir, "NeRF", "2024-05-05", entries("5", 1))
    await env.bot.run_digest()
    subscribed = await alice.slash(general, "subscribe", topic="NeRF")
    assert subscribed.response.content.startswith("Subscribed")
    paper = Entry("2405.60001", "Splats and radiance fields")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [paper])
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", [paper])
    await env.bot.run_digest()

    (embed,) = [e for m in alice.user.dm_channel.history() for e in m.embeds]
    assert [(f.name, f.value) for f in embed.fields][:1] == [("Matched", "topic: NeRF")]
    assert embed.footer.text == "NeRF · 2024-05-06 · arXiv 2405.60001 · also in: 3DGS · #pb1"


# ---- 2. the digest style ---------------------------------------------------------------------------


async def test_a_300_paper_day_is_still_one_message(tmp_path: Path, posts_dir: Path, make_bot,
                                                     store_url: str) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 300))
    async with simcord.run(make_bot(make_config(tmp_path, database_url=store_url))) as env:
        _, papers, admin, _ = setup_guild(env)
        await env.bot.run_digest()
        await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
        await env.bot.run_digest()
        (message,) = papers.history()
        assert " · Page 1/60 · " in message.content
        assert len(message.embeds) == 5 and sum(len(e) for e in message.embeds) <= 6000


async def test_discuss_opens_one_thread_and_a_second_click_finds_it(simcord_env, posts_dir: Path,
                                                                    make_bot) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", entries("6", 1, start=2))  # its latest appearance
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    (digest,) = papers.history()

    opened = await student.select(digest, ["2405.60002"])
    first = await student.click(opened.response, label="💬 Discuss")
    (thread,) = papers.threads
    assert thread.name == "Paper 6-2 on Gaussian splatting · 2405.60002"
    assert answer(first).content == f"Opened a thread for this paper: <#{thread.id}>"
    start = thread.history()[0]
    assert start.embeds[0].title == "Paper 6-2 on Gaussian splatting"
    assert f"from [3DGS · 2024-05-06]({digest.jump_url})" in start.content
    assert start.embeds[0].footer.text == "3DGS · 2024-05-06 · arXiv 2405.60002 · also in: NeRF"

    await env.restart_bot(make_bot())  # found again by a bot that did not make it
    again = await admin.select(digest, ["2405.60002"])
    second = await admin.click(again.response, label="💬 Discuss")
    assert answer(second).content == f"This paper's discussion: <#{thread.id}>"
    assert len(papers.threads) == 1 and len(thread.history()) == 1

    # Archived (here by the bot's own client, as a moderator or Discord's auto-archive would): reopened.
    await env.bot.get_channel(thread.id).edit(archived=True)
    third = await student.click((await student.select(digest, ["2405.60002"])).response, label="💬 Discuss")
    assert answer(third).content == f"This paper's discussion: <#{thread.id}>"
    assert not env.bot.get_channel(thread.id).archived and len(papers.threads) == 1

    other = await student.select(digest, ["2405.60003"])
    await student.click(other.response, label="💬 Discuss")
    assert sorted(t.name for t in papers.threads) == [
        "Paper 6-2 on Gaussian splatting · 2405.60002", "Paper 6-3 on Gaussian splatting · 2405.60003"]


async def test_feed_edit_changes_the_style_and_a_forum_keeps_a_post_per_paper(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, papers, admin, _ = setup_guild(env)
    forum = guild.create_forum_channel("forum")
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    changed = await admin.slash(papers, "feed edit", channel=papers, topic="3dgs", style="cards")
    assert changed.response.content.startswith(f"Changed: from the next delivery, <#{papers.id}> gets **3DGS** as "
                                               "a card per paper")
    added = await admin.slash(papers, "feed add", channel=forum, topic="3DGS", style="digest")
    assert "A forum gets a post per paper" in added.response.content
    assert {f.style for f in await env.bot.store.feeds()} == {"cards"}
    await env.bot.run_digest()
    assert len(cards(papers)) == 2 and len(forum.threads) == 2


# ---- 3. cards: ranking under the cap, a short card ----------------------------------------------


async def test_a_capped_day_shows_the_best_ranked_and_says_so_in_the_header(
    tmp_path: Path, posts_dir: Path, make_bot, store_url: str
) -> None:
    day = entries("5", 6)
    day[1].comment = "Accepted to CVPR 2025"
    day[2].comment = "Code: https://github.com/lab/two"
    day[3].title = "Talking heads in splats"
    day[4].abstract = "Talking heads, reconsidered."
    day[5].takeaways = ["一。", "二。", "三。", "四。", "五。"]
    day[5].image = "https://pic1.zhimg.com/fig.jpg"
    write_kedreamix(posts_dir, "Mixed", "2024-05-06", day)
    config = make_config(tmp_path, max_per_cycle=3, database_url=store_url)
    async with simcord.run(make_bot(config)) as env:
        guild, papers, admin, student = setup_guild(env)
        heads = guild.create_text_channel("heads")
        await env.bot.run_digest()
        await admin.slash(papers, "feed add", channel=papers, topic="Mixed", style="cards")
        await admin.slash(heads, "feed add", channel=heads, topic="Mixed", style="cards", keywords="heads")
        await env.bot.run_digest()

        history = papers.history()
        header = history[0].embeds[0]
        assert header.title == "📰 Mixed · 2024-05-06 · 6 papers"
        assert "Showing 3 of 6" in header.description and "The other 3: `/latest topic:Mixed`" in header.description
        assert "keyword matches, then papers with code, then papers with a venue" in header.description
        # Code first, then a venue, then the post's order; nothing after the cards.
        assert [m.embeds[0].title for m in cards(papers)] == [day[2].title, day[1].title, day[0].title]
        assert history[-1].embeds and not history[-1].embeds[0].title.startswith("📰")
        # The comment's code URL is the Code button, not repeated as a comment.
        coded = cards(papers)[0]
        assert not [f for f in coded.embeds[0].fields if f.name == "Comment"]
        assert [c.label for row in coded.components for c in row.children] == [
            "PDF", "Code", "Abstract", "🌐 English", "Follow topic", "👍", "👎", "🔖 Save", "🙈 Not interested"]

        # A keyword in the title ranks before one only in the abstract.
        assert [m.embeds[0].title for m in cards(heads)] == [day[3].title, day[4].title]

    # At most 3 takeaways on a card; the Abstract reply has them all.
    write_kedreamix(posts_dir, "Long", "2024-05-06", [day[5]])
    async with simcord.run(make_bot(config)) as env:
        _, papers, admin, student = setup_guild(env)
        await env.bot.run_digest()
        await admin.slash(papers, "feed add", channel=papers, topic="Long", style="cards")
        await env.bot.run_digest()
        (card,) = cards(papers)
        text = card.embeds[0].description
        assert "3. 三。" in text and "4. 四。" not in text and "*+2 more under Abstract*" in text
        assert card.embeds[0].thumbnail.url == "https://pic1.zhimg.com/fig.jpg" and not card.embeds[0].image
        full = (await student.click(card, label="Abstract")).response.embeds[0].description
        assert "5. 五。" in full and full.endswith("We present a method. It works well on standard benchmarks.")


async def test_images_full_shows_the_figure_at_full_width(tmp_path: Path, posts_dir: Path, make_bot,
                                                          store_url: str) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1, image="https://pic1.zhimg.com/a.jpg"))
    config = make_config(tmp_path, database_url=store_url)
    config.feeds.images = "full"
    async with simcord.run(make_bot(config)) as env:
        _, papers, admin, _ = setup_guild(env)
        await env.bot.run_digest()
        await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
        await env.bot.run_digest()
        (card,) = cards(papers)
        assert card.embeds[0].image.url == "https://pic1.zhimg.com/a.jpg" and not card.embeds[0].thumbnail


# ---- 4. daily-arXiv's labelled parts ---------------------------------------------------------------


async def test_a_daily_arxiv_card_labels_its_parts_without_nested_lists(tmp_path: Path, make_bot,
                                                                         store_url: str) -> None:
    posts = tmp_path / "daily"
    posts.mkdir()
    record = {
        "id": "2606.00001", "categories": ["cs.CV"], "pdf": "https://arxiv.org/pdf/2606.00001",
        "abs": "https://arxiv.org/abs/2606.00001", "authors": ["Ada Lovelace"], "title": "A vision paper",
        "comment": None, "summary": "We see.",
        "AI": {"tldr": "本文看见了。", "motivation": "现有方法看不清。", "method": "1) 构建森林；\n2) 剪枝。",
               "result": "", "conclusion": "看得更清楚。"},
    }
    (posts / "2026-06-30_AI_enhanced_Chinese.jsonl").write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    config = dataclasses.replace(make_config(tmp_path, database_url=store_url), feeds=FeedsConfig(), sources=[
        SourceConfig(name="daily", kind="directory", format="daily-arxiv", path=str(posts))])
    async with simcord.run(make_bot(config)) as env:
        _, papers, admin, _ = setup_guild(env)
        await env.bot.run_digest()
        await admin.slash(papers, "feed add", channel=papers, topic="cs.CV", style="cards")
        await env.bot.run_digest()
        (card,) = cards(papers)
        # The blank result is left out; each part carries its label; "1)" is escaped, never a nested list.
        assert card.embeds[0].description == (
            "本文看见了。\n\n**动机** 现有方法看不清。\n**方法** 1\\) 构建森林； 2) 剪枝。\n**结论** 看得更清楚。"
        )


async def test_discuss_without_thread_permission_says_what_is_missing(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    env.inject_error("POST", f"/channels/{papers.id}/threads", status=403, code=50013,
                     message="Missing Permissions", times=None)
    opened = await student.select(papers.history()[0], ["2405.60001"])
    refused = await student.click(opened.response, label="💬 Discuss")
    assert "I need the **Create Public Threads**" in answer(refused).content
    assert papers.threads == []


async def test_a_digest_goes_through_the_outbox_and_is_sent_once_after_a_crash(
    simcord_env, posts_dir: Path, make_bot
) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 12))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=503, times=None)
    await env.bot.run_digest()
    assert papers.history() == [] and (await env.bot.store.outbox_counts()).get("pending") == 1
    env.backend.faults.clear()

    await env.restart_bot(make_bot())  # a fresh process sends what was planned, once
    await env.settle()
    await env.bot.run_digest()
    (message,) = papers.history()
    assert message.content.startswith("📰 **3DGS · 2024-05-06 · 12 papers**")
    sends = [r for r in env.http_requests if r.method == "POST" and r.path == f"/channels/{papers.id}/messages"]
    assert all(r.json.get("nonce", "").startswith("pb") for r in sends)
    turned = await student.click(message, label="Next ▶")
    assert turned.ephemeral and [e.title for e in turned.response.embeds] == [
        f"{n}. {e.title}" for n, e in enumerate(entries("6", 12)[5:10], 6)]
