"""The one place that writes the text indexes of papers: papers_fts (FTS5 on SQLite: matching, phrases,
the fallback ranking; a tsvector table on PostgreSQL: jobs/store/tsv.py) and the ranking index beside it
(jobs/store/rank_index.py), from the same rows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from jobs.foreground import stepping
from jobs.models import Paper
from jobs.store import rank_index, text_dicts
from jobs.store.rows import PAPER_COLUMNS, SqlConnection, fts_row, is_sqlite, paper_from_row
from jobs.store.tsv import tsvector_text

log = logging.getLogger(__name__)


def write_index(
    conn: SqlConnection, *, add: Sequence[tuple[int, Paper]] = (), remove: Sequence[tuple[int, Paper]] = (),
    pending: rank_index.Pending | None = None,
) -> None:
    """Forget `remove` (a contentless index forgets a row by being told exactly what it indexed, so
    these are the papers as stored), then index `add`; (paper id, paper) each, on the write
    connection's thread inside its transaction. With `pending`, the ranking index's share waits in
    it until its `flush` (in the same transaction)."""
    # A paper merged with a new copy often changes only what the indexes don't hold (images,
    # links, version): then there is nothing to re-index.
    # Row by row, stepping aside for a search in this process (jobs/foreground.py).
    old = {paper_id: fts_row(paper_id, p) for paper_id, p in stepping(remove)}
    rows = [row for row in (fts_row(paper_id, p) for paper_id, p in stepping(add)) if old.pop(row[0], None) != row]
    unchanged = {paper_id for paper_id, _ in remove} - set(old) - {row[0] for row in rows}
    remove = [(paper_id, p) for paper_id, p in remove if paper_id not in unchanged]
    if not is_sqlite(conn) and remove:
        conn.executemany("DELETE FROM papers_fts WHERE id = ?", [(paper_id,) for paper_id, _ in remove])
    elif remove:
        conn.executemany(
            "INSERT INTO papers_fts (papers_fts, rowid, title, authors, abstract, summary, takeaways, ids) "
            "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
            [fts_row(paper_id, p) for paper_id, p in remove],
        )
    _insert_text(conn, rows)
    forget = [paper_id for paper_id, _ in remove]
    if pending is not None:
        pending.add(rows, forget)
    else:
        rank_index.index_rows(conn, rows, forget=forget)


def _insert_text(conn: SqlConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows and is_sqlite(conn):
        conn.executemany("INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    elif rows:
        # One statement for all the rows (ids are distinct: papers by id): a round trip is the cost here.
        conn.execute("INSERT INTO papers_fts (id, doc) SELECT id, doc::tsvector FROM unnest(?::bigint[], ?::text[]) "
                     "AS t(id, doc) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                     ([row[0] for row in rows], [tsvector_text(row) for row in rows]))


def write_text_only(conn: SqlConnection, papers: Sequence[tuple[int, Paper]]) -> None:
    """papers_fts for papers new to it (a copy between engines: the ranking index is copied as it is,
    papers_fts is each engine's own and made here)."""
    _insert_text(conn, [fts_row(paper_id, p) for paper_id, p in papers])


def rebuild_rank_index(conn: SqlConnection, batch: int = rank_index.BATCH) -> int:
    """Index every stored paper in the ranking index anew (papers_fts is left as it is); the count."""
    rank_index.clear(conn)
    last, done = 0, 0
    while True:
        found = conn.execute(f"SELECT p.id, {PAPER_COLUMNS} FROM papers p WHERE p.id > ? ORDER BY p.id LIMIT ?",
                             (last, batch)).fetchall()
        if not found:
            break
        text_dicts.ensure(conn, found)
        rank_index.index_rows(conn, [fts_row(int(r[0]), paper_from_row(r[1:])) for r in found], bulk=True)
        last, done = int(found[-1][0]), done + len(found)
    rank_index.merge_all(conn)
    rank_index.bump_generation(conn)
    return done
