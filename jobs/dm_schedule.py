"""When a member's DM goes out (issue 22 item 5, issue 18 item 4), as small rules with no discord and no SQL:
the DM fan-out (jobs/plan/dms.py) asks these.

- A member who chose nothing gets their day's DM when the day's papers come (the cycle), as before.
- `hour`: their day's DM goes out at that hour, in their `timezone` (IANA; UTC unless they name one): the
  papers matched at the cycle are held (table dm_held) until then. One DM a day.
- `weekly`: held all week, sent on `weekday` (0 Monday) at their hour (at 00:00 when none was chosen, that
  is with the first cycle or hourly check of that day).
- `paused`: nothing is sent, and nothing matched meanwhile is kept; what was already held goes out at the
  first due time after `resume`.
- `away_until` (a date): nothing is sent before that day (in their timezone); what matched meanwhile is
  held, and on return ONE catch-up DM shows the `catchup` papers they would like most (their own ranking,
  else the day's), saying how many matched in all.

A member's DM is due when the latest due time (`last_slot`) is at or after the oldest paper held for them:
stateless, so a missed hourly check (the bot was down) sends at the next one, and never twice (sent papers
leave dm_held in the transaction that queues them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FREQUENCIES = ("daily", "weekly")
DEFAULT_CATCHUP = 10
MAX_CATCHUP = 50  # papers a catch-up DM may show (ten pages)
MAX_AWAY_DAYS = 366


@dataclass(frozen=True, slots=True)
class DmSchedule:
    user_id: int
    hour: int | None = None  # 0-23 in `timezone`; None: when the day's papers come
    timezone: str = "UTC"
    frequency: str = "daily"  # one of FREQUENCIES
    weekday: int = 0  # weekly: 0 Monday … 6 Sunday
    paused: bool = False
    away_from: str | None = None  # YYYY-MM-DD, for the catch-up's words
    away_until: str | None = None  # YYYY-MM-DD: the day DMs start again
    catchup: int = DEFAULT_CATCHUP  # papers the catch-up DM shows

    @property
    def immediate(self) -> bool:
        """Sent at the cycle, as members who chose nothing are: nothing is held."""
        return (self.hour is None and self.frequency == "daily" and not self.paused
                and self.away_until is None)

    def zone(self) -> ZoneInfo:
        return zone(self.timezone) or ZoneInfo("UTC")

    def away(self, now: datetime) -> bool:
        """Before the day they come back, in their timezone."""
        if self.away_until is None:
            return False
        return now.astimezone(self.zone()).date() < date.fromisoformat(self.away_until)

    def returning(self, now: datetime) -> bool:
        """Back from being away, the catch-up not sent yet."""
        return self.away_until is not None and not self.away(now)

    def last_slot(self, now: datetime) -> datetime:
        """The latest moment at or before `now` this member's DM was due."""
        local = now.astimezone(self.zone())
        slot = local.replace(hour=self.hour or 0, minute=0, second=0, microsecond=0)
        if slot > local:
            slot -= timedelta(days=1)
        if self.frequency == "weekly":
            slot -= timedelta(days=(slot.weekday() - self.weekday) % 7)
        return slot

    def due(self, oldest_held: datetime, now: datetime) -> bool:
        """Whether the papers held since `oldest_held` go out now."""
        if self.paused or self.away(now):
            return False
        if self.immediate:  # held before the member went back to "when the papers come"
            return True
        return self.last_slot(now) >= oldest_held


def zone(name: str) -> ZoneInfo | None:
    """The IANA timezone named (any case: "europe/berlin" is Europe/Berlin), or None."""
    name = name.strip()
    if not name or ("/" not in name and name.upper() not in ("UTC", "GMT")):
        return None
    wanted = {z.casefold(): z for z in available_timezones()}.get(name.casefold())
    if wanted is None:
        return None
    try:
        return ZoneInfo(wanted)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_hour(text: str) -> int | str | None:
    """"8", "08", "8:00", "08:00" or "20:00" -> the hour; "-" -> None (when the papers come); anything
    else -> "" (refused: whole hours only)."""
    text = text.strip()
    if text == "-":
        return None
    hour, _, minutes = text.partition(":")
    if not hour.isdigit() or (minutes and minutes != "00") or not 0 <= int(hour) <= 23:
        return ""
    return int(hour)


def parse_until(text: str, today: date) -> date | str:
    """The day a member comes back ("2026-01-05"), or why not: "format", "past" or "far"."""
    try:
        until = date.fromisoformat(text.strip())
    except ValueError:
        return "format"
    if until <= today:
        return "past"
    if until > today + timedelta(days=MAX_AWAY_DAYS):
        return "far"
    return until
