"""Everything Paperboy keeps, in one SQLite file; the only package that speaks SQL.

- `_connection.py`: the connections and the one transaction helper (read its docstring first);
- `migrate.py` and `migrations/*.sql`: the schema, upgraded in order by PRAGMA user_version;
- `papers.py` (sources, posts, papers), `feeds.py`, `outbox.py` (cycles, outbox, delivery records),
  `subscriptions.py` (and DM state), `search.py`, `meta.py`, `watch.py` (source health, alert
  channels, backup), `languages.py`: one part of the store each;
- `sqlite.py`: `Store`, composed of those parts; `areas.py`: one typed interface per area (ingest, papers,
  search, feeds and outbox, subscriptions, settings, watch, meta); `interface.py`: `StoreProtocol`, their union.
The records it hands out are in `jobs.records`; the rules that are not SQL in `jobs.merge`,
`jobs.plan.feeds` and `jobs.search.cost`.
"""

from jobs.store._connection import DatabaseError
from jobs.store.errors import DatabaseDamaged, StoreUnavailable
from jobs.store.interface import StoreProtocol
from jobs.store.migrate import SCHEMA_VERSION
from jobs.store.sqlite import Store, open_store

__all__ = ["SCHEMA_VERSION", "DatabaseDamaged", "DatabaseError", "Store", "StoreProtocol", "StoreUnavailable",
           "open_store"]
