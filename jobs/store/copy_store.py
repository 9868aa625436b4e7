"""Copy a whole database to another, either engine to either (`python -m bot copy-store`).

Every table the two schemas share is copied, in an order that keeps foreign keys whole, in batches read
by primary key (keyset: `WHERE key > last ORDER BY key LIMIT n`). Each batch is written in one target
transaction together with its high-water mark (meta `copy_store.<table>`: the batch's last key), so a
copy stopped anywhere (killed, a lost server) resumes after the last batch that committed and never
writes a batch twice. Rows are upserted by primary key all the same, which makes the rows the target's
own migrations wrote (meta's created_at, rank_state) take the source's values.

papers_fts is each engine's own (FTS5 on SQLite, a tsvector on PostgreSQL): it is made on the target from
each batch of papers, in the batch's transaction (text_index.write_text_only). The ranking index's tables
are copied as they are (they are the same on both engines but for rank_fresh.terms, text on SQLite and
bytes on PostgreSQL: a value is converted to its target column's kind).

When every table is copied the marks are removed, PostgreSQL's identity columns are moved past the copied
ids, and each table is verified: the same number of rows, and the same checksum of primary keys (an
order-free sum of their hashes, so the two engines' collations do not matter).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from jobs.models import Paper
from jobs.store import text_dicts
from jobs.store.rows import SqlConnection, is_sqlite, paper_from_row
from jobs.store.text_index import write_text_only

log = logging.getLogger(__name__)

T = TypeVar("T")

MARK = "copy_store."  # meta key prefix of the per-table high-water marks, on the target
BATCH = 2000
# Parents before children (foreign keys); tables not named here (a newer schema's) follow by name.
ORDER = ("sources", "posts", "text_dicts", "papers", "appearances", "cycles", "feeds", "outbox", "delivered", "meta",
         "subscriptions", "dm_users", "alert_channels", "guild_languages", "member_languages",
         "rank_segments", "rank_postings", "rank_fresh", "rank_docs", "rank_state")
# Each engine's own: its schema bookkeeping, its text index (remade from papers, see above), and PostgreSQL's
# request budget of the running senders (state of the moment, not data).
SKIPPED_PREFIXES = ("sqlite_", "papers_fts", "schema_migrations", "send_budget")
# The tables whose rows mean a database is in use: a target holding any is not copied into.
DATA_TABLES = ("sources", "papers", "feeds", "subscriptions", "outbox", "cycles")
_PAPER_FIELDS = ("arxiv_id", "version", "title", "authors", "body", "comment", "images", "flags")


class CopyRefused(Exception):
    """The copy cannot start (same database, a target already in use, a table it cannot hold): one line."""


class CopyInterrupted(Exception):
    """Raised by the test hook `stop_after`: the copy stopped between batches, as a killed one would."""


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    binary: frozenset[str]  # columns holding bytes (BLOB, BYTEA)
    key: tuple[str, ...]  # the primary key's columns, in order
    identity: tuple[str, ...] = ()  # PostgreSQL identity columns


@dataclass(slots=True)
class TableReport:
    name: str
    copied: int = 0  # rows written by this run
    resumed: bool = False  # a mark was found: an earlier run had copied part of it
    source_rows: int = 0
    target_rows: int = 0
    ids_match: bool = False
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and self.ids_match and self.source_rows == self.target_rows

    def line(self) -> str:
        if self.problem:
            return f"{self.name}: NOT COPIED: {self.problem}"
        run = f"{self.copied:,} copied now" + (" (resumed)" if self.resumed else "")
        if self.ok:
            return f"{self.name}: {self.target_rows:,} rows, the same as the source, ids match ({run})"
        ids = "ids match" if self.ids_match else "ids DIFFER"
        return f"{self.name}: MISMATCH: source {self.source_rows:,} rows, target {self.target_rows:,}, {ids} ({run})"


@dataclass(slots=True)
class CopyReport:
    tables: list[TableReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


class Side:
    """One end of the copy: `read(fn, *args)` runs a function of a SqlConnection on a connection of the
    store, `write(fn, *args)` runs it inside one transaction of the store (SQLite or PostgreSQL)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        from jobs.store._connection import Connection

        self.sqlite = isinstance(store, Connection)  # jobs.store.sqlite.Store; else PostgresStore

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        if self.sqlite:
            from jobs.store._connection import run_sync

            return await run_sync(self.store._read, fn, *args)
        from jobs.store.postgres.bridge import run_shared

        async with self.store.pool.acquire() as conn:
            return await run_shared(conn, fn, *args)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        if self.sqlite:
            from jobs.store._connection import run_sync

            async with self.store.transaction() as db:
                return await run_sync(db, fn, *args)
        from jobs.store.postgres.bridge import run_shared

        async with self.store.transaction() as conn:
            return await run_shared(conn, fn, *args)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def list_tables(conn: SqlConnection) -> dict[str, Table]:
    """The database's own tables (not SKIPPED_PREFIXES) with their columns and primary keys."""
    found: dict[str, Table] = {}
    if is_sqlite(conn):
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        for name in names:
            if name.startswith(SKIPPED_PREFIXES):
                continue
            info = conn.execute(f"PRAGMA table_info({_q(name)})").fetchall()  # cid, name, type, notnull, dflt, pk
            key = tuple(c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5]))
            found[name] = Table(name, tuple(c[1] for c in info),
                                frozenset(c[1] for c in info if "BLOB" in (c[2] or "").upper()), key)
        return found
    columns = conn.execute(
        "SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position").fetchall()
    keys = conn.execute(
        "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey) "
        "WHERE i.indisprimary AND n.nspname = current_schema() "
        "ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)").fetchall()
    by_table: dict[str, list[tuple[str, str, str]]] = {}
    for table, column, kind, identity in columns:
        by_table.setdefault(table, []).append((column, kind, identity))
    for name, cols in by_table.items():
        if name.startswith(SKIPPED_PREFIXES):
            continue
        found[name] = Table(name, tuple(c[0] for c in cols), frozenset(c[0] for c in cols if c[1] == "bytea"),
                            tuple(k[1] for k in keys if k[0] == name), tuple(c[0] for c in cols if c[2] == "YES"))
    return found


