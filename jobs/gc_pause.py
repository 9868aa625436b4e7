"""The cyclic garbage collector paused over big batches of short-lived objects.

Planning a cycle's DMs or ingesting a big post allocates hundreds of thousands of objects (papers, their
lists, plans), none in a cycle: reference counting frees them all at the end. Meanwhile, each time they
pile up by a quarter, the collector walks the whole heap holding the GIL: 90 ms of CPU for a 20 MB post's
51,781 papers, 400-700 ms of wall time on a loaded machine, with the event loop (and the bot's gateway
heartbeat) stopped, whichever thread set it off. Pauses nest and overlap (an ingest and a fan-out at once):
the collector runs again when the last one ends, if it ran when the first began.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_held = 0  # pauses open now (entered and left on the event loop's thread)
_was_enabled = True


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    global _held, _was_enabled
    if _held == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if _held == 0 and _was_enabled:
            gc.enable()
