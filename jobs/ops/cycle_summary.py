"""One log line per digest cycle, for an operator scanning the log and (as fields) for a collector."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class CycleFigures:
    cycle_id: int
    trigger: str  # "schedule", "startup", "retry", "command:<user id>"
    duration: float  # seconds
    sources_ok: int = 0
    sources_failed: list[str] = field(default_factory=list)  # names
    new_papers: int = 0
    feeds: int = 0
    messages_sent: int = 0  # channel posts and DMs alike: every outbox row sent
    messages_failed: int = 0
    dm_messages: int = 0  # DMs queued by this cycle's subscriptions fan-out
    dm_members: int = 0

    def fields(self) -> dict[str, Any]:
        """The figures, for `log.info(line, extra=...)` in JSON logs (no name clashes with LogRecord's)."""
        return asdict(self)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def cycle_summary_line(f: CycleFigures) -> str:
    """e.g. `cycle 42 (schedule) 12.3 s: sources 1/2 ok, failed: kedreamix; 37 new papers; 5 feeds;
    messages 40 sent, 2 failed; DMs 12 to 4 members`."""
    total = f.sources_ok + len(f.sources_failed)
    sources = f"sources {f.sources_ok}/{total} ok"
    if f.sources_failed:
        sources += f", failed: {', '.join(f.sources_failed)}"
    messages = f"messages {f.messages_sent} sent" + (f", {f.messages_failed} failed" if f.messages_failed else "")
    return "; ".join([
        f"cycle {f.cycle_id} ({f.trigger}) {f.duration:.1f} s: {sources}",
        _n(f.new_papers, "new paper"),
        _n(f.feeds, "feed"),
        messages,
        f"DMs {f.dm_messages} to {_n(f.dm_members, 'member')}",
    ])
