"""The source watchdog: rhythms learnt from hand-written histories, lateness, one alert per outage,
one caught-up after it, and the retry backoff."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.ops.watchdog import (
    Alert,
    CaughtUp,
    Tolerance,
    WatchState,
    late_reason,
    learn_rhythm,
    next_retry,
    observe,
)

UTC_TZ = "UTC"


def weekdays(start: date, end: date, skip: set[date] = frozenset()) -> list[date]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5 and d not in skip]


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# A daily-arXiv-like source: every weekday of April–May 2024 except 1 May (a holiday).
WEEKDAY_HISTORY = weekdays(date(2024, 4, 1), date(2024, 5, 10), skip={date(2024, 5, 1)})  # last: Fri 10 May
# A Kedreamix-like source: most days, weekends included, with a few longer breaks.
IRREGULAR_HISTORY = sorted(
    {date(2024, 4, 1) + timedelta(days=i) for i in range(40)} - {date(2024, 4, d) for d in (6, 13, 14, 22, 27, 28)}
)  # last: Fri 10 May
WEEKLY_HISTORY = [date(2024, 3, 4) + timedelta(weeks=i) for i in range(10)]  # Mondays; last: Mon 6 May


def test_weekday_source_is_recognised_despite_a_holiday() -> None:
    rhythm = learn_rhythm(WEEKDAY_HISTORY)
    assert rhythm.kind == "weekdays"
    assert rhythm.describe() == "posts every weekday"


def test_weekly_monday_source_is_not_mistaken_for_a_weekday_source() -> None:
    rhythm = learn_rhythm(WEEKLY_HISTORY)
    assert (rhythm.kind, rhythm.usual_gap) == ("gap", timedelta(days=7))


def test_irregular_source_takes_a_robust_percentile_of_its_gaps() -> None:
    rhythm = learn_rhythm(IRREGULAR_HISTORY)
    # Mostly daily with a few 2- and 3-day breaks: the usual gap is a day, not the longest break.
    assert (rhythm.kind, rhythm.usual_gap) == ("gap", timedelta(days=1))


def test_history_order_repeats_and_datetimes_do_not_matter() -> None:
    shuffled = list(reversed(WEEKDAY_HISTORY)) + WEEKDAY_HISTORY[:5]
    as_datetimes = [at(d, 7) for d in WEEKDAY_HISTORY]
    assert learn_rhythm(shuffled) == learn_rhythm(as_datetimes) == learn_rhythm(WEEKDAY_HISTORY)


def test_a_source_with_little_or_no_history_is_young() -> None:
    assert learn_rhythm([]).kind == "young"
    assert learn_rhythm(WEEKDAY_HISTORY[-4:]).kind == "young"
    assert late_reason([], at(date(2024, 6, 1)), UTC_TZ) is None  # never posted: nothing to miss yet


def test_young_source_is_late_after_the_young_allowance() -> None:
    history = [date(2024, 5, 1), date(2024, 5, 2)]
    assert late_reason(history, at(date(2024, 5, 9)), UTC_TZ) is None  # 7 days: allowed
    reason = late_reason(history, at(date(2024, 5, 10)), UTC_TZ)
    assert reason == "no new post for 8 days (last 2024-05-02; too new to have a rhythm)"


@pytest.mark.parametrize(
    ("today", "late"),
    [
        (date(2024, 5, 11), False),  # Saturday after Friday's post
        (date(2024, 5, 13), False),  # Monday: the weekend is not missed
        (date(2024, 5, 15), False),  # Wednesday: Mon, Tue missed
        (date(2024, 5, 16), True),  # Thursday: Mon, Tue, Wed missed
    ],
)
def test_weekday_source_late_after_three_missed_weekdays(today: date, late: bool) -> None:
    reason = late_reason(WEEKDAY_HISTORY, at(today), UTC_TZ)
    assert (reason is not None) == late
    if late:
        assert reason == "no new post for 3 weekdays (last 2024-05-10; posts every weekday)"


def test_weekday_tolerance_is_configurable() -> None:
    strict = Tolerance(missed_weekdays=1)
    assert late_reason(WEEKDAY_HISTORY, at(date(2024, 5, 13)), UTC_TZ, strict) is None
    assert late_reason(WEEKDAY_HISTORY, at(date(2024, 5, 14)), UTC_TZ, strict) is not None


def test_weekly_source_late_after_three_of_its_weeks() -> None:
    last = WEEKLY_HISTORY[-1]
    assert late_reason(WEEKLY_HISTORY, at(last + timedelta(days=21)), UTC_TZ) is None
    reason = late_reason(WEEKLY_HISTORY, at(last + timedelta(days=22)), UTC_TZ)
    assert reason == "no new post for 22 days (last 2024-05-06; posts about every 7 days)"


def test_irregular_daily_source_gets_the_floor_not_a_hair_trigger() -> None:
    last = IRREGULAR_HISTORY[-1]
    assert late_reason(IRREGULAR_HISTORY, at(last + timedelta(days=3)), UTC_TZ) is None
    assert late_reason(IRREGULAR_HISTORY, at(last + timedelta(days=4)), UTC_TZ) is not None
    # With a factor of 1 the floor (2 days) decides.
    tight = Tolerance(gap_factor=1)
    assert late_reason(IRREGULAR_HISTORY, at(last + timedelta(days=2)), UTC_TZ, tight) is None
    assert late_reason(IRREGULAR_HISTORY, at(last + timedelta(days=3)), UTC_TZ, tight) is not None


def test_only_the_recent_window_sets_the_rhythm() -> None:
    # A source that posted weekly for a year, then daily for two months, is a daily source now.
    old = [date(2023, 1, 2) + timedelta(weeks=i) for i in range(52)]
    recent = [date(2024, 1, 1) + timedelta(days=i) for i in range(60)]
    assert learn_rhythm(old + recent).usual_gap == timedelta(days=1)


def test_days_are_counted_in_the_schedule_timezone() -> None:
    # Thursday 16 May 01:00 in Shanghai is still Wednesday 15 May 17:00 UTC.
    instant = datetime(2024, 5, 15, 17, 0, tzinfo=UTC)
    assert late_reason(WEEKDAY_HISTORY, instant, UTC_TZ) is None
    assert late_reason(WEEKDAY_HISTORY, instant, "Asia/Shanghai") is not None
    # Any aware instant works, whatever zone it carries.
    assert late_reason(WEEKDAY_HISTORY, instant.astimezone(timezone(timedelta(hours=-7))), "Asia/Shanghai")


# ---- alerts -------------------------------------------------------------------------------------

T0 = datetime(2024, 5, 13, 0, 30, tzinfo=UTC)


def test_failure_alerts_once_then_caught_up_once() -> None:
    state = WatchState()
    state, event = observe(state, "kedreamix", error="HTTP 503", late=None, new_papers=0, now=T0)
    assert event == Alert("kedreamix", "failed", "HTTP 503")
    assert event.text() == "Source kedreamix is failing: HTTP 503"
    for hours in (1, 2, 3):
        state, event = observe(state, "kedreamix", error="HTTP 503", late=None, new_papers=0,
                               now=T0 + timedelta(hours=hours))
        assert event is None
    state, event = observe(state, "kedreamix", error=None, late=None, new_papers=12, now=T0 + timedelta(days=1))
    assert event == CaughtUp("kedreamix", 12, T0)
    assert event.text() == "Source kedreamix caught up: 12 papers (alerting since 2024-05-13 00:30 UTC)"
    assert state == WatchState()
    state, event = observe(state, "kedreamix", error=None, late=None, new_papers=3, now=T0 + timedelta(days=2))
    assert event is None


def test_a_change_of_cause_is_announced_once_and_every_paper_is_counted() -> None:
    state, event = observe(WatchState(), "daily", error=None, late="no new post for 3 weekdays", new_papers=0,
                           now=T0)
    assert isinstance(event, Alert) and event.cause == "late"
    assert event.text() == "Source daily has gone quiet: no new post for 3 weekdays"
    # Now it also fails: one more alert, for the new cause, and /status sees the current reason.
    state, event = observe(state, "daily", error="timeout", late="no new post for 4 weekdays", new_papers=0,
                           now=T0 + timedelta(days=1))
    assert event == Alert("daily", "failed", "timeout") and (state.cause, state.reason) == ("failed", "timeout")
    state, event = observe(state, "daily", error="timeout", late=None, new_papers=0, now=T0 + timedelta(days=1))
    assert event is None  # still failing: nothing new to say
    # A backfilled old post arrives while still late: counted, not yet caught up; quiet was said already.
    state, event = observe(state, "daily", error=None, late="no new post for 4 weekdays", new_papers=1,
                           now=T0 + timedelta(days=1, hours=1))
    assert event is None and state.papers == 1 and state.cause == "late"
    state, event = observe(state, "daily", error="timeout", late=None, new_papers=0,
                           now=T0 + timedelta(days=1, hours=2))
    assert event is None  # flapping between causes says each once per outage
    state, event = observe(state, "daily", error=None, late=None, new_papers=40, now=T0 + timedelta(days=2))
    assert event == CaughtUp("daily", 41, T0)
    # The next outage starts afresh.
    state, event = observe(state, "daily", error="timeout", late=None, new_papers=0, now=T0 + timedelta(days=3))
    assert event == Alert("daily", "failed", "timeout")


def test_a_state_stored_before_causes_were_kept_does_not_repeat_its_alert() -> None:
    old = WatchState.from_json('{"alerting": true, "cause": "failed", "reason": "x", "papers": 0, '
                               '"since": "2024-05-13T00:30:00+00:00"}')
    assert old.announced == ["failed"]
    _, event = observe(old, "s", error="x", late=None, new_papers=0, now=T0)
    assert event is None


def test_caught_up_text_says_one_paper() -> None:
    assert CaughtUp("s", 1, T0).text().startswith("Source s caught up: 1 paper (")


def test_state_round_trips_through_json_and_keeps_unknown_keys() -> None:
    state, _ = observe(WatchState(), "s", error="boom", late=None, new_papers=0, now=T0)
    state.papers = 4
    assert WatchState.from_json(state.to_json()) == state
    assert WatchState.from_json(None) == WatchState()
    newer = WatchState.from_json('{"alerting": false, "papers": 0, "muted_until": "2024-06-01"}')
    assert '"muted_until": "2024-06-01"' in newer.to_json()


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", '{"alerting": "yes"}', '{"since": "yesterday"}'])
def test_unreadable_state_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="unreadable watchdog state"):
        WatchState.from_json(text)


checks = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(["HTTP 500", "timeout"])),
        st.one_of(st.none(), st.just("no new post for 3 weekdays")),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=40,
)


@given(checks)
def test_one_alert_per_outage_and_caught_up_only_after_an_alert(sequence: list[tuple[str | None, str | None, int]]
                                                               ) -> None:
    state, events, said = WatchState(), [], set()
    for i, (error, late, papers) in enumerate(sequence):
        before = state.alerting
        state, event = observe(state, "s", error=error, late=late, new_papers=papers, now=T0 + timedelta(hours=i))
        new_cause = state.alerting and state.cause not in said
        said = said | {state.cause} if state.alerting else set()
        # Something is said exactly when the outage flag flips, or a cause not yet said in this outage comes.
        assert (event is not None) == (state.alerting != before or new_cause)
        if event is not None:
            events.append(event)
        # The state survives the store at every step.
        assert WatchState.from_json(state.to_json()) == state
    # Outages: one to two alerts (one per cause), then one caught-up.
    kinds = "".join("A" if isinstance(e, Alert) else "C" for e in events)
    assert re.fullmatch(r"(?:AA?C)*(?:AA?)?", kinds), kinds
    assert state.alerting == kinds.endswith("A")


@given(checks)
def test_caught_up_counts_every_paper_since_its_alert(sequence: list[tuple[str | None, str | None, int]]) -> None:
    state, counted = WatchState(), None
    for i, (error, late, papers) in enumerate(sequence):
        was_alerting = state.alerting
        state, event = observe(state, "s", error=error, late=late, new_papers=papers, now=T0 + timedelta(hours=i))
        if isinstance(event, Alert) and not was_alerting:
            counted = 0
        elif was_alerting:
            counted += papers
        if isinstance(event, CaughtUp):
            assert event.papers == counted


# ---- retries ------------------------------------------------------------------------------------

NEXT_RUN = T0 + timedelta(days=1)


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(1, timedelta(minutes=15)), (2, timedelta(hours=1)), (3, timedelta(hours=3)), (4, timedelta(hours=3)),
     (9, timedelta(hours=3))],
)
def test_retry_backs_off_15_min_1_h_then_every_3_h(failures: int, delay: timedelta) -> None:
    assert next_retry(failures, T0, NEXT_RUN) == T0 + delay


def test_no_retry_when_nothing_failed_or_the_scheduled_run_comes_first() -> None:
    assert next_retry(0, T0, NEXT_RUN) is None
    assert next_retry(3, NEXT_RUN - timedelta(hours=2), NEXT_RUN) is None
    assert next_retry(1, NEXT_RUN - timedelta(minutes=15), NEXT_RUN) is None  # a tie goes to the schedule
    assert next_retry(1, NEXT_RUN - timedelta(minutes=16), NEXT_RUN) == NEXT_RUN - timedelta(minutes=1)


@given(st.integers(min_value=1, max_value=100), st.integers(min_value=0, max_value=48 * 60))
def test_retries_never_pass_the_next_run_and_never_shrink(failures: int, minutes_left: int) -> None:
    nxt = T0 + timedelta(minutes=minutes_left)
    at = next_retry(failures, T0, nxt)
    assert at is None or T0 < at < nxt
    later = next_retry(failures + 1, T0, T0 + timedelta(days=3))
    assert later - T0 >= next_retry(failures, T0, T0 + timedelta(days=3)) - T0


histories = st.lists(st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 6, 30)), max_size=70)


@given(histories, st.integers(min_value=0, max_value=60), st.integers(min_value=1, max_value=30))
def test_once_late_a_silent_source_stays_late(history: list[date], offset: int, more: int) -> None:
    now = at(date(2024, 6, 30) + timedelta(days=offset))
    if late_reason(history, now, UTC_TZ) is not None:
        assert late_reason(history, now + timedelta(days=more), UTC_TZ) is not None

