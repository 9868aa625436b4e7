"""The health verdict: on schedule, late beyond the grace, a new database, timezones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobs.ops.health import health_verdict

SHANGHAI = "Asia/Shanghai"
# The schedule: 08:30 Shanghai, which is 00:30 UTC.
DUE = datetime(2024, 5, 6, 0, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("last", "now", "ok"),
    [
        (DUE + timedelta(minutes=5), DUE + timedelta(hours=20), True),  # today's run done
        (DUE - timedelta(hours=20), DUE + timedelta(minutes=30), True),  # today's run may still be going
        (DUE - timedelta(hours=20), DUE + HOUR - timedelta(seconds=1), True),  # the grace's last moment
        (DUE - timedelta(hours=20), DUE + HOUR, False),  # today's run is overdue
        (DUE - timedelta(days=2), DUE + timedelta(minutes=30), False),  # yesterday's run never finished
        (DUE + timedelta(minutes=5), DUE + timedelta(days=1, minutes=59), True),  # next day, within grace
    ],
)
def test_healthy_while_each_run_finishes_within_its_grace(last: datetime, now: datetime, ok: bool) -> None:
    assert health_verdict(last, "08:30", SHANGHAI, now, HOUR)[0] is ok


def test_reasons_name_the_times_in_the_schedule_timezone() -> None:
    ok, reason = health_verdict(DUE + timedelta(minutes=5), "08:30", SHANGHAI, DUE + 3 * HOUR, HOUR)
    assert (ok, reason) == (True, "last cycle completed 2024-05-06 08:35 CST")
    ok, reason = health_verdict(DUE - timedelta(days=2), "08:30", SHANGHAI, DUE + 2 * HOUR, HOUR)
    assert (ok, reason) == (False, "no cycle completed since the run due 2024-05-06 08:30 CST "
                                   "(last completed 2024-05-04 08:30 CST)")


def test_a_new_database_is_healthy_only_for_the_grace_after_it_was_made() -> None:
    created = DUE + timedelta(hours=5)
    assert health_verdict(None, "08:30", SHANGHAI, created + timedelta(minutes=10), HOUR, since=created) == (
        True, "starting: no cycle yet, database created 2024-05-06 13:30 CST")
    assert health_verdict(None, "08:30", SHANGHAI, created + 2 * HOUR, HOUR, since=created) == (
        False, "no cycle has completed since the database was created 2024-05-06 13:30 CST")
    assert health_verdict(None, "08:30", SHANGHAI, created, HOUR) == (False, "no cycle has ever completed")


def test_a_cycle_from_the_grace_window_of_an_earlier_day_does_not_count_for_today() -> None:
    # Finished just before today's run was due: today's run still has to happen.
    last = DUE - timedelta(minutes=1)
    assert health_verdict(last, "08:30", SHANGHAI, DUE + HOUR - timedelta(minutes=1), HOUR)[0] is True
    assert health_verdict(last, "08:30", SHANGHAI, DUE + 2 * HOUR, HOUR)[0] is False


def test_a_zero_grace_is_the_catch_up_rule_itself() -> None:
    assert health_verdict(DUE - timedelta(minutes=1), "08:30", SHANGHAI, DUE, timedelta(0))[0] is False
    assert health_verdict(DUE, "08:30", SHANGHAI, DUE, timedelta(0))[0] is True


def test_the_schedule_keeps_its_local_time_across_a_daylight_saving_change() -> None:
    # Berlin moved to summer time on 31 March 2024: 08:30 was 07:30 UTC the day before, 06:30 UTC that day.
    last = datetime(2024, 3, 30, 7, 35, tzinfo=UTC)
    assert health_verdict(last, "08:30", "Europe/Berlin", datetime(2024, 3, 31, 7, 29, tzinfo=UTC), HOUR)[0]
    ok, reason = health_verdict(last, "08:30", "Europe/Berlin", datetime(2024, 3, 31, 7, 31, tzinfo=UTC), HOUR)
    assert (ok, reason) == (False, "no cycle completed since the run due 2024-03-31 08:30 CEST "
                                   "(last completed 2024-03-30 08:35 CET)")
