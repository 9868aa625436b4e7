"""Searches first: a member waits on a search, nobody waits on an ingest's Python work.

In one process (the bot on SQLite, or any single-process bot) a search and an ingest share the GIL. A
thread that holds it keeps it until the interpreter asks it to switch (`sys.getswitchinterval()`, 5 ms), and a
search hands the GIL back and forth dozens of times (each trip to a database thread, each SQLite call, each big
numpy call lets it go), so beside an ingest a search of 5 ms took 100-250 ms. A search runs inside
`foreground()`; the background work's loops go through `stepping()` (or call `step_aside()`) between papers,
which, while a search is under way, sleeps (letting the GIL go) until none is. A search that itself waits on
that work (a connection it holds) holds it up once, for `MOST` seconds at most, not at every step; and work
running on an event loop's thread never waits (the search needs that thread to finish).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

MOST = 0.05  # seconds one search may hold background work up

_idle = threading.Event()
_idle.set()
_lock = threading.Lock()
_under_way = 0
_begun = 0  # searches begun since the start
_given = 0  # the newest of them that background work has stepped aside for


@contextmanager
def foreground() -> Iterator[None]:
    """A search under way (from any thread; searches may overlap)."""
    global _under_way, _begun
    with _lock:
        _under_way += 1
        _begun += 1
        _idle.clear()
    try:
        yield
    finally:
        with _lock:
            _under_way -= 1
            if not _under_way:
                _idle.set()


def step_aside() -> None:
    """Between two pieces of background work: let the searches under way finish first."""
    global _given
    if _idle.is_set():  # the usual case: one attribute read
        return
    newest = _begun
    if newest == _given:
        return  # it has had its turn, and may be waiting on this very work
    try:
        asyncio.get_running_loop()
        return  # on the loop's thread: the search cannot finish while this thread sleeps
    except RuntimeError:
        pass
    _idle.wait(MOST)
    _given = newest


def stepping(items: Iterable[T]) -> Iterator[T]:
    """`items`, stepping aside before each."""
    for item in items:
        step_aside()
        yield item
