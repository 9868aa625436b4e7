"""Searches first: a member waits on a search, nobody waits on an ingest's Python work.

In one process (the bot on SQLite, or any single-process bot) a search and an ingest share the GIL. A
thread that holds it keeps it until the interpreter asks it to switch (`sys.getswitchinterval()`, 5 ms), and a
search hands the GIL back and forth dozens of times (each trip to a database thread, each SQLite call, each big
numpy call lets it go), so beside an ingest a search of 5 ms took 100-250 ms. A search runs inside
`foreground()`; the background work's loops go through `stepping()` (or call `step_aside()`) between papers,
which, while a search is under way, sleeps (letting the GIL go) until none is.

Bounds, so that background work always goes on: a search holds it up once, `MOST` seconds at most (it may be
waiting on that very work: a connection it holds; on an in-memory SQLite store the search's reads queue behind
the ingest's); under a stream of overlapping searches it steps aside for at most `SHARE` of its time; and work
running on an event loop's thread never waits (the search needs that thread to finish).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

MOST = 0.05  # seconds one search may hold background work up
SHARE = 0.5  # the most of its time background work spends stepping aside, however many searches
BURST = 0.25  # seconds of stepping aside saved up at most (credit earned at SHARE a second)

_idle = threading.Event()
_idle.set()
_lock = threading.Lock()
_under_way = 0
_begun = 0  # searches begun since the start
_given = 0  # the newest of them that background work has stepped aside for
_credit = BURST  # seconds background work may still spend stepping aside
_credited = time.monotonic()
_inside: ContextVar[bool] = ContextVar("_inside", default=False)  # a search's task is under way already


@contextmanager
def foreground() -> Iterator[None]:
    """A search under way (from any thread; searches may overlap). Nested in one task (the /search command
    around `run_search`), it is one search."""
    global _under_way, _begun
    if _inside.get():
        yield
        return
    token = _inside.set(True)
    with _lock:
        _under_way += 1
        _begun += 1
        _idle.clear()
    try:
        yield
    finally:
        _inside.reset(token)
        with _lock:
            _under_way -= 1
            if not _under_way:
                _idle.set()


def step_aside() -> None:
    """Between two pieces of background work: let the searches under way finish first."""
    global _given, _credit, _credited
    if _idle.is_set():  # the usual case: one attribute read
        return
    newest = _begun
    if newest <= _given:
        return  # it has had its turn, and may be waiting on this very work
    try:
        asyncio.get_running_loop()
        return  # on the loop's thread: the search cannot finish while this thread sleeps
    except RuntimeError:
        pass
    with _lock:  # the wait is taken from the credit before it begins: threads cannot overspend it together
        now = time.monotonic()
        _credit = min(BURST, _credit + (now - _credited) * SHARE)
        _credited = now
        most = min(MOST, _credit)
        if most <= 0:
            return
        _credit -= most
    began = time.monotonic()
    _idle.wait(most)
    with _lock:  # what was not waited goes back (never more than was taken: a frozen process owes nothing)
        _credit += most - min(most, time.monotonic() - began)
        _given = max(_given, newest)


def stepping(items: Iterable[T]) -> Iterator[T]:
    """`items`, stepping aside before each."""
    for item in items:
        step_aside()
        yield item
