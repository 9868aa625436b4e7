"""The group's own signal through SimCord, on both engines (issue 22): 👍 / 👎 under every card — a
feed's card, a card opened from a day's page or from a DM — toggled per member, stored, counted without
names; a paper no longer stored answers plainly; `/forget-me` deletes a member's data at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.config import Config
from tests.conftest import make_config
from tests.postgen import Entry, entries, write_kedreamix
from tests.test_digest_language import labels
from tests.test_feed_style import answer, cards, setup_guild


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return make_config(tmp_path, database_url=store_url)


async def _feed(env, posts_dir: Path, style: str):  # type: ignore[no-untyped-def]
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style=style)
    await env.bot.run_digest()
    return guild, papers, admin, student


async def test_thumbs_on_a_card_toggle_per_member_and_show_counts_never_names(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    guild, papers, _, student = await _feed(env, posts_dir, "cards")
    card = cards(papers)[0]
    assert labels(card)[-4:] == ["👍", "👎", "🔖 Save", "🙈 Not interested"]
    before = (card.content, [e.to_dict() for e in card.embeds])

    liked = await student.click(card, label="👍")
    assert liked.ephemeral
    assert liked.response.content == ("👍 Noted: you like **Paper 6-1 on Gaussian splatting**.\n"
                                      "This paper so far: 👍 1 · 👎 0 (only counts are shown, never who).")
    other = guild.add_member(env.create_user("postdoc"))
    assert (await other.click(card, label="👍")).response.content.endswith("👍 2 · 👎 0 (only counts are shown, "
                                                                           "never who).")
    switched = await other.click(card, label="👎")  # the other thumb replaces the first
    assert switched.response.content.startswith("👎 Noted: **Paper 6-1 on Gaussian splatting** is not for you.")
    assert "👍 1 · 👎 1" in switched.response.content
    taken_back = await student.click(card, label="👍")  # the same thumb again takes it back
    assert taken_back.response.content.startswith("Took back your 👍 on **Paper 6-1")
    assert "👍 0 · 👎 1" in taken_back.response.content
    for reply in (liked, switched, taken_back):
        assert "student" not in reply.response.content and "postdoc" not in reply.response.content
    # Stored per member, and the card everyone sees never changed.
    assert await env.bot.store.member_feedback(other.id) == {"2405.60001": "down"}
    assert await env.bot.store.member_feedback(student.id) == {}
    card = next(m for m in papers.history() if m.id == card.id)
    assert (card.content, [e.to_dict() for e in card.embeds]) == before


async def test_a_card_opened_from_a_days_page_or_a_dm_has_the_thumbs(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, papers, _, student = await _feed(env, posts_dir, "digest")
    (day,) = papers.history()
    opened = await student.select(day, ["2405.60002"])
    assert opened.ephemeral and {"👍", "👎", "🔖 Save", "💬 Discuss"} <= set(labels(opened.response))
    liked = await student.click(opened.response, label="👍")
    assert liked.response.content.startswith("👍 Noted: you like **Paper 6-2")

    await student.slash(papers, "subscribe", keyword="splatting")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 2))
    await env.bot.run_digest()
    (dm,) = student.user.dm_channel.history()
    card = (await student.user.select(dm, ["2405.70002"])).response
    disliked = await student.user.click(card, label="👎")
    assert disliked.response.content.startswith("👎 Noted: **Paper 7-2")
    assert await env.bot.store.member_feedback(student.id) == {"2405.60002": "up", "2405.70002": "down"}


async def test_feedback_on_a_paper_no_longer_stored_answers_plainly(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    _, papers, _, student = await _feed(env, posts_dir, "cards")
    card = cards(papers)[0]
    # The paper is pruned from the database after its card was posted (Paperboy keeps papers today; a
    # pruning job or a restored older backup would do this).
    async with env.bot.store.transaction() as db:
        await db.execute("DELETE FROM papers WHERE arxiv_id = '2405.60001'")
    for label in ("👍", "🔖 Save"):
        shown = await student.click(card, label=label)
        assert shown.ephemeral
        assert answer(shown).content == "arXiv 2405.60001 is no longer in Paperboy's database."
    assert await env.bot.store.member_feedback(student.id) == {}


async def test_forget_me_deletes_subscriptions_feedback_and_saved_papers_at_once(simcord_env,
                                                                                 posts_dir: Path) -> None:
    env = simcord_env
    _, papers, _, student = await _feed(env, posts_dir, "cards")
    card = cards(papers)[0]
    await student.slash(papers, "subscribe", keyword="splatting")
    await student.click(card, label="👍")
    await student.click(card, label="🔖 Save")
    asked = await student.slash(papers, "forget-me")
    assert asked.ephemeral and asked.response.content.startswith("This deletes everything Paperboy keeps about you")
    done = await student.click(asked.response, label="Erase all my data")
    assert answer(done).content == ("Done: Paperboy no longer keeps anything about you (1 subscriptions, "
                                    "1 👍 / 👎, 1 saved papers deleted).")
    store = env.bot.store
    assert await store.subscriptions(student.id) == []
    assert await store.member_feedback(student.id) == {} and await store.saved_papers(student.id) == []
    assert (await store.feedback_counts("2405.60001"))["up"] == 0
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", entries("7", 2))
    await env.bot.run_digest()
    assert student.user.dm_channel is None or student.user.dm_channel.history() == []


async def test_saved_papers_are_listed_privately_paged_and_exported_as_bibtex_and_ris(simcord_env,
                                                                                      posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 7))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await env.bot.run_digest()
    assert (await student.slash(papers, "saved")).response.content == (
        "You have no saved papers yet: click 🔖 Save under any paper.")
    shown = cards(papers)
    for card in shown:
        said = await student.click(card, label="🔖 Save")
        assert said.ephemeral and said.response.content.startswith("🔖 Saved **Paper 6-")
    unsaved = await student.click(shown[6], label="🔖 Save")  # a second click takes it out again
    assert unsaved.response.content == f"Removed **{shown[6].embeds[0].title}** from your saved papers."
    newest_first = [c.embeds[0].title for c in reversed(shown[:6])]

    def titles(embed) -> list[str]:  # type: ignore[no-untyped-def]
        return [t for t in newest_first if t in embed.description]

    listed = await student.slash(papers, "saved")
    assert listed.ephemeral
    page = listed.response.embeds[0]
    assert page.title == "Your saved papers" and page.footer.text.startswith("Page 1/2 · 6 papers")
    assert titles(page) == newest_first[:5]
    assert page.description.index(newest_first[0]) < page.description.index(newest_first[4])  # latest first
    turned = await student.click(listed.response, label="Next ▶")
    assert titles(answer(turned).embeds[0]) == newest_first[5:]
    assert (await admin.slash(papers, "saved")).response.content.startswith("You have no saved papers")  # theirs

    bib = await student.slash(papers, "saved", export="bibtex")
    assert bib.ephemeral and bib.response.content == "Your 6 saved papers as BibTeX."
    (file,) = bib.response.attachments
    text = (await file.read()).decode()
    assert file.filename == "paperboy-saved.bib" and text.count("@misc{") == 6
    assert "  author = {Lovelace, Ada and Turing, Alan},\n" in text and "  eprint = {2405.60001},\n" in text
    ris = await student.slash(papers, "saved", export="ris")
    (file,) = ris.response.attachments
    records = (await file.read()).decode().split("ER  - ")
    assert file.filename == "paperboy-saved.ris" and len(records) == 7  # six, and what follows the last
    assert records[0].startswith("TY  - UNPB\r\nTI  - ") and "\r\nAU  - Lovelace, Ada\r\n" in records[0]


SPLATS = "We splat Gaussians faster."  # entries()'s default abstract mentions benchmarks: not these
SURVEY = Entry("2405.80001", "A Survey of Gaussian Splatting", abstract=SPLATS)
BENCH = Entry("2405.80002", "GS-Bench", abstract="We present a new BENCHMARK for splatting.")
REVIEW = Entry("2405.80003", "Splatting, reviewed", abstract=SPLATS, summary="本文是关于高斯泼溅的综述。")
PLAIN = Entry("2405.80004", "Faster Gaussian Splatting", abstract=SPLATS)


async def test_exclusions_leave_papers_out_of_dms_and_feeds_and_refuse_to_exclude_everything(
        simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()  # the topic is known
    said = await student.slash(papers, "subscribe", topic="3DGS", exclude="survey, Benchmark, 综述")
    assert said.response.content.endswith("Papers mentioning `survey`, `Benchmark`, `综述` are left out. Note: this "
                                          "leaves out the 1 paper it would have got in the last 7 days.")
    refused = await student.slash(papers, "subscribe", keyword="gaussian splatting", exclude="gaussian")
    assert refused.response.content == (
        "That would leave out everything: every paper matching keyword **gaussian splatting** mentions "
        "**gaussian**, which you exclude. Nothing changed; exclude narrower words.")
    assert [s.label() for s in await env.bot.store.subscriptions(student.id)] == ["topic: 3DGS"]
    short = await student.slash(papers, "subscribe", topic="3DGS", exclude="x, survey")
    assert short.response.content.startswith("Each exclusion needs at least 2 characters (**x** is too short)")
    listed = (await student.slash(papers, "subscriptions")).response.embeds[0].description
    assert "• topic: **3DGS** · without: survey, Benchmark, 综述" in listed  # unchanged by the refusals
    await admin.slash(papers, "subscribe", topic="3DGS")  # no exclusions: gets everything
    added = await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards", exclude="SURVEY")
    assert added.response.content.endswith("\nPapers mentioning `SURVEY` are left out.")
    everything = await admin.slash(papers, "feed add", channel=papers, topic="3DGS", keywords="splatting",
                                   exclude="splat")
    assert everything.response.content.startswith("That would leave out everything: every paper matching "
                                                  "keywords: `splatting` mentions **splat**")
    await env.bot.run_digest()  # the feed's first delivery

    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [SURVEY, BENCH, REVIEW, PLAIN])
    await env.bot.run_digest()
    (dm,) = student.user.dm_channel.history()
    assert [e.title for e in dm.embeds] == ["Faster Gaussian Splatting"]  # a lone paper: its full card
    (full,) = admin.user.dm_channel.history()
    assert len(full.embeds) == 4
    posted = [m.embeds[0].title for m in cards(papers) if "2024-05-07" in (m.embeds[0].footer.text or "")]
    assert sorted(posted) == ["Faster Gaussian Splatting", "GS-Bench", "Splatting, reviewed"]

    cleared = await admin.slash(papers, "feed edit", channel=papers, topic="3DGS", exclude="-")
    assert cleared.response.content.endswith("No exclusions any more.")
    write_kedreamix(posts_dir, "3DGS", "2024-05-08", [Entry("2405.80005", "Another survey of splats", abstract=SPLATS)])
    await env.bot.run_digest()
    assert "Another survey of splats" in [m.embeds[0].title for m in cards(papers)]
    assert len(student.user.dm_channel.history()) == 1  # still left out of the member's DMs


def nerf(n: int, day: int) -> Entry:
    return Entry(f"2405.9{day}{n:03d}", f"Neural radiance fields for scene {n}",
                 abstract="We fit a neural radiance field with volume rendering of density and colour.",
                 summary="本文用神经辐射场和体渲染重建场景。")


def splat(n: int, day: int) -> Entry:
    return Entry(f"2405.8{day}{n:03d}", f"Gaussian splatting for scene {n}",
                 abstract="We rasterize anisotropic 3D Gaussians with splatting in real time.",
                 summary="本文用三维高斯泼溅实时光栅化场景。")


async def test_thumbs_on_nerf_papers_put_nerf_first_in_the_next_dm_and_in_foryou(simcord_env,
                                                                                 posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [splat(1, 1), splat(2, 1)])
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", [nerf(1, 1), nerf(2, 1)])
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    for topic in ("3DGS", "NeRF"):
        await admin.slash(papers, "feed add", channel=papers, topic=topic, style="cards")
        for member in (student, admin):
            await member.slash(papers, "subscribe", topic=topic)
    await env.bot.run_digest()
    by_title = {m.embeds[0].title: m for m in cards(papers)}
    cold = await student.slash(papers, "foryou")  # nothing rated yet: the days as they came
    assert cold.response.embeds[0].title.startswith("Papers since 2024-04-30, newest first")
    await student.click(by_title["Neural radiance fields for scene 1"], label="👍")
    await student.click(by_title["Neural radiance fields for scene 2"], label="👍")
    await student.click(by_title["Gaussian splatting for scene 1"], label="👎")

    # The next day lists 3DGS first in its files; the member who liked NeRF gets NeRF first, and why.
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [splat(n, 2) for n in (1, 2, 3)])
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", [nerf(n, 2) for n in (1, 2, 3)])
    await env.bot.run_digest()
    (dm,) = [m for m in student.user.dm_channel.history() if "2024-05-07" in str(m.embeds[0].footer.text)]
    titles = [e.title.split(". ", 1)[1] for e in dm.embeds]
    assert titles[:3] == [f"Neural radiance fields for scene {n}" for n in (1, 2, 3)]
    assert dm.content.startswith("📬 **6 new papers** for your subscriptions: **NeRF** · 3 papers · **3DGS**")
    assert "💡 why: like “Neural radiance fields for scene" in dm.embeds[0].description
    assert "💡" not in dm.embeds[3].description  # a 3DGS paper is like nothing they liked
    # Cold start: the member who rated nothing keeps the day's order.
    (plain,) = [m for m in admin.user.dm_channel.history() if "2024-05-07" in str(m.embeds[0].footer.text)]
    assert [e.title.split(". ", 1)[1] for e in plain.embeds][:3] == [
        f"Gaussian splatting for scene {n}" for n in (1, 2, 3)]

    foryou = await student.slash(papers, "foryou")
    assert foryou.ephemeral
    page = foryou.response.embeds[0]
    assert page.title == "For you: papers since 2024-05-01, the ones you would like first"
    firsts = [line for line in page.description.split("\n") if line.startswith("**")]
    assert ["Neural" in line for line in firsts] == [True, True, True, False, False]  # rated ones left out
    assert page.footer.text.startswith("Page 1/2 · 7 papers")
    assert "💡 why: like “Neural radiance fields for scene" in page.description


async def test_not_interested_in_a_topic_puts_its_papers_last_in_the_next_dm(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [splat(1, 1)])
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", [nerf(1, 1)])
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    for topic in ("3DGS", "NeRF"):
        await admin.slash(papers, "feed add", channel=papers, topic=topic, style="cards")
        await student.slash(papers, "subscribe", topic=topic)
    await env.bot.run_digest()
    card = next(m for m in cards(papers) if m.embeds[0].title == "Gaussian splatting for scene 1")
    said = await student.click(card, label="🙈 Not interested")
    assert said.ephemeral and said.response.content == (
        "🙈 Noted: papers of **3DGS** come last in your DMs and `/foryou` from now on.\n"
        "This paper so far: 👍 0 · 👎 0 (only counts are shown, never who).")
    assert (await student.click(card, label="🙈 Not interested")).response.content.startswith("Took back your 🙈")
    await student.click(card, label="🙈 Not interested")

    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [splat(n, 2) for n in (1, 2)])
    write_kedreamix(posts_dir, "NeRF", "2024-05-07", [nerf(n, 2) for n in (1, 2)])
    await env.bot.run_digest()
    (dm,) = [m for m in student.user.dm_channel.history() if "2024-05-07" in str(m.embeds[0].footer.text)]
    assert dm.content.startswith("📬 **4 new papers** for your subscriptions: **NeRF** · 2 papers · **3DGS**")
    assert [e.title.split(". ", 1)[1] for e in dm.embeds][2:] == ["Gaussian splatting for scene 1",
                                                                   "Gaussian splatting for scene 2"]
