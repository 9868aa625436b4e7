"""What the bot is doing, read from its database: the content of `python -m bot status` and `/status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jobs.config import Config
from jobs.records import SourceHealth
from jobs.schedule import next_scheduled
from jobs.source_watch import retry_plan
from jobs.store import Store
from jobs.watchdog import WatchState


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
    database: Path = Path()
    database_bytes: int = 0

    def when(self, moment: datetime | None) -> str:
        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"

    def sections(self, channel: str = "<#{}>") -> list[tuple[str, list[str]]]:
        """(title, lines) in order: the CLI prints them, /status puts each in an embed field.
        `channel` formats a channel id: a mention in Discord, plain words in a terminal."""
        sources = []
        for line in self.sources:
            s = line.health
            head = f"{s.name}: last success {self.when(s.last_success)}; newest post {s.last_post or 'none'}"
            if s.failures:
                head += f"; {s.failures} failed run{'s' if s.failures != 1 else ''} in a row"
                head += (f", next retry {self.when(line.next_retry)}" if line.next_retry
                         else ", retried at the next run")
            sources.append(head)
            if s.last_error and s.failures:
                sources.append(f"  error: {s.last_error}")
            if line.alert:
                sources.append(f"  ⚠ {line.alert}")
        schedule = [f"last cycle completed {self.when(self.last_cycle)}", f"next run {self.when(self.next_run)}"]
        if self.retry_at:
            schedule.append(f"retry of a failed cycle {self.when(self.retry_at)}")
        outbox = [f"{self.outbox.get('pending', 0)} pending, {self.outbox.get('failed', 0)} failed, "
                  f"{self.outbox.get('sent', 0)} sent (kept 30 days)"]
        paused = [f"{channel.format(cid)} {topic}: {reason}" for cid, topic, reason in self.paused] or ["none"]
        size = [f"{self.database} · {self.database_bytes / 1_000_000:.1f} MB"]
        return [("Sources", sources or ["none configured"]), ("Schedule", schedule), ("Deliveries", outbox),
                ("Paused feeds", paused), ("Database", size)]

    def text(self) -> str:
        sections = self.sections(channel="channel {}")
        return "\n".join(f"{title}\n" + "\n".join(f"  {line}" for line in lines) for title, lines in sections)


def database_bytes(path: Path) -> int:
    """The file and its write-ahead log: what the disk holds."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


async def gather_status(store: Store, config: Config, now: datetime) -> Status:
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
                  paused, Path(config.database_path), database_bytes(Path(config.database_path)))
