"""What the bot is doing, read from its database: the content of `python -m bot status` and `/status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from jobs.config import Config
from jobs.ops.schedule import next_scheduled
from jobs.ops.source_watch import retry_plan
from jobs.ops.watchdog import WatchState
from jobs.present.i18n import t
from jobs.records import SourceHealth
from jobs.store.areas import FeedsArea, MetaArea, WatchArea


@dataclass(slots=True)
class SourceLine:
    health: SourceHealth  # as the store records it
    alert: str | None  # the watchdog's alert, while it lasts
    next_retry: datetime | None


@dataclass(slots=True)
class Status:
    timezone: str
    sources: list[SourceLine]
    last_cycle: datetime | None
    next_run: datetime
    retry_at: datetime | None
    outbox: dict[str, int]
    paused: list[tuple[int, str, str]] = field(default_factory=list)  # (channel id, topic, reason)
    database: Path | str = Path()  # the file, or a server's URL without its password
    database_bytes: int | None = 0  # None: a server's (its size is the server's to tell)

    def when(self, moment: datetime | None, lang: str = "en") -> str:
        return (moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M %Z") if moment
                else t("status.never", lang))

    def sections(self, channel: str = "<#{}>", lang: str = "en") -> list[tuple[str, list[str]]]:
        """(title, lines) in order, in `lang` (a catalogue language): the CLI prints them, /status puts
        each in an embed field. `channel` formats a channel id: a mention in Discord, plain words in a
        terminal. Errors and reasons stay as recorded (English)."""
        def when(moment: datetime | None) -> str:
            return self.when(moment, lang)

        none = t("status.none", lang)
        sources = []
        for line in self.sources:
            s = line.health
            head = t("status.source", lang, name=s.name, when=when(s.last_success), post=s.last_post or none)
            if s.failures:
                head += t("status.failures", lang, n=s.failures)
                head += (t("status.next_retry", lang, when=when(line.next_retry)) if line.next_retry
                         else t("status.retry_at_run", lang))
            sources.append(head)
            if s.last_error and s.failures:
                sources.append("  " + t("status.error", lang, error=s.last_error))
            if line.alert:
                sources.append(f"  ⚠ {line.alert}")
        schedule = [t("status.last_cycle", lang, when=when(self.last_cycle)),
                    t("status.next_run", lang, when=when(self.next_run))]
        if self.retry_at:
            schedule.append(t("status.retry_cycle", lang, when=when(self.retry_at)))
        outbox = [t("status.outbox", lang, pending=self.outbox.get("pending", 0), failed=self.outbox.get("failed", 0),
                    sent=self.outbox.get("sent", 0))]
        paused = [f"{channel.format(cid)} {topic}: {reason}" for cid, topic, reason in self.paused] or [none]
        size = [f"{self.database}" + (f" · {self.database_bytes / 1_000_000:.1f} MB"
                                      if self.database_bytes is not None else "")]
        return [(t("status.sources", lang), sources or [t("status.none_configured", lang)]),
                (t("status.schedule", lang), schedule), (t("status.deliveries", lang), outbox),
                (t("status.paused", lang), paused), (t("status.database", lang), size)]

    def text(self) -> str:
        sections = self.sections(channel="channel {}")
        return "\n".join(f"{title}\n" + "\n".join(f"  {line}" for line in lines) for title, lines in sections)


def database_bytes(path: Path) -> int:
    """The file and its write-ahead log: what the disk holds."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


class StatusReads(FeedsArea, WatchArea, MetaArea, Protocol):
    """The store areas /status and `status` read: cycles, feeds and the outbox; the sources; the retry plan."""


async def gather_status(store: StatusReads, config: Config, now: datetime) -> Status:
    sched = config.schedule
    plan = await retry_plan(store)
    retry_at = plan.at if plan.at and plan.at > now else None
    rows = {row.name: row for row in await store.source_health()}
    sources = []
    for cfg in config.sources:
        row = rows.get(cfg.name)
        if row is None:  # configured, never run
            sources.append(SourceLine(SourceHealth(cfg.name, None, None, 0, None, None), None, None))
            continue
        try:
            watch = WatchState.from_json(row.watch)
        except ValueError:
            watch = WatchState()
        sources.append(SourceLine(row, watch.reason if watch.alerting else None,
                                  retry_at if row.failures else None))
    paused = [(f.channel_id, f.topic, f.paused_reason) for f in await store.feeds() if f.paused_reason]
    return Status(sched.timezone, sources, await store.last_completed_cycle(),
                  next_scheduled(now, sched.time, sched.timezone), retry_at, await store.outbox_counts(),
                  paused, *_database(config))


def _database(config: Config) -> tuple[Path | str, int | None]:
    where = config.database()
    if where.path is None:
        return where.shown, None
    return Path(where.path), database_bytes(Path(where.path))
