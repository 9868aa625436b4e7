"""A member's DM schedule from /subscriptions (dms:, time:, timezone:, frequency:, weekday:) and /away: the
replies, in the member's language. What each setting means is jobs/dm_schedule.py's."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from discord import app_commands

from jobs.dm_schedule import DmSchedule, parse_hour, parse_until, zone
from jobs.present.i18n import t
from jobs.store.areas import DmScheduleArea

DMS = [app_commands.Choice(name="pause", value="pause"), app_commands.Choice(name="resume", value="resume")]
FREQUENCY = [app_commands.Choice(name="daily", value="daily"), app_commands.Choice(name="weekly", value="weekly")]
WEEKDAYS = [app_commands.Choice(name=name, value=n) for n, name in
            enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))]


def weekday_name(n: int, lang: str) -> str:
    return t("weekdays", lang).split(",")[n]


def schedule_line(s: DmSchedule, lang: str) -> str:
    """The member's schedule in one line, for /subscriptions."""
    when = t("schedule.cycle", lang) if s.hour is None else t("schedule.at", lang, hour=f"{s.hour:02d}:00",
                                                                 timezone=s.timezone)
    if s.frequency == "weekly":
        when = t("schedule.weekly", lang, day=weekday_name(s.weekday, lang), when=when)
    line = "📅 " + t("schedule.line", lang, when=when)
    if s.paused:
        line += " · " + t("schedule.paused_short", lang)
    if s.away_until:
        line += " · " + t("away.short", lang, until=s.away_until, n=s.catchup)
    return line


async def set_schedule(store: DmScheduleArea, user_id: int, lang: str, *, dms: str | None, time: str | None,
                       timezone: str | None, frequency: str | None, weekday: int | None) -> str:
    """Apply what was given, all or nothing: the reply (a refusal changes nothing)."""
    s = await store.dm_schedule(user_id)
    if time is not None:
        hour = parse_hour(time)
        if hour == "":
            return t("schedule.bad_time", lang, time=time[:20].replace("`", "'"))
        s = replace(s, hour=hour if isinstance(hour, int) else None)
    if timezone is not None:
        found = zone(timezone)
        if found is None:
            return t("schedule.bad_timezone", lang, timezone=timezone[:40].replace("`", "'"))
        s = replace(s, timezone=found.key)
    if frequency is not None:
        s = replace(s, frequency=frequency)
    if weekday is not None:
        s = replace(s, weekday=weekday, frequency="weekly" if frequency is None else s.frequency)
    lines = []
    if dms == "pause":
        s = replace(s, paused=True)
        lines.append(t("schedule.paused", lang))
    elif dms == "resume":
        s = replace(s, paused=False)
        lines.append(t("schedule.resumed", lang))
    await store.set_dm_schedule(s)
    if any(x is not None for x in (time, timezone, frequency, weekday)):
        lines.append(schedule_line(replace(s, paused=False, away_until=None), lang))
    return "\n".join(lines)


async def set_away(store: DmScheduleArea, user_id: int, until: str, catchup: int | None, now: datetime,
                   lang: str) -> str:
    """/away: away until a date (nothing sent before it, one catch-up DM on it), or back now ("-")."""
    s = await store.dm_schedule(user_id)
    if until.strip() == "-":
        if s.away_until is None:
            return t("away.not_away", lang)
        await store.set_dm_schedule(replace(s, away_until=now.astimezone(s.zone()).date().isoformat()))
        return t("away.back", lang)
    day = parse_until(until, now.astimezone(s.zone()).date())
    if isinstance(day, str):
        return t(f"away.bad_{day}", lang, until=until[:20].replace("`", "'"))
    n = catchup or s.catchup
    await store.set_dm_schedule(replace(s, away_from=s.away_from or now.astimezone(s.zone()).date().isoformat(),
                                        away_until=day.isoformat(), catchup=n))
    return t("away.set", lang, until=day.isoformat(), n=n)