def _after(key: tuple[str, ...]) -> str:
    cols = ", ".join(map(_q, key))
    return f"({cols}) > ({', '.join('?' for _ in key)})" if len(key) > 1 else f"{_q(key[0])} > ?"


def read_batch(conn: SqlConnection, table: Table, columns: Sequence[str], after: Sequence[Any] | None,
               limit: int) -> list[tuple[Any, ...]]:
    """Up to `limit` rows of `columns` after the key `after` (None: from the start), in key order."""
    where = f" WHERE {_after(table.key)}" if after is not None else ""
    order = ", ".join(map(_q, table.key))
    return list(conn.execute(f"SELECT {', '.join(map(_q, columns))} FROM {_q(table.name)}{where} "
                             f"ORDER BY {order} LIMIT ?", (*(after or ()), limit)).fetchall())


def _convert(value: Any, binary: bool) -> Any:
    # rank_fresh.terms: text on SQLite, bytes on PostgreSQL (whose text cannot hold the NUL between terms)
    if binary and isinstance(value, str):
        return value.encode()
    if not binary and isinstance(value, bytes | memoryview):
        return bytes(value).decode()
    return value


_MARKED = "{} FROM meta WHERE substr(key, 1, ?) = ?"


def get_marks(conn: SqlConnection) -> dict[str, list[Any]]:
    # substr, not a range or LIKE: PostgreSQL's meta.key has the database's collation, LIKE escapes differ
    rows = conn.execute(_MARKED.format("SELECT key, value"), (len(MARK), MARK)).fetchall()
    return {k.removeprefix(MARK): json.loads(v) for k, v in rows}


def write_batch(conn: SqlConnection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Upsert `rows` by primary key, (papers) make their papers_fts rows, and move the table's mark."""
    kinds = [c in table.binary for c in columns]
    values = [tuple(_convert(v, b) for v, b in zip(row, kinds, strict=True)) for row in rows]
    rest = [c for c in columns if c not in table.key]
    on_conflict = (f"DO UPDATE SET {', '.join(f'{_q(c)} = excluded.{_q(c)}' for c in rest)}" if rest else "DO NOTHING")
    conn.executemany(f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, columns))}) "
                     f"VALUES ({', '.join('?' for _ in columns)}) ON CONFLICT ({', '.join(map(_q, table.key))}) "
                     f"{on_conflict}", values)
    if table.name == "papers":
        at = {c: i for i, c in enumerate(columns)}
        text_dicts.ensure(conn, values)  # copied ahead of the papers (ORDER)
        papers: list[tuple[int, Paper]] = [
            (int(v[at["id"]]), paper_from_row([v[at[f]] for f in _PAPER_FIELDS])) for v in values]
        write_text_only(conn, papers)
    last = [values[-1][columns.index(k)] for k in table.key]
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (MARK + table.name, json.dumps(last)))


