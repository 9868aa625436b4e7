"""The cyclic garbage collector paused over big batches of short-lived objects, and kept off what a started
process holds for its life.

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


def freeze_heap() -> int:
    """Leave every object alive now out of all later collections (`gc.freeze`), after one full collection so
    that no garbage is frozen: for a process that has started and holds what it keeps for its life (its
    modules, its store, its commands). A full collection walks every tracked object, GIL held: a started bot
    tracks about 100,000, 48-51 ms a walk on a loaded 2-core machine, most of which never die. A frozen object
    that dies is still freed by reference counting; one that dies inside a reference cycle would stay, so
    nothing that is dropped later should be frozen (a connected bot's guild cache: a new gateway session clears
    it), and what is closed for good is thawed first (`thaw_heap`).
    Returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def thaw_heap() -> None:
    """Undo `freeze_heap` (what was frozen is collectable again): for a process that goes on after what it froze
    is closed (a bot refused at connect, then built again without the intent it asked for)."""
    gc.unfreeze()
