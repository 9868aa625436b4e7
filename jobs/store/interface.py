"""The store's whole public surface as one typed interface: the union of its areas (areas.py). What
bot/ and jobs/ may call, and what another backend implements. `jobs.store.Store` (SQLite) satisfies
it; tests check that it does. New code should take the area it uses rather than the whole store.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from jobs.store.areas import (
    ClaimsArea,
    ClubArea,
    DeparturesArea,
    DmScheduleArea,
    FeedsArea,
    FiltersArea,
    IngestArea,
    LabWeekArea,
    MetaArea,
    PapersArea,
    SearchArea,
    SettingsArea,
    SignalArea,
    SubscriptionsArea,
    WatchArea,
)


@runtime_checkable
class StoreProtocol(IngestArea, PapersArea, SearchArea, FeedsArea, ClaimsArea, SubscriptionsArea, SettingsArea,
                    SignalArea, FiltersArea, DmScheduleArea, LabWeekArea, DeparturesArea, ClubArea, WatchArea,
                    MetaArea, Protocol):
    """Every area at once: what `Store` is today."""
