"""The store as areas (jobs/store/areas.py): each area a narrow interface, together exactly the store's
public surface, and the SQLite Store implements every one with the same signatures."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from jobs.store import Store, StoreProtocol
from jobs.store.areas import AREAS


def members(proto: type) -> set[str]:
    return {n for n, v in vars(proto).items() if not n.startswith("_") and callable(v)}


def shape(fn: object) -> list[tuple[str, object, object]]:
    """A method's parameters as (name, kind, default): what a caller's call depends on."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]  # type: ignore[arg-type]


def test_the_areas_split_the_protocol_without_overlap_or_gaps() -> None:
    seen: dict[str, str] = {}
    for area in AREAS:
        for name in members(area):
            assert name not in seen, f"{name} is in both {seen[name]} and {area.__name__}"
            seen[name] = area.__name__
    declared = {n for n in dir(StoreProtocol) if not n.startswith("_")}
    assert set(seen) == declared
    assert len(declared) == 116  # issues 18-22: claims, records, DM schedules, week, club, merge_index, ready_search


@pytest.mark.parametrize("area", AREAS, ids=[a.__name__ for a in AREAS])
async def test_the_sqlite_store_implements_each_area(tmp_path: Path, area: type) -> None:
    async with await Store.open(tmp_path / "p.db") as store:
        assert isinstance(store, area)
    for name in members(area):
        mine, theirs = getattr(Store, name), getattr(area, name)
        assert inspect.iscoroutinefunction(mine) == inspect.iscoroutinefunction(theirs), name
        assert shape(mine) == shape(theirs), f"{area.__name__}.{name}: Store has {inspect.signature(mine)}"
