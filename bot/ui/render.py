"""Text lines around the paper embeds: a feed's header and closing line; the watchdog's alerts."""

from __future__ import annotations

from typing import Any

from jobs.records import ALL_TOPICS


def _date_span(dates: list[str]) -> str:
    if not dates:
        return ""
    return dates[0] if len(dates) == 1 else f"{dates[0]} – {dates[-1]}"


def header_line(h: dict[str, Any]) -> str:
    topics = h.get("topics") or []
    if h.get("feed_topic") == ALL_TOPICS:
        name = ", ".join(topics[:6]) + (f" +{len(topics) - 6}" if len(topics) > 6 else "")
    else:
        name = h.get("feed_topic", "")
    count = h.get("count", 0)
    noun = "paper" if count == 1 else "papers"
    return f"📰 **{name}** · {_date_span(h.get('dates', []))} · {count} new {noun}"


def footer_line(f: dict[str, Any]) -> str:
    more, topic = f.get("more", 0), f.get("feed_topic", "")
    noun = "paper" if more == 1 else "papers"
    latest = "`/latest`" if topic == ALL_TOPICS else f"`/latest topic:{topic}`"
    return (f"…and {more} more {noun} not shown (this feed posts at most {f.get('shown', 0)} a day). "
            f"See them with {latest} or `/search`.")


def alert_line(a: dict[str, Any]) -> str:
    """A watchdog event, as the outbox keeps it: {"event": "alert" | "caught_up", "text": ...}."""
    if a.get("event") == "caught_up":
        return f"✅ {a.get('text', '')}"
    return (f"⚠️ {a.get('text', '')}\nPaperboy keeps trying; `/status` shows every source. "
            "You will hear once when it catches up.")
