"""The watchdog's events as alerts: one outbox row per server with an alert channel, for each event."""

from __future__ import annotations

from collections.abc import Sequence

from jobs.messages import AlertMessage
from jobs.ops.watchdog import Alert, CaughtUp
from jobs.store.areas import WatchArea


def alert_message(event: Alert | CaughtUp) -> AlertMessage:
    """The English text and its parts: each server's alert reads in its own language (bot/ui/render.py)."""
    kind = "alert" if isinstance(event, Alert) else "caught_up"
    return AlertMessage(event=kind, text=event.text(), **event.parts())


async def plan_alerts(store: WatchArea, cycle_id: int, events: Sequence[Alert | CaughtUp]) -> int:
    """Queue every event for every alert channel; how many rows."""
    return sum([await store.plan_alerts(cycle_id, alert_message(event)) for event in events])
