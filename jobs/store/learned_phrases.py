"""Learned phrases: the phrases of several tokens that searches asked for, counted in every paper, so that
the next search for one is ranked from numpy like a word (issue 20).

Without it a phrase of three tokens or more ("large language models", 强化学习 as its three bigrams) is
ranked by FTS5 (on PostgreSQL by the tsvector), which reads the positions of every paper holding its
tokens: 244 ms at a million papers. A search that meets a phrase the ranking index cannot count asks for
it to be learned (`learn`): its weighted count in every paper is read once from the text index (FTS5's
bm25 solved for the count on SQLite, the tsvector's covers on PostgreSQL) and kept as a part. From then
on every write of the ranking index (`rank_index.index_rows`, the one writer) counts the learned phrases
in the papers it indexes and adds a part: a later part's entry for a paper replaces an earlier one's (a
paper indexed again; 0 when it left the index), so the parts applied in order are the phrase's counts
now. A phrase's parts are folded into one when there are MAX_PARTS; at most MAX_PHRASES phrases are
kept (the least recently searched go first).

Writes run on the write connection's thread inside the caller's transaction, as rank_index's do; on
PostgreSQL every such transaction holds the writer lock, so no phrase is learned while papers are indexed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence

import numpy as np

from jobs.search.codec import decode_counts, decode_ids, encode_counts, encode_ids
from jobs.search.rank import Array, Corpus, Floats, counts_from_bm25
from jobs.store.fts_tokens import BM25_SQL
from jobs.store.rows import SqlConnection, is_sqlite
from jobs.store.tsv import cover_count, tsquery_text

MAX_PHRASES = 64  # each is counted again in every ingest's papers (well under a millisecond a phrase a day)
MAX_PARTS = 16
TOUCH_S = 3600.0  # a store says a learned phrase was searched at most this often (a write)

Part = tuple[bytes, bytes]  # (ids, counts), encoded


def learned(conn: SqlConnection) -> list[str]:
    """The learned phrases (tokens joined by spaces)."""
    if not _exists(conn):
        return []  # a database held at an older schema (tests build those; a read-only open reads those)
    return [r[0] for r in conn.execute("SELECT phrase FROM rank_phrases ORDER BY phrase")]


def _exists(conn: SqlConnection) -> bool:
    if is_sqlite(conn):
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'rank_phrases'").fetchone() is not None
    return conn.execute("SELECT to_regclass('rank_phrases') IS NOT NULL").fetchone()[0]


def parts(conn: SqlConnection, phrases: Sequence[str]) -> list[list[Part] | None]:
    """Each phrase's parts in the order they apply; None for a phrase not learned."""
    if not _exists(conn):
        return [None for _ in phrases]
    out: list[list[Part] | None] = []
    for phrase in phrases:
        if conn.execute("SELECT 1 FROM rank_phrases WHERE phrase = ?", (phrase,)).fetchone() is None:
            out.append(None)
        else:
            out.append([(bytes(r[0]), bytes(r[1])) for r in conn.execute(
                "SELECT ids, counts FROM rank_phrase_parts WHERE phrase = ? ORDER BY id", (phrase,))])
    return out


def counts(size: int, found: Sequence[Part]) -> Floats:
    """A phrase's weighted count in every paper (by id, `size` of them) from its parts, in order."""
    out = np.zeros(size, dtype=np.float64)
    for ids_blob, counts_blob in found:
        ids, values = decode_ids(ids_blob), decode_counts(counts_blob)
        keep = ids < size
        out[ids[keep]] = values[keep]
    return out


def write(conn: SqlConnection, found: dict[str, list[tuple[Array, Array]]], forget: Iterable[int]) -> None:
    """A part for each learned phrase: 0 for the papers in `forget` (indexed again, or gone), then `found`'s
    (rows holding the phrase, weighted counts) of the papers just indexed, a pair for each batch of them."""
    gone = np.array(sorted(set(forget)), dtype=np.int64)
    for phrase, batches in found.items():
        merged_ids = np.r_[gone, *(ids for ids, _ in batches)].astype(np.int64)
        merged = np.r_[np.zeros(len(gone), dtype=np.int64), *(values for _, values in batches)].astype(np.int64)
        if not len(merged_ids):
            continue
        last = len(merged_ids) - 1 - np.unique(merged_ids[::-1], return_index=True)[1]  # the found entry wins
        _add_part(conn, phrase, merged_ids[last], merged[last])
        held = int(conn.execute("SELECT count(*) FROM rank_phrase_parts WHERE phrase = ?", (phrase,)).fetchone()[0])
        if held >= MAX_PARTS:
            _fold(conn, phrase)


