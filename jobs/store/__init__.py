"""Everything Paperboy keeps, in one SQLite file (or on PostgreSQL: `postgres/`, the same areas); the only
package that speaks SQL.

- `_connection.py`: the connections and the one transaction helper (read its docstring first);
- `migrate.py` and `migrations/*.sql`: the schema, upgraded in order by PRAGMA user_version;
- `papers.py` (sources, posts, papers), `feeds.py`, `outbox.py` (cycles, outbox, delivery records),
  `claims.py` (the senders' claims and request budget), `subscriptions.py` (and DM state), `search.py` with
  `rank_index.py` and `rank_snapshot.py` (the ranking index), `meta.py`, `watch.py` (source health, alert
  channels, backup), `languages.py`, `signal.py`, `dm_schedule.py`, `lab_week.py`, `club.py`: one part of
  the store each;
- `sqlite.py`: `Store`, composed of those parts; `areas.py`: one typed interface per area (`AREAS`: ingest,
  papers, search, feeds and outbox, claims, subscriptions, settings, signal, filters, DM schedules, the lab's
  week, departures, the club, watch, meta); `interface.py`: `StoreProtocol`, their union; `backends.py`: the
  backend a database URL names.
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