def finish(conn: SqlConnection, tables: Sequence[Table]) -> None:
    """After the last batch: no marks left; PostgreSQL's identities continue after the copied ids (SQLite's
    AUTOINCREMENT counter follows explicit ids by itself)."""
    conn.execute(_MARKED.format("DELETE"), (len(MARK), MARK))
    if is_sqlite(conn):
        return
    for table in tables:
        for column in table.identity:
            conn.execute(f"SELECT setval(pg_get_serial_sequence(?, ?), coalesce(max({_q(column)}), 0) + 1, false) "
                         f"FROM {_q(table.name)}", (table.name, column))


def count_rows(conn: SqlConnection, names: Sequence[str]) -> int:
    return sum(int(conn.execute(f"SELECT count(*) FROM {_q(n)}").fetchone()[0]) for n in names)


def key_digest(conn: SqlConnection, table: Table, batch: int = 50_000) -> tuple[int, int]:
    """(rows, checksum): the checksum is the sum mod 2**64 of a hash of each row's key (order-free)."""
    rows, total, after = 0, 0, None
    while True:
        keys = read_batch(conn, table, table.key, after, batch)
        if not keys:
            return rows, total
        for k in keys:
            total = (total + int.from_bytes(hashlib.blake2b(repr(tuple(k)).encode(), digest_size=8).digest())) % 2**64
        rows, after = rows + len(keys), keys[-1]


async def copy_store(source: Side, target: Side, *, batch: int = BATCH, stop_after: int | None = None,
                     progress: Callable[[str], Awaitable[None] | None] | None = None) -> CopyReport:
    """Copy `source` into `target` (see the module docstring) and verify it, table by table.
    CopyRefused when the target already holds data that is not an unfinished copy.
    `stop_after` (tests): raise CopyInterrupted after that many batches have committed."""
    src_tables = await source.read(list_tables)
    dst_tables = await target.read(list_tables)
    marks = await target.read(get_marks)
    present = [n for n in DATA_TABLES if n in dst_tables]
    if not marks and await target.read(count_rows, present):
        raise CopyRefused("the target database already holds data (and no unfinished copy): copy into a new, "
                          "empty database")
    names = [n for n in ORDER if n in src_tables] + sorted(set(src_tables) - set(ORDER))
    report = CopyReport()
    plan: list[tuple[Table, Table, list[str]]] = []
    for name in names:
        entry = TableReport(name)
        report.tables.append(entry)
        src, dst = src_tables[name], dst_tables.get(name)
        if dst is None:
            entry.problem = "the target's schema has no such table (is the target's Paperboy older?)"
            continue
        missing = [c for c in src.columns if c not in dst.columns]
        if missing:
            entry.problem = f"the target's table lacks the columns {', '.join(missing)}"
            continue
        if not src.key or src.key != dst.key:
            entry.problem = f"the primary keys differ (source {src.key}, target {dst.key})"
            continue
        plan.append((src, dst, list(src.columns)))
    done_batches = 0
    for src, dst, columns in plan:
        entry = next(t for t in report.tables if t.name == src.name)
        after = marks.get(src.name)
        entry.resumed = after is not None
        while True:
            rows = await source.read(read_batch, src, columns, after, batch)
            if not rows:
                break
            await target.write(write_batch, dst, columns, rows)
            entry.copied += len(rows)
            after = [rows[-1][columns.index(k)] for k in src.key]
            done_batches += 1
            if stop_after is not None and done_batches >= stop_after:
                raise CopyInterrupted(f"stopped after {done_batches} batches (in {src.name})")
        if progress is not None:
            shown = progress(f"{src.name}: {entry.copied:,} rows copied" + (" (resumed)" if entry.resumed else ""))
            if shown is not None:
                await shown
    await target.write(finish, [dst for _, dst, _ in plan])
    for src, dst, _ in plan:
        entry = next(t for t in report.tables if t.name == src.name)
        (entry.source_rows, a), (entry.target_rows, b) = await source.read(key_digest, src), await target.read(
            key_digest, dst)
        entry.ids_match = a == b and entry.source_rows == entry.target_rows
    return report
