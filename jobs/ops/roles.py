"""Which parts of Paperboy a process runs (issue 18): `run --role` / PAPERBOY_ROLE, and a gateway's shards
(`--shards 0-3/16` / PAPERBOY_SHARDS). Parsed and checked here, without discord: bot/app.py starts the parts.

- all: everything in one process (the default; the only role on SQLite, whose lock file allows one process).
- gateway: slash commands and buttons for its shards; no cycle, no outbox.
- scheduler: ingest, planning and the watchdog on the schedule, one at a time (a leader lock); no gateway,
  no sending: what it plans waits in the outbox for a sender.
- sender: sends the outbox over REST, polling it; no gateway, no cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from jobs.database_url import DatabaseUrl

ROLE_ENV = "PAPERBOY_ROLE"
SHARDS_ENV = "PAPERBOY_SHARDS"
Role = Literal["all", "gateway", "scheduler", "sender"]
ROLES: tuple[Role, ...] = ("all", "gateway", "scheduler", "sender")
# A bound against typos: Discord wants a shard per 1,000 to 2,500 servers, so no real bot comes near it.
MAX_SHARDS = 100_000


class RoleError(ValueError):
    """A role or shard range that cannot run: the message says what to give instead."""


def parse_role(value: str | None, where: str = "--role") -> Role:
    text = (value or "all").strip().lower()
    if text not in ROLES:
        raise RoleError(f"{where} must be one of {', '.join(ROLES)} (got {value!r})")
    return cast(Role, text)


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards one gateway process connects: ids first..last of count."""

    first: int
    last: int
    count: int

    @property
    def ids(self) -> list[int]:
        return list(range(self.first, self.last + 1))

    def __str__(self) -> str:
        return f"{self.first}-{self.last}/{self.count}"


_SHARDS = re.compile(r"^\s*(\d+)(?:\s*-\s*(\d+))?\s*/\s*(\d+)\s*$")


def parse_shards(value: str, where: str = "--shards") -> Shards:
    """`0-3/16` (shards 0 to 3 of 16) or `5/16` (shard 5 alone)."""
    match = _SHARDS.match(value)
    if match is None:
        raise RoleError(f"{where} {value!r}: write FIRST-LAST/COUNT, e.g. 0-3/16 (shards 0 to 3 of 16) or 5/16")
    first, last, count = int(match[1]), int(match[2] or match[1]), int(match[3])
    if not 1 <= count <= MAX_SHARDS:
        raise RoleError(f"{where} {value!r}: the shard count must be between 1 and {MAX_SHARDS}")
    if first > last:
        raise RoleError(f"{where} {value!r}: the first shard ({first}) comes after the last ({last})")
    if last >= count:
        raise RoleError(f"{where} {value!r}: shard ids run from 0 to {count - 1} of {count}")
    return Shards(first, last, count)


def role_problem(role: Role, shards: Shards | None, database: DatabaseUrl) -> str | None:
    """Why this role cannot run on this database, or None."""
    if role != "all" and database.path is not None:
        return (f"--role {role} needs a PostgreSQL database (database.url postgresql://…): an SQLite file "
                "is held by one process, which runs everything (--role all)")
    if shards is not None and role not in ("all", "gateway"):
        return f"--shards is for a gateway (--role gateway or all); a {role} connects no gateway"
    return None


def connects_gateway(role: Role) -> bool:
    return role in ("all", "gateway")


def schedules(role: Role) -> bool:
    return role in ("all", "scheduler")


def sends(role: Role) -> bool:
    return role in ("all", "sender")
