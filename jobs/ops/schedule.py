"""The daily digest schedule: an APScheduler cron job, and the catch-up rule for missed runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

JOB_ID = "daily-digest"


def _hour_minute(time: str) -> tuple[int, int]:
    hour, minute = time.split(":")
    return int(hour), int(minute)


def last_scheduled(now: datetime, time: str, timezone: str) -> datetime:
    """The most recent moment (<= now) the daily job was due."""
    tz = ZoneInfo(timezone)
    hour, minute = _hour_minute(time)
    local = now.astimezone(tz)
    due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due > local:
        due -= timedelta(days=1)
    return due


def next_scheduled(now: datetime, time: str, timezone: str) -> datetime:
    """The next moment (> now) the daily job is due; by the local calendar, so a DST change keeps the hour."""
    tz = ZoneInfo(timezone)
    hour, minute = _hour_minute(time)
    day = last_scheduled(now, time, timezone).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def missed_run(last_completed: datetime | None, now: datetime, time: str, timezone: str) -> bool:
    """True when the bot was down at the last scheduled time: no cycle completed since then."""
    if last_completed is None:
        return True
    return last_completed < last_scheduled(now, time, timezone)


def make_scheduler(job: Callable[[], Awaitable[object]], time: str, timezone: str) -> AsyncIOScheduler:
    """A scheduler (not started) that runs `job` daily; never two at once, missed runs coalesced."""
    hour, minute = _hour_minute(time)
    scheduler = AsyncIOScheduler(timezone=ZoneInfo(timezone))
    scheduler.add_job(
        job,
        CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(timezone)),
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
        replace_existing=True,
    )
    return scheduler
