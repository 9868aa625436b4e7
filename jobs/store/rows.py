"""Turning rows into records and records into rows: shared by every part of the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from jobs.models import Paper
from jobs.records import OutboxItem
from jobs.search.bigrams import index_text
from jobs.store import body_codec

T = TypeVar("T")

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

PAPER_COLUMNS = "p.arxiv_id, p.version, p.title, p.authors, p.body, p.comment, p.images, p.flags"
# How many columns PAPER_COLUMNS selects: a query's own columns follow them.
PAPER_WIDTH = PAPER_COLUMNS.count(",") + 1

# An outbox row as `outbox_item_from_row` reads it (the claims name the columns with their table's alias).
OUTBOX_COLUMNS = "id, kind, target_id, guild_id, feed_id, payload, attempts, tried_at IS NOT NULL"


def outbox_scope(guild_id: int | None, kind: str | None, *, column: str = "",
                 start: int | None = None) -> tuple[str, list[Any]]:
    """` AND guild_id = … AND kind = …`, each only when asked (one server's rows, or one kind's), and its
    arguments: SQLite's `?`, or PostgreSQL's `$n` numbered from `start`. `column`: the table's alias and dot."""
    sql, args = "", list[Any]()
    for name, value in (("guild_id", guild_id), ("kind", kind)):
        if value is not None:
            args.append(value)
            sql += f" AND {column}{name} = " + ("?" if start is None else f"${start + len(args) - 1}")
    return sql, args


def outbox_item_from_row(row: Sequence[Any]) -> OutboxItem:
    """An outbox row (OUTBOX_COLUMNS, in that order) as the record the senders and buttons read."""
    return OutboxItem(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], bool(row[7]))


class SqlConnection(Protocol):
    """What the shared write paths (papers, text indexes, ranking index) run their SQL on: a plain
    sqlite3 connection, or PostgreSQL's through jobs/store/postgres/bridge.py."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


def is_sqlite(conn: SqlConnection) -> bool:
    """Is this SQLite (else PostgreSQL): for the few statements the two dialects say differently."""
    return isinstance(conn, sqlite3.Connection)


def utcnow() -> str:
    return datetime.now(UTC).strftime(TIME_FORMAT)


def pack_body(p: Paper, dict_id: int | None = None) -> bytes:
    """A paper's long text as the papers table keeps it (column `body`): the JSON array [abstract,
    summary, takeaways, links] compressed with the database's dictionary `dict_id`, or zlib before it has
    one (jobs/store/body_codec.py). One stream for all four compresses better than one per field (the
    texts repeat each other's words): 1.6 KB instead of 2.7 KB a paper of real entries, 1.0 KB with the
    dictionary."""
    return _pack(p.abstract, p.summary, p.takeaways, p.links, dict_id)


def _pack(abstract: str, summary: str, takeaways: list[str], links: dict[str, str],
          dict_id: int | None = None) -> bytes:
    return body_codec.pack(j([abstract, summary, takeaways, links]).encode(), dict_id)


def body_json(body: bytes) -> str:
    """The JSON array `pack_body` packed; SQL reads it as pb_body(body) (see `sql_functions`). A body
    packed with a dictionary this process has not learnt raises body_codec.UnknownDictionary: readers
    learn them first (`body_codec.missing`)."""
    return body_codec.unpack(body).decode()


def paper_from_row(row: Sequence[Any], topic: str = "", date: str = "", source: str = "", path: str = "") -> Paper:
    """A paper from the PAPER_COLUMNS of a row."""
    abstract, summary, takeaways, links = json.loads(body_json(row[4]))
    return Paper(
        arxiv_id=row[0], version=row[1], title=row[2], authors=json.loads(row[3]), abstract=abstract,
        summary=summary, takeaways=takeaways, comment=row[5], links=links, images=json.loads(row[6]),
        flags=json.loads(row[7]), topic=topic, date=date, source=source, path=path,
    )


def placed_paper(row: Sequence[Any]) -> Paper:
    """A paper from a row of PAPER_COLUMNS followed by its appearance's topic, post date, source name
    and post path (each may be NULL, and the row may end before them)."""
    return paper_from_row(row, *(value or "" for value in row[PAPER_WIDTH : PAPER_WIDTH + 4]))


def in_order(arxiv_ids: Sequence[str], papers: Iterable[Paper]) -> dict[str, Paper]:
    """`papers` by arXiv id, in the order `arxiv_ids` asks for them (each once); ids not found are left out."""
    by_id = {p.arxiv_id: p for p in papers}
    return {a: by_id[a] for a in dict.fromkeys(arxiv_ids) if a in by_id}


def new_paper(row: Sequence[Any]) -> tuple[int, Paper, list[str]]:
    """A row of (paper id, PAPER_COLUMNS…, its topics joined by commas, its latest post date) as the DM fan-out
    takes it: (paper id, the paper labelled with its first topic and that date, its topics sorted)."""
    listed, date = row[1 + PAPER_WIDTH :]
    topics = sorted((listed or "").split(","))
    return int(row[0]), paper_from_row(row[1:], topic=topics[0] if topics else "", date=date or ""), topics


def iso_days(rows: Iterable[Sequence[Any]]) -> list[date]:
    """The dates of rows of one YYYY-MM-DD text each, oldest first (rows come newest first); one that is not a
    date is skipped."""
    days = []
    for (text,) in rows:
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            continue
    return days[::-1]


def _pack_columns(abstract: str, summary: str, takeaways: str, links: str) -> bytes:
    return _pack(abstract, summary, json.loads(takeaways), json.loads(links))


def sql_functions() -> list[tuple[str, int, Any]]:
    """(name, arguments, function) for SQL on the write connection, so that migrations work on
    rows as Python does: pb_index_text (search text with Chinese bigrams), pb_body (a body's JSON
    array: json_extract(pb_body(body), '$[0]') is the abstract, '$[1]' the summary, '$[2]' the
    takeaways, '$[3]' the links) and pb_pack (abstract, summary, takeaways JSON, links JSON: a body)."""
    return [("pb_index_text", 1, index_text), ("pb_body", 1, body_json), ("pb_pack", 4, _pack_columns)]


def add_sql_functions(conn: sqlite3.Connection) -> None:
    """`sql_functions` on a plain sqlite3 connection (tools and benchmarks reading the file directly)."""
    for name, n, fn in sql_functions():
        conn.create_function(name, n, fn, deterministic=True)


def fts_row(paper_id: int, p: Paper) -> tuple[Any, ...]:
    ids = f"{p.arxiv_id} {p.arxiv_id.replace('.', '')} arxiv{p.arxiv_id}"
    return (
        paper_id, p.title, ", ".join(p.authors), p.abstract, index_text(p.summary),
        index_text("\n".join(p.takeaways)), ids,
    )


def j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
