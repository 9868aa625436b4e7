"""The source watchdog through SimCord: the real bot with its scheduler, a server with an alert
channel, a source that fails (its folder vanishes) and one that goes quiet (the clock moves on).
Each raises one alert; the source's return brings one "caught up"; a failed cycle is retried
with backoff by a one-off scheduler job."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.app import RETRY_JOB
from jobs.config import Config
from tests.engines import SQLITE_ONLY
from tests.postgen import entries, write_kedreamix

# The bot runs its scheduler here. On PostgreSQL the scheduler checks its leader lock every few seconds over a
# real connection, which SimCord's virtual clock cannot fast-forward ("did not settle"); the leader on
# PostgreSQL is tested on real processes (tests/test_roles.py).
pytestmark = SQLITE_ONLY

# Far past the real clock: the scheduler's one-off retry jobs wait rather than fire during the test.
START = datetime(2031, 3, 7, 9, 0, tzinfo=UTC)  # a Friday, after the 08:30 UTC run
MIN = timedelta(minutes=1)


def weekdays_before(day: date, n: int) -> list[date]:
    out, d = [], day
    while len(out) < n:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            out.append(d)
    return out[::-1]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def watched_config(config: Config) -> Config:
    config.schedule.time = "08:30"
    config.schedule.timezone = "UTC"
    return config


@pytest.fixture
def simcord_bot(make_bot, watched_config: Config, posts_dir: Path, clock: Clock):  # type: ignore[no-untyped-def]
    # A source that posts every weekday, up to yesterday.
    for n, day in enumerate(weekdays_before(START.date(), 10), start=10):
        write_kedreamix(posts_dir, "3DGS", day.isoformat(), entries(str(n), 2))
    bot = make_bot(watched_config, scheduler=True)  # starts the scheduler and runs a catch-up cycle
    bot.clock = clock
    return bot


def setup_guild(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild(name="Lab")
    ops = guild.create_text_channel("ops")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    student = guild.add_member(env.create_user("student"))
    return guild, ops, admin, student


async def started(env):  # type: ignore[no-untyped-def]
    await env.settle()
    await env.bot._startup  # the catch-up cycle the bot runs on start
    return setup_guild(env)


def lines(channel) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.content for m in channel.history()]


def retry_at(bot) -> datetime | None:  # type: ignore[no-untyped-def]
    job = bot.scheduler.get_job(RETRY_JOB)
    return None if job is None else job.next_run_time.astimezone(UTC)


async def test_a_failing_source_alerts_once_retries_with_backoff_and_catches_up_once(
        simcord_env, posts_dir: Path, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    env = simcord_env
    bot = env.bot
    _, ops, admin, _ = await started(env)
    assert bot.scheduler.running and retry_at(bot) is None  # the catch-up cycle went well
    result = await admin.slash(ops, "settings alerts", channel=ops)
    assert result.ephemeral and "Alerts go to" in result.response.content

    hidden = posts_dir.with_name("posts-gone")
    posts_dir.rename(hidden)  # the source's folder vanishes
    caplog.clear()
    with caplog.at_level(logging.INFO):
        summary = await bot.run_digest(trigger="schedule")
    await env.settle()
    assert summary.failed
    # The log says it too, and sums the cycle up in one line (with its figures as fields, for JSON logs).
    assert any(r.levelno == logging.WARNING and r.getMessage().startswith("watchdog: Source local is failing")
               for r in caplog.records)
    [line] = [r for r in caplog.records if r.name == "bot.digest"]
    assert re.fullmatch(r"cycle \d+ \(schedule\) \d+\.\d s: sources 0/1 ok, failed: local; 0 new papers; "
                        r"0 feeds; messages 1 sent; DMs 0 to 0 members", line.getMessage())
    assert line.sources_failed == ["local"] and line.messages_sent == 1  # type: ignore[attr-defined]
    assert len(lines(ops)) == 1
    assert lines(ops)[0].startswith("⚠️ Source local is failing: ")
    assert retry_at(bot) == START + 15 * MIN

    clock.now = START + 15 * MIN  # the retry job runs (what the scheduler calls), still failing
    await bot.retry_digest()
    assert retry_at(bot) == clock.now + 60 * MIN
    clock.now += 60 * MIN
    await bot.retry_digest()
    assert retry_at(bot) == clock.now + 180 * MIN
    await env.settle()
    assert len(lines(ops)) == 1  # one alert for the whole outage

    hidden.rename(posts_dir)  # back, with a new post
    write_kedreamix(posts_dir, "3DGS", START.date().isoformat(), entries("90", 3))
    clock.now += 180 * MIN
    await bot.retry_digest()
    await env.settle()
    assert lines(ops)[1].startswith("✅ Source local caught up: 3 papers")
    assert retry_at(bot) is None

    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert len(lines(ops)) == 2


async def test_a_source_that_goes_quiet_alerts_once_and_catches_up_once(
        simcord_env, posts_dir: Path, clock: Clock) -> None:
    env = simcord_env
    bot = env.bot
    _, ops, admin, _ = await started(env)
    await admin.slash(ops, "settings alerts", channel=ops)

    clock.now = START + timedelta(days=3)  # Monday: Friday's post may still come; not late yet
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert lines(ops) == []

    clock.now = START + timedelta(days=6)  # Thursday: Friday, Monday, Tuesday, Wednesday missed
    summary = await bot.run_digest(trigger="schedule")
    await env.settle()
    assert lines(ops) == ["⚠️ Source local has gone quiet: no new post for 4 weekdays (last 2031-03-06; posts "
                          "every weekday)\nPaperboy keeps trying; `/status` shows every source. You will hear "
                          "once when it catches up."]
    assert not summary.failed and retry_at(bot) is None  # quiet is not a failure: nothing to retry

    clock.now += timedelta(days=1)
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert len(lines(ops)) == 1

    write_kedreamix(posts_dir, "3DGS", clock.now.date().isoformat(), entries("91", 4))
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert len(lines(ops)) == 2 and lines(ops)[1].startswith("✅ Source local caught up: 4 papers")
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert len(lines(ops)) == 2


async def test_a_server_without_an_alert_channel_hears_nothing_and_alerts_stop_when_turned_off(
        simcord_env, posts_dir: Path, clock: Clock) -> None:
    env = simcord_env
    bot = env.bot
    _guild, ops, admin, _ = await started(env)
    await admin.slash(ops, "settings alerts", channel=ops)
    off = await admin.slash(ops, "settings alerts")
    assert off.response.content.startswith(f"Alerts are off for this server (they went to {ops.mention})")
    shutil.rmtree(posts_dir)
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert lines(ops) == []
    assert await bot.store.pending() == []


async def test_settings_and_status_are_for_manage_server(simcord_env, clock: Clock) -> None:
    env = simcord_env
    guild, ops, admin, student = await started(env)
    commands = {c.name: c for c in await env.bot.tree.fetch_commands()}
    for name, run in (("status", "status"), ("settings", "settings alerts")):
        assert run not in student.available_commands(ops)
        guild.set_command_permissions(commands[name], {student: True})
        refused = await student.slash(ops, run, **({"channel": ops} if name == "settings" else {}))
        assert refused.ephemeral
        assert refused.response.content == f"You need the **Manage Server** permission to use `/{name}`."
    assert await env.bot.store.alert_channel(guild.id) is None

    shown = await admin.slash(ops, "status")
    assert shown.ephemeral
    embed = shown.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert list(fields) == ["Sources", "Schedule", "Deliveries", "Paused feeds", "Database"]
    assert fields["Sources"].startswith("local: last success ")
    assert "newest post 2031-03-06" in fields["Sources"]
    assert "next run 2031-03-08 08:30 UTC" in fields["Schedule"]
    assert fields["Paused feeds"] == "none"


async def test_the_configured_tolerance_decides_when_a_source_is_late(
        simcord_env, watched_config: Config, clock: Clock) -> None:
    env = simcord_env
    _, ops, admin, _ = await started(env)
    await admin.slash(ops, "settings alerts", channel=ops)
    watched_config.watchdog.missed_weekdays = 5  # the bot reads its config object on each cycle
    clock.now = START + timedelta(days=6)  # 4 weekdays missed: late by default, not with 5
    await env.bot.run_digest(trigger="schedule")
    await env.settle()
    assert lines(ops) == []
    clock.now = START + timedelta(days=7)
    await env.bot.run_digest(trigger="schedule")
    await env.settle()
    assert [line.split(" (")[0] for line in lines(ops)] == ["⚠️ Source local has gone quiet: no new post for 5 weekdays"]


async def test_the_scheduler_runs_the_retry_job_when_it_is_due(simcord_env, posts_dir: Path,
                                                               watched_config: Config) -> None:
    env = simcord_env
    bot = env.bot
    await started(env)
    bot.clock = lambda: datetime.now(UTC)  # this test lets the real scheduler fire the job, on real time
    # The next scheduled run a day away, whatever the hour: retries come before it.
    watched_config.schedule.time = (datetime.now(UTC) - 60 * MIN).strftime("%H:%M")
    posts_dir.rename(posts_dir.with_name("gone"))
    before = datetime.now(UTC)
    await bot.run_digest(trigger="schedule")
    first = retry_at(bot)
    assert first is not None and before + 15 * MIN <= first <= datetime.now(UTC) + 15 * MIN
    bot.scheduler.modify_job(RETRY_JOB, next_run_time=datetime.now(UTC))  # due now
    for _ in range(200):  # the job runs on the bot's loop: the retry cycle fails again, the next waits an hour
        await asyncio.sleep(0.05)
        again = retry_at(bot)
        if again is not None and again > first:
            break
    assert again is not None and again - datetime.now(UTC) > 55 * MIN
    assert (await bot.store.source_health())[0].failures == 2


async def test_setting_alerts_during_an_outage_announces_it_once_and_a_change_of_cause_once_more(
        simcord_env, posts_dir: Path, clock: Clock) -> None:
    env = simcord_env
    bot = env.bot
    _, ops, admin, _ = await started(env)
    hidden = posts_dir.with_name("posts-gone")
    posts_dir.rename(hidden)  # the source fails while no server has an alert channel
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert lines(ops) == []

    result = await admin.slash(ops, "settings alerts", channel=ops)
    assert result.ephemeral and "Alerts go to" in result.response.content
    await env.settle()
    assert len(lines(ops)) == 1 and lines(ops)[0].startswith("⚠️ Source local is failing: ")
    await admin.slash(ops, "settings alerts", channel=ops)  # the same channel again: nothing new to say
    clock.now = START + 15 * MIN
    await bot.run_digest(trigger="schedule")  # still failing: the outage was announced
    await env.settle()
    assert len(lines(ops)) == 1

    hidden.rename(posts_dir)  # readable again, but no post since Thursday: the cause is now quiet
    clock.now = START + timedelta(days=6)
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert len(lines(ops)) == 2 and lines(ops)[1].startswith("⚠️ Source local has gone quiet: no new post for ")
    clock.now += timedelta(hours=1)
    await bot.run_digest(trigger="schedule")
    await env.settle()
    assert len(lines(ops)) == 2
