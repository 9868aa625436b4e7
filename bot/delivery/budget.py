"""The bot token's request budget as one sender spends it: Discord allows a bot 50 requests a second, across
every process, so every sender reserves its requests in one bucket the store keeps (take_send_budget).

A sender reserves a few requests a round trip, not one: the bucket grants `batch` requests taken together
exactly as it would grant them taken one by one at that instant (the i-th of n may go (n - i) / rate before
the last), so the senders together stay under the bound while a message costs a fifth of a round trip."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Requests reserved a round trip: the bucket's burst, so a quiet bucket hands them out at once.
BATCH = 5
# A reserved request not made within this long after its time is dropped, not made late: requests saved up
# would otherwise go out together on top of the bucket's own burst.
STALE_S = 0.5


@dataclass(frozen=True, slots=True)
class Budget:
    """The bot token's requests a second, shared by every sender (Discord's global limit is 50/s): at 45/s
    with 5 saved up at most, no second ever holds more than 50, however many senders share it."""

    rate: float = 45.0
    burst: float = 5.0


BUDGET = Budget()

Take = Callable[[int, float, float], Awaitable[float]]  # (requests, rate, burst) -> seconds to wait


class Reservations:
    """One sender's reserved requests: when each may go (monotonic clock), spent in order."""

    def __init__(self, take: Take, budget: Budget = BUDGET, batch: int = BATCH) -> None:
        self.take, self.budget, self.batch = take, budget, max(1, min(batch, int(budget.burst) or 1))
        self.due: deque[float] = deque()
        self.lock = asyncio.Lock()

    async def reserve(self) -> float:
        """When the next request may go: a reserved one, or the first of a new batch."""
        async with self.lock:
            now = time.monotonic()
            while self.due and self.due[0] < now - STALE_S:
                self.due.popleft()
            if not self.due:
                wait = await self.take(self.batch, self.budget.rate, self.budget.burst)
                at, n = time.monotonic(), self.batch  # later than the database's own now: on the safe side
                self.due.extend(at + max(0.0, wait - (n - i) / self.budget.rate) for i in range(1, n + 1))
            return self.due.popleft()

    async def spend(self, requests: int) -> None:
        """Wait until `requests` more requests may go."""
        for _ in range(requests):
            delay = await self.reserve() - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
