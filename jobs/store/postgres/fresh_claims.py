"""The outbox rows this process claimed a moment ago on PostgreSQL (claims.py), and until when their leases
hold for certain, so that a send starting soon after its claim needs no round trip to learn that the row is
still its claimer's (a round trip and a commit a message were most of a sender's time).

Until when: the moment the claim was sent plus its lease. The server set lease_until from its own clock
when it ran the claim, which is later, and the claim's commit is durable (a server crash keeps it), so no
other sender can take the row before then: a claim takes only rows whose lease has run out. Only a claim
sets it; a renewal (whose lease may be shorter) can only bring it forward.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

# A row's claim is fresh while less than this part of its lease has passed: a send starting then has at
# least 5/6 of a lease before any other sender could take the row (begin_send's renewal gave it one lease).
FRESH = 1 / 6


class FreshClaims:
    def __init__(self) -> None:
        self._until: dict[tuple[str, int], float] = {}  # (claimer, outbox id) -> time.monotonic()

    def claimed(self, claimer: str, ids: Iterable[int], asked_at: float, lease: float) -> None:
        """`claimer`'s claim of `ids`, sent at `asked_at` (time.monotonic()) for `lease` s, has committed."""
        now = time.monotonic()
        for key in [k for k, until in self._until.items() if until <= now]:
            del self._until[key]
        for outbox_id in ids:
            self._until[(claimer, outbox_id)] = asked_at + lease

    def renewed(self, claimer: str, ids: Iterable[int], asked_at: float, lease: float) -> None:
        """A renewal of `ids` sent at `asked_at` for `lease` s committed: a shorter lease than the claim's counts."""
        for outbox_id in ids:
            key = (claimer, outbox_id)
            if key in self._until:
                self._until[key] = min(self._until[key], asked_at + lease)

    def take(self, claimer: str, outbox_id: int, lease: float) -> bool:
        """Whether `claimer` claimed the row so recently that its lease holds (1 - FRESH) x `lease` s more;
        once a row (a second try of it asks the database)."""
        until = self._until.pop((claimer, outbox_id), None)
        return until is not None and until - time.monotonic() >= lease * (1 - FRESH)

    def forget(self, ids: Iterable[int] = (), claimer: str | None = None) -> None:
        """The rows' claims ended here (sent, failed, given back): `ids`, or every row of `claimer`."""
        gone = set(ids)
        for key in [k for k in self._until if k[1] in gone or k[0] == claimer]:
            del self._until[key]
