"""Privacy for members who leave (issue 22): the feedback a member gave in a server is deleted DEPARTED_DAYS
after they left it, unless they came back meanwhile. The gateway records departures and returns
(bot/cogs/signal.py), each full cycle sweeps (bot/digest.py). Feedback given in DMs or in other servers they
are still in stays; `/forget-me` deletes everything at once."""

from __future__ import annotations

from datetime import datetime, timedelta

DEPARTED_DAYS = 30


def sweep_before(now: datetime) -> datetime:
    """Departures before this are swept."""
    return now - timedelta(days=DEPARTED_DAYS)
