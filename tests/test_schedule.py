"""The daily schedule and the catch-up rule, and a bot that was down at digest time catching up."""

from __future__ import annotations

import inspect
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import simcord

from bot.app import RETRY_JOB
from jobs.ops.schedule import JOB_ID, last_scheduled, make_scheduler, missed_run
from tests.conftest import make_config
from tests.engines import SQLITE_ONLY, open_store, run_sql
from tests.postgen import entries, write_kedreamix

SHANGHAI = "Asia/Shanghai"
# The bot's own scheduler runs in these: on PostgreSQL its leader lock is checked every few seconds over a real
# connection, which SimCord's virtual clock cannot fast-forward; the leader on PostgreSQL is tested on real
# processes (tests/test_roles.py).
SCHEDULER_ON_SQLITE = SQLITE_ONLY


def test_last_scheduled_is_in_the_configured_timezone() -> None:
    # 08:30 in Shanghai is 00:30 UTC.
    now = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)
    assert last_scheduled(now, "08:30", SHANGHAI) == datetime(2024, 5, 6, 0, 30, tzinfo=UTC)
    before = datetime(2024, 5, 6, 0, 10, tzinfo=UTC)
    assert last_scheduled(before, "08:30", SHANGHAI) == datetime(2024, 5, 5, 0, 30, tzinfo=UTC)


def test_missed_run_judged_from_last_completed_cycle() -> None:
    now = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)
    assert missed_run(None, now, "08:30", SHANGHAI)  # never ran
    assert missed_run(datetime(2024, 5, 5, 23, 0, tzinfo=UTC), now, "08:30", SHANGHAI)  # down at 00:30
    assert not missed_run(datetime(2024, 5, 6, 0, 31, tzinfo=UTC), now, "08:30", SHANGHAI)


async def test_scheduler_runs_daily_never_two_at_once() -> None:
    async def job() -> None: ...

    scheduler = make_scheduler(job, "08:30", SHANGHAI)
    job_ = scheduler.get_job(JOB_ID)
    assert job_.max_instances == 1 and job_.coalesce is True
    fields = {f.name: str(f) for f in job_.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("8", "30")
    assert str(job_.trigger.timezone) == SHANGHAI


@SCHEDULER_ON_SQLITE
async def test_bot_that_missed_its_run_catches_up_on_start(tmp_path: Path, make_bot) -> None:
    config = make_config(tmp_path)
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 2))
    async with simcord.run(make_bot(config, scheduler=True)) as env:
        await env.settle()
        # No cycle had ever completed, so one ran on start; the scheduler is waiting for tomorrow.
        assert await env.bot.store.last_completed_cycle() is not None
        assert (await env.bot.store.counts())["papers"] == 2
        assert env.bot.scheduler.running
        job = env.bot.scheduler.get_job(JOB_ID)
        assert inspect.iscoroutinefunction(job.func)  # awaited on the bot's loop, not run in a thread
        await job.func()  # what the scheduler does at 08:00: a full cycle
        assert (await env.bot.store.counts())["papers"] == 2

    # Restarted the same day after the run: no second catch-up.
    async with simcord.run(make_bot(config, scheduler=True)) as env:
        await env.settle()
        async with env.bot.store.db.execute("SELECT trigger FROM cycles ORDER BY id") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["catch-up", "schedule"]


@SCHEDULER_ON_SQLITE
async def test_commands_are_synced_again_for_a_new_application_on_the_same_database(tmp_path: Path,
                                                                                   make_bot) -> None:
    config = make_config(tmp_path)
    async with simcord.run(make_bot(config)) as env:
        syncs = [r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
        assert len(syncs) == 1
    async with simcord.run(make_bot(config)) as env:  # a fresh Discord: nothing registered there
        guild = env.create_guild(name="Lab")
        channel = guild.create_text_channel("general")
        alice = guild.add_member(env.create_user("alice"))
        assert (await alice.slash(channel, "topics")).response is not None


@SCHEDULER_ON_SQLITE
async def test_a_failed_start_up_delivery_is_said_and_the_schedule_starts_with_a_retry(
    tmp_path: Path, make_bot, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path)
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 2))
    async with await open_store(config.database().url):
        pass  # made and migrated
    await run_sql(config, "DROP TABLE outbox")  # half restored: every send and every plan fails

    with caplog.at_level(logging.ERROR):
        async with simcord.run(make_bot(config, scheduler=True)) as env:
            await env.settle()
            await env.bot._startup
            said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
            # Before: nothing was said, and the bot ran on with no schedule at all.
            assert any(m.startswith("the delivery at start failed") for m in said), said
            assert any(m.startswith("the catch-up digest cycle failed") for m in said), said
            assert env.bot.scheduler is not None and env.bot.scheduler.running
            assert env.bot.scheduler.get_job(RETRY_JOB) is not None  # the catch-up is retried with the backoff
