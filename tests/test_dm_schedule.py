"""A member's DM schedule through SimCord, on both engines (issue 22 item 5, issue 18 item 4): their day's DM
at the hour they chose, in their timezone, one a day; /away until a date, then ONE ranked catch-up DM of the
best N they missed; /subscriptions dms: pause | resume; a weekly DM. The bot's clock is set by the test; the
hourly check is the scheduler's job (`bot.hourly`), run here when the test's hour comes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.config import Config
from jobs.dm_schedule import DmSchedule
from tests.conftest import make_config
from tests.postgen import write_kedreamix
from tests.test_feed_style import cards, setup_guild
from tests.test_signal import nerf, splat


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return make_config(tmp_path, database_url=store_url)


def at(day: int, hour: int) -> datetime:
    return datetime(2024, 5, day, hour, tzinfo=UTC)


def dms(member) -> list:  # type: ignore[no-untyped-def]
    return member.user.dm_channel.history() if member.user.dm_channel else []


async def test_the_days_dm_comes_at_the_members_hour_in_their_timezone_once(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [splat(1, 1)])
    _, papers, admin, student = setup_guild(env)
    env.bot.clock = lambda: at(6, 7)
    await env.bot.run_digest()
    for member in (student, admin):
        await member.slash(papers, "subscribe", topic="3DGS")
    refused = await student.slash(papers, "subscriptions", time="08:30")
    assert refused.response.content.startswith("`08:30` is not a whole hour: give one like `08:00` or `20`")
    unknown = await student.slash(papers, "subscriptions", time="18:00", timezone="Mars/Olympus")
    assert unknown.response.content.startswith("`Mars/Olympus` is not a timezone Paperboy knows")
    assert (await env.bot.store.dm_schedule(student.id)).hour is None  # nothing changed
    said = await student.slash(papers, "subscriptions", time="18:00", timezone="europe/berlin")
    assert said.response.content == "📅 Your DM comes at 18:00 (Europe/Berlin)."
    listed = (await student.slash(papers, "subscriptions")).response.embeds[0].description
    assert listed.endswith("📅 Your DM comes at 18:00 (Europe/Berlin).")

    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [splat(n, 2) for n in (1, 2, 3)])
    env.bot.clock = lambda: at(7, 7)
    await env.bot.run_digest()  # the cycle: the member who chose nothing gets theirs now
    assert len(dms(admin)) == 1 and dms(student) == []
    for hour in (8, 12, 15):  # 18:00 in Berlin is 16:00 UTC in May
        env.bot.clock = lambda hour=hour: at(7, hour)
        await env.bot.hourly()
        assert dms(student) == [], hour
    env.bot.clock = lambda: at(7, 16)
    await env.bot.hourly()
    (dm,) = dms(student)
    assert dm.content.startswith("📬 **3 new papers** for your subscriptions: **3DGS** · 3 papers")
    for hour in (17, 23):
        env.bot.clock = lambda hour=hour: at(7, hour)
        await env.bot.hourly()
    env.bot.clock = lambda: at(8, 16)
    await env.bot.hourly()
    assert len(dms(student)) == 1  # one DM a day, nothing twice


async def test_away_then_back_gives_one_catch_up_dm_of_the_best_they_missed(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [splat(1, 1)])
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", [nerf(1, 1), nerf(2, 1)])
    _, papers, admin, student = setup_guild(env)
    env.bot.clock = lambda: at(6, 7)
    await env.bot.run_digest()
    for topic in ("3DGS", "NeRF"):
        await admin.slash(papers, "feed add", channel=papers, topic=topic, style="cards")
        await student.slash(papers, "subscribe", topic=topic)
    await env.bot.run_digest()
    by_title = {m.embeds[0].title: m for m in cards(papers)}
    for n in (1, 2):
        await student.click(by_title[f"Neural radiance fields for scene {n}"], label="👍")
    await student.click(by_title["Gaussian splatting for scene 1"], label="👎")
    before = len(dms(student))

    for text, said in [("5 January", "`5 January` is not a date: give one like `2026-01-05`"),
                       ("2024-05-06", "2024-05-06 is not in the future"),
                       ("2026-05-06", "2026-05-06 is more than a year away")]:
        assert (await student.slash(papers, "away", until=text)).response.content.startswith(said)
    away = await student.slash(papers, "away", until="2024-05-10", catchup=3)
    assert away.response.content.startswith("🏖️ Away until 2024-05-10: no DMs before then. That day, one DM brings "
                                            "the 3 papers you would like most")
    for day in (7, 8, 9):  # three days of 3DGS and NeRF while away: 12 papers, no DM
        write_kedreamix(posts_dir, "3DGS", f"2024-05-0{day}", [splat(n, day) for n in (1, 2)])
        write_kedreamix(posts_dir, "NeRF", f"2024-05-0{day}", [nerf(n, day) for n in (1, 2)])
        env.bot.clock = lambda day=day: at(day, 7)
        await env.bot.run_digest()
        await env.bot.hourly()
    assert len(dms(student)) == before

    env.bot.clock = lambda: at(10, 0)
    await env.bot.hourly()  # the day they come back
    (catchup,) = dms(student)[before:]
    assert catchup.content.startswith("🏖️ Welcome back: 12 papers matched your subscriptions while you were away; "
                                      "the 3 you would like most:\n📬 **3 new papers**")
    assert all("Neural radiance fields" in e.title for e in catchup.embeds)  # their own ranking chose them
    env.bot.clock = lambda: at(10, 7)
    await env.bot.run_digest()
    await env.bot.hourly()
    assert len(dms(student)) == before + 1  # one catch-up, not hundreds of messages
    listed = (await student.slash(papers, "subscriptions")).response.embeds[0].description
    assert "away" not in listed


async def test_paused_dms_keep_nothing_and_a_weekly_dm_brings_the_week_at_once(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", [splat(1, 1)])
    _, papers, admin, student = setup_guild(env)
    env.bot.clock = lambda: at(6, 7)  # a Monday
    await env.bot.run_digest()
    await student.slash(papers, "subscribe", topic="3DGS")
    await admin.slash(papers, "subscribe", topic="3DGS")
    paused = await student.slash(papers, "subscriptions", dms="pause")
    assert paused.response.content.startswith("⏸️ Your DMs are paused: nothing is sent, and papers matched "
                                              "meanwhile are not kept.")
    write_kedreamix(posts_dir, "3DGS", "2024-05-07", [splat(n, 2) for n in (1, 2)])
    env.bot.clock = lambda: at(7, 7)
    await env.bot.run_digest()
    assert dms(student) == []
    resumed = await student.slash(papers, "subscriptions", dms="resume")
    assert resumed.response.content == "▶️ Your DMs are on again."
    await env.bot.hourly()
    assert dms(student) == []  # what matched while paused was not kept

    weekly = await student.slash(papers, "subscriptions", weekday=4)  # Friday; weekly follows
    assert weekly.response.content == "📅 Your DM comes once a week, on Friday when the day's papers arrive."
    for day in (8, 9):  # Wednesday, Thursday
        write_kedreamix(posts_dir, "3DGS", f"2024-05-0{day}", [splat(n, day) for n in (1, 2)])
        env.bot.clock = lambda day=day: at(day, 7)
        await env.bot.run_digest()
    assert dms(student) == [] and len(dms(admin)) == 3
    write_kedreamix(posts_dir, "3DGS", "2024-05-10", [splat(n, 0) for n in (1, 2)])
    env.bot.clock = lambda: at(10, 7)  # Friday's cycle
    await env.bot.run_digest()
    (week,) = dms(student)
    assert week.content.startswith("📬 **6 new papers** for your subscriptions: **3DGS** · 6 papers")

    asked = await student.slash(papers, "forget-me")  # the schedule goes with everything else
    await student.click(asked.response, label="Erase all my data")
    assert await env.bot.store.dm_schedule(student.id) == DmSchedule(student.id)
