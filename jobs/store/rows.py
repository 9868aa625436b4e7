"""Turning rows into records and records into rows: shared by every part of the store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from jobs.models import Paper
from jobs.search_text import index_text

T = TypeVar("T")

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

PAPER_COLUMNS = (
    "p.arxiv_id, p.version, p.title, p.authors, p.abstract, p.summary, p.takeaways, p.comment, "
    "p.links, p.images, p.flags"
)


def utcnow() -> str:
    return datetime.now(UTC).strftime(TIME_FORMAT)


def paper_from_row(row: Sequence[Any], topic: str = "", date: str = "", source: str = "", path: str = "") -> Paper:
    return Paper(
        arxiv_id=row[0], version=row[1], title=row[2], authors=json.loads(row[3]), abstract=row[4],
        summary=row[5], takeaways=json.loads(row[6]), comment=row[7], links=json.loads(row[8]),
        images=json.loads(row[9]), flags=json.loads(row[10]), topic=topic, date=date, source=source,
        path=path,
    )


def fts_row(paper_id: int, p: Paper) -> tuple[Any, ...]:
    ids = f"{p.arxiv_id} {p.arxiv_id.replace('.', '')} arxiv{p.arxiv_id}"
    return (
        paper_id, p.title, ", ".join(p.authors), p.abstract, index_text(p.summary),
        index_text("\n".join(p.takeaways)), ids,
    )


def write_index(
    conn: sqlite3.Connection, *, add: Sequence[tuple[int, Paper]] = (), remove: Sequence[tuple[int, Paper]] = ()
) -> None:
    """The one place that writes papers' full-text index rows: forgets `remove` (a contentless index
    forgets a row by being told exactly what it indexed, so these are the papers as stored), then
    indexes `add`; (paper id, paper) each, on the write connection's thread inside its transaction."""
    if remove:
        conn.executemany(
            "INSERT INTO papers_fts (papers_fts, rowid, title, authors, abstract, summary, takeaways, ids) "
            "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
            [fts_row(paper_id, p) for paper_id, p in remove],
        )
    if add:
        conn.executemany(
            "INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [fts_row(paper_id, p) for paper_id, p in add],
        )


def j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
