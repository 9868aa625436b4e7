"""The channel feed through SimCord: the real bot from create_bot, a simulated server and members."""

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


def setup_guild(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    student = guild.add_member(env.create_user("student"))
    return guild, papers, admin, student


def is_header(message: discord.Message) -> bool:
    return bool(message.embeds) and (message.embeds[0].title or "").startswith("📰")


def paper_messages(channel) -> list[discord.Message]:  # type: ignore[no-untyped-def]
    return [m for m in channel.history() if m.embeds and not is_header(m)]


def headers(channel) -> list[discord.Embed]:  # type: ignore[no-untyped-def]
    return [m.embeds[0] for m in channel.history() if is_header(m)]


def titles(channel) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.embeds[0].title for m in paper_messages(channel)]


async def test_admin_adds_feed_and_digest_posts_newest_post_once(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 2))
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3, image="https://pic1.zhimg.com/a.jpg"))
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", entries("9", 2))
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()  # ingest before any feed exists: nothing posted anywhere

    result = await admin.slash(papers, "feed add", channel=papers, topic="3dgs", style="cards")
    assert result.ephemeral and "Added" in result.response.content and "**3DGS**" in result.response.content

    summary = await env.bot.run_digest()
    await env.settle()
    # Only the newest 3DGS post (3 papers), not the archive and not NeRF.
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    history = papers.history()
    assert history[0].embeds[0].title == "📰 3DGS · 2024-05-06 · 3 papers"
    assert not history[0].embeds[0].description  # under the cap: nothing to explain
    first = paper_messages(papers)[0]
    embed = first.embeds[0]
    assert embed.url == "https://arxiv.org/abs/2405.60001"
    assert embed.author.name == "Ada Lovelace, Alan Turing"
    assert "本文提出了一种新方法" in embed.description and "1. 提出新方法。" in embed.description
    assert embed.footer.text == "3DGS · 2024-05-06 · arXiv 2405.60001 · #pb2"  # the outbox row's marker
    # A thumbnail, not a full-width figure (feeds.images: true); the title links to arXiv.
    assert embed.thumbnail.url == "https://pic1.zhimg.com/a.jpg" and not embed.image
    labels = [c.label for row in first.components for c in row.children]
    assert labels == ["PDF", "Abstract", "🌐 English", "Follow topic", "👍", "👎", "🔖 Save", "🙈 Not interested"]
    assert summary.send.sent == 4

    # A second run posts nothing.
    count = len(papers.history())
    await env.bot.run_digest()
    assert len(papers.history()) == count


async def test_new_posts_bring_only_their_papers_and_repeats_are_skipped(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="all", style="cards")
    await env.bot.run_digest()
    assert len(paper_messages(papers)) == 2

    # Next day: one new paper, one repeated from yesterday under another topic.
    again = entries("6", 1)[0]
    again.title = "Paper 6-1 on Gaussian splatting"
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", [again, Entry("2405.70001", "A brand new NeRF paper")])
    await env.bot.run_digest()
    assert titles(papers)[2:] == ["A brand new NeRF paper"]
    assert papers.history()[-2].embeds[0].title == "📰 NeRF · 2024-05-07 · 1 paper"


async def test_keywords_filter_and_per_cycle_cap(tmp_path: Path, posts_dir: Path, make_bot, store_url: str) -> None:
    import simcord

    config = make_config(tmp_path, max_per_cycle=2, database_url=store_url)
    many = entries("5", 5)
    many[4].summary = "一种关于说话人头像生成的方法。"
    many[4].title = "Talking heads"
    write_kedreamix(posts_dir, "Mixed", "2024-05-06", many)
    async with simcord.run(make_bot(config)) as env:
        guild, papers, admin, _ = setup_guild(env)
        other = guild.create_text_channel("talking")
        await env.bot.run_digest()
        await admin.slash(papers, "feed add", channel=papers, topic="Mixed", style="cards")
        await admin.slash(papers, "feed add", channel=other, topic="Mixed", style="cards", keywords="头像生成, nothing")
        await env.bot.run_digest()
        assert len(paper_messages(papers)) == 2
        # The closing line is the header's: no message after the cards.
        header = headers(papers)
        assert len(header) == 1 and header[0].title == "📰 Mixed · 2024-05-06 · 5 papers"
        assert "Showing 2 of 5" in header[0].description and "/latest topic:Mixed" in header[0].description
        assert is_header(papers.history()[0]) and not papers.history()[-1].content
        assert titles(other) == ["Talking heads"]


