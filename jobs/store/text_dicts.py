"""The text_dicts table: the database's zstd dictionary for papers' bodies (jobs/store/body_codec.py packs
and unpacks with it), learnt by readers when they meet it and trained by the ingest when it is due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from jobs.store import body_codec
from jobs.store.rows import SqlConnection, is_sqlite

log = logging.getLogger(__name__)

TRAIN_AT = 1_000  # papers stored before the dictionary is trained
SAMPLES = 2_000  # the newest bodies it is trained from
MIN_SAMPLE_BYTES = 400_000  # compressed bytes of samples needed: less text than this teaches little


ALL_DICTS = "SELECT id, data FROM text_dicts"


async def learn_for(rows: Sequence[Sequence[Any]], fetch: Callable[[str], Awaitable[Iterable[Sequence[Any]]]]
                    ) -> None:
    """On the read paths: learn the dictionaries these rows name, reading the table with `fetch(sql)` (an
    engine's own query function) only when one is missing."""
    if body_codec.missing(rows):
        body_codec.learn(await fetch(ALL_DICTS))


def ensure(conn: SqlConnection, rows: Sequence[Sequence[Any]]) -> None:
    """On the write paths (a plain or bridged connection): learn the dictionaries these rows name."""
    if body_codec.missing(rows):
        body_codec.learn(conn.execute(ALL_DICTS).fetchall())


def for_ingest(conn: SqlConnection) -> int | None:
    """The dictionary new bodies are packed with (None: zlib), trained now if it is due. Called once a
    write transaction; a database that has one reads one small row here."""
    if not _exists(conn):
        return None  # a database held at an older schema (tests build those): zlib, as it was
    ids = sorted(int(r[0]) for r in conn.execute("SELECT id FROM text_dicts").fetchall())
    if ids:
        if not all(map(body_codec.holds, ids)):  # and the ingest may read bodies packed with any of them
            body_codec.learn(conn.execute(ALL_DICTS).fetchall())
        return ids[0]
    stored = conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM papers LIMIT {TRAIN_AT}) AS stored").fetchone()[0]
    if stored < TRAIN_AT:
        return None
    newest = f"SELECT body FROM papers ORDER BY id DESC LIMIT {SAMPLES}"
    held = conn.execute(f"SELECT coalesce(sum(length(body)), 0) FROM ({newest}) AS newest").fetchone()[0]
    if int(held) < MIN_SAMPLE_BYTES:
        return None
    ensure(conn, bodies := conn.execute(newest).fetchall())
    dict_id, data = body_codec.train([body_codec.unpack(b) for (b,) in bodies])
    conn.execute("INSERT INTO text_dicts (id, data) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", (dict_id, data))
    body_codec.learn([(dict_id, data)])
    log.info("trained the papers' text dictionary (%d KiB) from %d papers: new papers take about a third "
             "less space", len(data) // 1024, len(bodies))
    return dict_id


def _exists(conn: SqlConnection) -> bool:
    if is_sqlite(conn):
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'text_dicts'").fetchone() is not None
    return conn.execute("SELECT to_regclass('text_dicts') IS NOT NULL").fetchone()[0]
