"""Regex filters and a feed's minimum score through SimCord, on both engines (issue 22 item 2): `regex:` on
/subscribe and /feed add|edit keeps only the papers the pattern finds, run by RE2 (linear time); a pattern
RE2 cannot run, a costly one or one that filters nothing is refused with the reason and changes nothing; a
filter that would have kept none of the recent papers says so; `min_score:` keeps a topic feed's best."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.config import Config
from tests.conftest import make_config
from tests.postgen import Entry, write_kedreamix
from tests.test_feed_style import cards, setup_guild


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return make_config(tmp_path, database_url=store_url)


def paper(n: int, title: str, comment: str = "") -> Entry:
    return Entry(f"2405.7{n:04d}", title, abstract="We study scenes.", comment=comment)


DAY1 = [paper(1, "Gaussian Splatting at scale"), paper(2, "NeRFs in the wild"), paper(3, "A NeRF-free pipeline")]
DAY2 = [paper(4, "Splatted radiance", "Accepted by CVPR 2024"), paper(5, "NeRF for robots"),
        paper(6, "Neural fields, again", "Accepted by ICCV 2023"), paper(7, "Splat-SLAM")]


async def test_a_regex_keeps_only_the_papers_it_finds_and_bad_patterns_are_refused_with_the_reason(
        simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", DAY1)
    _, papers, _, student = setup_guild(env)
    await env.bot.run_digest()

    for pattern, said in [
        (r"(nerf)\1", "Paperboy's regex engine (RE2) runs in linear time, so it has no backreferences"),
        (r"splat(?!ted)", "Paperboy's regex engine (RE2) runs in linear time"),
        (r"(\w+\s){900}", "That regex is too costly to run on every paper (12604 instructions, at most 1000)"),
        (r"nerf|", "That regex matches an empty text, so every paper would pass"),
        (r"[nerf", "That is not a valid regex: missing ]: [nerf. Nothing changed."),
    ]:
        refused = await student.slash(papers, "subscribe", topic="3DGS", regex=pattern)
        assert refused.response.content.startswith(said), pattern
    assert await env.bot.store.subscriptions(student.id) == []  # nothing changed

    kept = await student.slash(papers, "subscribe", topic="3DGS", regex=r"\bnerfs?\b")
    assert kept.response.content == (
        "Subscribed to topic **3DGS**. New matching papers will come to you by direct message after each daily "
        "digest. Only papers the regex `\\bnerfs?\\b` finds (any case) are kept. "
        "Of the 3 papers it would have got in the last 7 days, 2 pass.")
    listed = (await student.slash(papers, "subscriptions")).response.embeds[0].description
    assert "• topic: **3DGS** · regex: `\\bnerfs?\\b`" in listed
    nothing = await student.slash(papers, "subscribe", topic="3DGS", regex="transformer")
    assert nothing.response.content == (
        "You already follow topic **3DGS**. Only papers the regex `transformer` finds (any case) are kept. "
        "Note: this leaves out every one of the 3 papers it would have got in the last 7 days.")
    await student.slash(papers, "subscribe", topic="3DGS", regex=r"\bnerfs?\b")

    write_kedreamix(posts_dir, "3DGS", "2024-05-07", DAY2)
    await env.bot.run_digest()
    (dm,) = student.user.dm_channel.history()
    assert [e.title for e in dm.embeds] == ["NeRF for robots"]  # "NeRF-free" was day 1's, before subscribing
    cleared = await student.slash(papers, "subscribe", topic="3DGS", regex="-")
    assert cleared.response.content.startswith("You already follow topic **3DGS**. No regex any more.")


async def test_a_feeds_regex_and_minimum_score_leave_out_what_they_do_not_keep(simcord_env,
                                                                              posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", DAY1)
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    added = await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards", regex=r"splat")
    assert added.response.content.endswith(
        "\nOnly papers the regex `splat` finds (any case) are kept.\n"
        "Of the 3 papers it would have got in the last 7 days, 1 pass.")
    refused = await admin.slash(papers, "feed edit", channel=papers, topic="3DGS", regex=r"(?<=x)splat")
    assert "no look-ahead or look-behind" in refused.response.content
    await env.bot.run_digest()
    assert [m.embeds[0].title for m in cards(papers)] == ["Gaussian Splatting at scale"]

    # A minimum score of 1 on a feed without keywords: code or a named venue.
    scored = await admin.slash(papers, "feed edit", channel=papers, topic="3DGS", regex="-", min_score=1)
    assert scored.response.content.split("\n") == [
        "No regex any more.",
        "Only papers scoring at least 1 of 4 are posted (a keyword in the title 2, elsewhere 1; code 1; a named "
        "venue 1).",
        "Note: this leaves out every one of the 3 papers it would have got in the last 7 days."]
    listed = (await admin.slash(papers, "feed list")).response.embeds[0].description
    assert "**3DGS** · score ≥ 1 · cards" in listed
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", DAY2)
    await env.bot.run_digest()
    posted = [m.embeds[0].title for m in cards(papers)]
    assert sorted(posted[1:]) == ["Neural fields, again", "Splatted radiance"]