async def test_member_without_manage_server_is_refused(simcord_env) -> None:
    env = simcord_env
    guild, papers, _, student = setup_guild(env)
    # Hidden from them by default, as in the real client...
    assert "feed add" not in student.available_commands(papers)
    # ...and refused by the bot when server settings let them run it anyway.
    commands = await env.bot.tree.fetch_commands()
    feed = next(c for c in commands if c.name == "feed")
    guild.set_command_permissions(feed, {student: True})
    result = await student.slash(papers, "feed add", channel=papers, topic="all")
    assert result.ephemeral
    assert result.response.content == "You need the **Manage Server** permission to use `/feed`."
    assert await env.bot.store.feeds() == []


async def test_unknown_topic_is_explained(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1))
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    result = await admin.slash(papers, "feed add", channel=papers, topic="Quantum")
    assert "Unknown topic **Quantum**" in result.response.content and "3DGS" in result.response.content
    choices = await admin.autocomplete(papers, "feed add", "topic", "3d", channel=papers)
    assert [c["value"] for c in choices] == ["3DGS"]


async def test_lost_channel_pauses_its_feed_and_others_go_on(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, papers, admin, _ = setup_guild(env)
    other = guild.create_text_channel("other")
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await admin.slash(other, "feed add", channel=other, topic="3DGS", style="cards")
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=403, code=50013,
                     message="Missing Permissions", times=None)
    summary = await env.bot.run_digest()
    assert len(paper_messages(other)) == 2
    assert paper_messages(papers) == []
    assert any("Missing Permissions" in p for p in summary.send.paused)
    # One refused request, not one per paper: a dead channel is not hammered.
    sends = [r for r in env.http_requests if r.method == "POST" and r.path == f"/channels/{papers.id}/messages"]
    assert len(sends) == 1
    listing = await admin.slash(papers, "feed list")
    text = listing.response.embeds[0].description
    assert f"<#{papers.id}> · **3DGS** · cards · ⏸️ paused: the bot may not post in #papers" in text
    assert f"<#{other.id}> · **3DGS** · cards · ✅ active" in text


async def test_a_resumed_feed_posts_what_failed_while_it_was_paused_once(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=403, code=50013,
                     message="Missing Permissions", times=None)
    await env.bot.run_digest()  # the header and three cards fail with the feed's pause
    env.backend.faults.clear()  # the admin gives the bot its permission back
    resumed = await admin.slash(papers, "feed resume", channel=papers, topic="3DGS")
    assert resumed.response.content.startswith("Resumed")

    await env.bot.run_digest()
    await env.bot.run_digest()

    # Before: nothing (the papers counted as delivered, their messages failed for good).
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    assert len(papers.history()) == 4 and (await env.bot.store.outbox_counts()) == {"sent": 4}


async def planned_not_sent(env, posts_dir: Path):  # type: ignore[no-untyped-def]
    """A card feed's day planned (a header and three cards) while Discord answers its channel 503: all
    pending. The 503 stays until the test clears it."""
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=503, times=None)
    await env.bot.run_digest()
    return papers, admin


async def test_crash_between_planning_and_sending_resumes_without_duplicates(
    simcord_env, posts_dir: Path, make_bot
) -> None:
    env = simcord_env
    papers, _ = await planned_not_sent(env, posts_dir)  # Discord fails every send in this cycle
    assert paper_messages(papers) == []
    assert (await env.bot.store.outbox_counts()).get("pending") == 4
    env.backend.faults.clear()

    # The process dies and a fresh one starts on the same database: it sends what was planned.
    await env.restart_bot(make_bot())
    await env.settle()
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    await env.bot.run_digest()
    assert len(papers.history()) == 4
    sends = [r for r in env.http_requests if r.method == "POST" and r.path == f"/channels/{papers.id}/messages"]
    assert all(r.json.get("nonce", "").startswith("pb") for r in sends)


async def test_abstract_button_works_after_restart(simcord_env, posts_dir: Path, make_bot) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [Entry("2405.60001", "Splat", abstract="An English abstract.")])
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()
    message = paper_messages(papers)[0]

    await env.restart_bot(make_bot())
    # Commands unchanged since the last sync: the restart does not sync them again.
    assert len([r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]) == 1
    result = await student.click(message, label="Abstract")
    assert result.ephemeral
    # Every takeaway, then the abstract.
    shown = result.response.embeds[0].description
    assert shown == "1. 提出新方法。\n2. 效果很好。\n\n**Abstract**\nAn English abstract."
    # Nobody else sees it.
    assert all("An English abstract." not in (m.embeds[0].description or "") for m in papers.history(viewer=admin)
               if m.embeds and m.id != message.id)


