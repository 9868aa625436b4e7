"""Is the bot keeping to its schedule? The verdict behind `python -m bot health` (pure: the CLI reads
the times from the store and exits 0 or 1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jobs.ops.schedule import last_scheduled, missed_run

DEFAULT_GRACE = timedelta(hours=1)


def _when(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def health_verdict(last_completed_cycle_at: datetime | None, schedule_time: str, timezone: str, now: datetime,
                   grace: timedelta = DEFAULT_GRACE, since: datetime | None = None) -> tuple[bool, str]:
    """(ok, reason). Healthy when every run due more than `grace` ago has been followed by a completed
    cycle: the run due at T may take until T + grace. That is `missed_run` judged at now - grace.

    A database with no completed cycle yet is healthy until `since` + grace, `since` being when the
    database was created (the bot runs a catch-up cycle on start, so a new one soon has a cycle);
    with no `since` known it is unhealthy.
    """
    if last_completed_cycle_at is None:
        if since is not None and now <= since + grace:
            return True, f"starting: no cycle yet, database created {_when(since, timezone)}"
        if since is not None:
            return False, f"no cycle has completed since the database was created {_when(since, timezone)}"
        return False, "no cycle has ever completed"
    if missed_run(last_completed_cycle_at, now - grace, schedule_time, timezone):
        due = last_scheduled(now - grace, schedule_time, timezone)
        return False, (f"no cycle completed since the run due {_when(due, timezone)} "
                       f"(last completed {_when(last_completed_cycle_at, timezone)})")
    return True, f"last cycle completed {_when(last_completed_cycle_at, timezone)}"