def learn(conn: SqlConnection, phrase: str) -> bool:
    """Count `phrase` (tokens joined by spaces) in every paper from the text index and keep it, in the
    caller's write transaction; whether it was learned now (False: it was already)."""
    if not _exists(conn) or conn.execute("SELECT 1 FROM rank_phrases WHERE phrase = ?", (phrase,)).fetchone():
        return False
    ids, values = _counted_by_text_index(conn, phrase)
    held = [r[0] for r in conn.execute("SELECT phrase FROM rank_phrases ORDER BY learned, phrase")]  # searched last
    for old in held[: max(0, len(held) - MAX_PHRASES + 1)]:
        forget(conn, old)
    conn.execute("INSERT INTO rank_phrases (phrase, learned) VALUES (?, ?)", (phrase, time.time()))
    _add_part(conn, phrase, ids, values)
    return True


def touch(conn: SqlConnection, phrases: Sequence[str]) -> None:
    """These phrases were searched now: the least recently searched makes room first (`learn`)."""
    if _exists(conn):
        conn.executemany("UPDATE rank_phrases SET learned = ? WHERE phrase = ?", [(time.time(), p) for p in phrases])


def forget(conn: SqlConnection, phrase: str) -> None:
    conn.execute("DELETE FROM rank_phrase_parts WHERE phrase = ?", (phrase,))
    conn.execute("DELETE FROM rank_phrases WHERE phrase = ?", (phrase,))


def clear_parts(conn: SqlConnection) -> None:
    """Every phrase's counts forgotten (the ranking index is rebuilt, which counts them again)."""
    if learned(conn):
        conn.execute("DELETE FROM rank_phrase_parts")


def _counted_by_text_index(conn: SqlConnection, phrase: str) -> tuple[Array, Array]:
    """(papers holding `phrase`, its weighted count in each), by id, from papers_fts."""
    if not is_sqlite(conn):  # the tsvector's covers, weighted by column (tsv.cover_count)
        query = tsquery_text(phrase.split(" "))
        rows = conn.execute(f"SELECT id, {cover_count('doc', '?::tsquery')} FROM papers_fts WHERE doc @@ ?::tsquery",
                            (query, query)).fetchall()
        found = np.array(rows, dtype=np.float64).reshape(-1, 2)
        return found[:, 0].astype(np.int64), np.rint(found[:, 1]).astype(np.int64)
    rows = conn.execute(f"SELECT rowid, {BM25_SQL} FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rowid",
                        ('"' + phrase + '"',)).fetchall()  # tokens hold no quote: they are letters and digits
    found = np.array(rows, dtype=np.float64).reshape(-1, 2)
    ids = found[:, 0].astype(np.int64)
    docs, total = conn.execute("SELECT count(*), coalesce(sum(len), 0) FROM rank_docs").fetchone()
    length = np.zeros(int(ids.max()) + 1 if len(ids) else 1, dtype=np.float64)
    if len(ids):
        lens = np.array(conn.execute("SELECT id, len FROM rank_docs WHERE id IN (SELECT value FROM json_each(?))",
                                     (json.dumps(ids.tolist()),)).fetchall(), dtype=np.int64).reshape(-1, 2)
        length[lens[:, 0]] = lens[:, 1]
    corpus = Corpus.built(np.zeros(len(length), dtype=np.int64), length, int(docs), int(total), frozenset())
    return ids, counts_from_bm25(corpus, ids, found[:, 1])


def _add_part(conn: SqlConnection, phrase: str, ids: Array, values: Array) -> None:
    order = np.argsort(ids, kind="stable")
    conn.execute("INSERT INTO rank_phrase_parts (id, phrase, ids, counts) VALUES "
                 "((SELECT coalesce(max(id), 0) + 1 FROM rank_phrase_parts), ?, ?, ?)",
                 (phrase, encode_ids(ids[order]), encode_counts(values[order])))


def _fold(conn: SqlConnection, phrase: str) -> None:
    """A phrase's parts as one: its counts now, the papers holding it only."""
    found = parts(conn, [phrase])[0] or []
    size = 1 + max((int(decode_ids(i).max(initial=0)) for i, _ in found), default=0)
    now = counts(size, found)
    conn.execute("DELETE FROM rank_phrase_parts WHERE phrase = ?", (phrase,))
    ids = np.flatnonzero(now)
    _add_part(conn, phrase, ids, now[ids].astype(np.int64))