async def test_oversized_summary_is_trimmed_not_rejected(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    long_summary = "这是一个很长的句子，用来测试裁剪。" * 400  # ~6,800 characters
    many = [f"要点{i}：" + "内容" * 200 for i in range(10)]
    write_kedreamix(posts_dir, "3DGS", "2024-05-06",
                    [Entry("2405.60001", "T" * 300, summary=long_summary, takeaways=many, comment="CVPR " * 400)])
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()
    embed = paper_messages(papers)[0].embeds[0]
    assert len(embed) <= 6000 and len(embed.description) <= 4096 and len(embed.title) <= 256
    assert embed.title.endswith("…") and embed.fields[0].value.endswith("…")
    assert "。…" in embed.description  # cut at a sentence boundary


@pytest.mark.parametrize("topic", ["3DGS"])
async def test_feed_remove_stops_posts(simcord_env, posts_dir: Path, topic: str) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, topic, "2024-05-06", entries("6", 1))
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic=topic, style="cards")
    removed = await admin.slash(papers, "feed remove", channel=papers, topic=topic)
    assert "Removed" in removed.response.content
    await env.bot.run_digest()
    assert papers.history() == []
    missing = await admin.slash(papers, "feed remove", channel=papers, topic=topic)
    assert "has no feed" in missing.response.content


async def test_digest_run_command_defers_and_reports(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    _, papers, admin, _ = setup_guild(env)
    result = await admin.slash(papers, "digest run")
    callbacks = [r.json for r in env.http_requests if r.path.endswith("/callback")]
    assert callbacks[-1]["type"] == 5  # deferred first: fetching can take longer than 3 s
    assert result.ephemeral
    text = result.response.content
    assert "local: posts new 1" in text and "papers new 2" in text


async def test_unrecoverable_chinese_falls_back_to_the_english_abstract(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    from tests.postgen import kedreamix

    clean = kedreamix("3DGS", "2024-05-06", [Entry("2405.60001", "Splat", abstract="The English abstract.",
                                                   summary="本文提出了一种新的方向，效果很好。")])
    # A copy whose UTF-8 was read as cp1252 somewhere, with the bytes cp1252 leaves undefined dropped.
    broken = clean.encode("utf-8").decode("cp1252", errors="ignore").replace("\u00ad", "")
    (posts_dir / "2024-05-06").mkdir()
    (posts_dir / "2024-05-06" / "3DGS.md").write_text(broken, encoding="utf-8")
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()
    embed = paper_messages(papers)[0].embeds[0]
    assert embed.title == "Splat"
    assert embed.description.startswith("The English abstract.")
    assert "æ" not in embed.description and "ï¼" not in embed.description


async def test_a_forum_feed_posts_each_paper_as_its_own_post(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, papers, admin, _ = setup_guild(env)
    forum = guild.create_forum_channel("paper-forum")
    await env.bot.run_digest()
    result = await admin.slash(papers, "feed add", channel=forum, topic="3DGS")
    assert "Added" in result.response.content
    await env.bot.run_digest()
    posts = forum.threads
    assert sorted(t.name for t in posts) == ["Paper 6-1 on Gaussian splatting", "Paper 6-2 on Gaussian splatting"]
    starter = posts[0].history()[0]
    assert starter.embeds[0].footer.text.startswith("3DGS · 2024-05-06")
    assert "Abstract" in [c.label for row in starter.components for c in row.children]
    await env.bot.run_digest()
    assert len(forum.threads) == 2  # nothing posted twice


async def test_feed_added_before_the_first_ingest_still_gets_only_the_newest_post(simcord_env,
                                                                                  posts_dir: Path) -> None:
    env = simcord_env
    _, papers, admin, _ = setup_guild(env)
    await admin.slash(papers, "feed add", channel=papers, topic="all", style="cards")  # nothing ingested yet
    await env.bot.run_digest()  # nothing to post, the archive not yet there
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 3))
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    await env.bot.run_digest()  # the first ingest brings the whole archive at once
    assert titles(papers) == ["Paper 6-1 on Gaussian splatting", "Paper 6-2 on Gaussian splatting"]
