"""The ranking index's SQL (see migration 0013 and jobs/search/rank.py for what it is for).

Writes happen on the write connection's thread inside the caller's transaction: `index_rows` is
called by `text_index.write_index`, the one place that writes papers_fts, with the same rows, so
the two indexes hold the same papers. Reads return arrays and encoded postings for `jobs.search.rank`.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from jobs.foreground import step_aside, stepping
from jobs.search import pairs
from jobs.search.codec import decode_many, encode_columns
from jobs.search.rank import Array, Postings
from jobs.store import learned_phrases
from jobs.store.fts_tokens import Counted, weighted_counts
from jobs.store.rows import SqlConnection, is_sqlite

log = logging.getLogger(__name__)

FANOUT = 8  # segments of one level merged into one of the next
BATCH = 5000  # papers indexed as one segment at most
# Fresh segments (one row each: cheap to write, and readers keep them in memory, about 6.5 KB a paper)
# are merged whole into one of level 1 when there are this many, or when they index this many papers:
# a reader holds a few MB of them at most, and that merge (about 60 posting rows written a paper)
# costs less than a daily-arXiv day's ingest (about 530 papers).
FRESH_SEGMENTS, FRESH_PAPERS = 32, 1_000


def bump_generation(conn: SqlConnection) -> None:
    """A new generation: a random number, so that one rolled back is never seen again later."""
    if _exists(conn):
        conn.execute("UPDATE rank_state SET generation = ? WHERE id = 1", (secrets.randbits(62),))


def reset(conn: SqlConnection, part: str) -> None:
    """Say that `part` ("docs" or "appearances") changed by more than additions, so that readers load
    it whole (jobs/store/rank_snapshot.py); the generation is bumped too. An epoch only grows: one
    rolled back is taken again later, by a change a reader is told of then."""
    if _exists(conn):
        column = {"docs": "docs_epoch", "appearances": "appearances_epoch"}[part]
        conn.execute(f"UPDATE rank_state SET {column} = {column} + 1 WHERE id = 1")
        bump_generation(conn)


def index_rows(conn: SqlConnection, add: Sequence[Sequence[Any]], forget: Iterable[int] = (), *,
               bulk: bool = False) -> None:
    """Index full-text rows (rowid, title, authors, abstract, summary, takeaways, ids) as a new
    segment, and forget the papers in `forget` that are not re-added. `bulk` (a rebuild): write a
    compact segment at once, and leave merging to the caller."""
    if not _exists(conn):
        return  # a database held at an older schema (tests build those): filled when it upgrades
    forget = list(forget)
    phrases = learned_phrases.learned(conn) if add or forget else []
    added = {int(r[0]) for r in add}
    gone = [i for i in forget if i not in added]
    if gone:
        conn.executemany("DELETE FROM rank_docs WHERE id = ?", [(i,) for i in gone])
        reset(conn, "docs")
    ordered = add if all(a[0] < b[0] for a, b in pairwise(add)) else sorted(add, key=lambda r: int(r[0]))
    terms, paired = 0, 0
    found: dict[str, list[tuple[Array, Array]]] = {p: [] for p in phrases}
    for start in range(0, len(ordered), BATCH):  # a huge post: bounded arrays, no long call holding the GIL
        counted = _index_batch(conn, ordered[start : start + BATCH], bulk, phrases)
        terms += len(counted.terms)
        paired += sum(1 for t in counted.terms if t < pairs.WORDS)
        for phrase, got in counted.phrases.items():
            found[phrase].append(got)
    if phrases:
        learned_phrases.write(conn, found, forget)
    if not bulk:
        # Pair and marker terms are rows to merge too: steps grow with them, or merges would fall behind.
        _merge_due(conn, len(add), terms / max(1, terms - paired))
    if add or gone:
        bump_generation(conn)


def _index_batch(conn: SqlConnection, rows: Sequence[Sequence[Any]], bulk: bool, phrases: Sequence[str] = ()
                 ) -> Counted:
    counted = weighted_counts(rows, phrases=phrases)
    if rows:
        seg = _new_segment(conn, 1 if bulk else 0, len(counted.lengths))
        conn.executemany("INSERT INTO rank_docs (id, seg, len) VALUES (?, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET seg = excluded.seg, len = excluded.len",
                         [(i, seg, n) for i, n in counted.lengths.items()])
        if bulk:
            first = _next_row(conn)
            _write(conn, seg, *_by_term(counted))
            _close_range(conn, seg, first)
        else:
            _write_fresh(conn, seg, counted)
    return counted


class Pending:
    """Rows for `index_rows` gathered through a transaction and indexed at its end, as one segment:
    a paper indexed twice meanwhile counts with its last text."""

    def __init__(self) -> None:
        self.rows: dict[int, Sequence[Any]] = {}
        self.forget: set[int] = set()

    def add(self, rows: Sequence[Sequence[Any]], forget: Iterable[int]) -> None:
        added = {int(row[0]) for row in rows}
        for paper_id in forget:
            self.forget.add(paper_id)
            if paper_id not in added:
                self.rows.pop(paper_id, None)  # indexed earlier in the transaction, gone since
        for row in rows:
            self.rows.pop(int(row[0]), None)  # re-inserted: the dict keeps first-seen order otherwise
            self.rows[int(row[0])] = row

    def flush(self, conn: SqlConnection) -> None:
        if self.rows or self.forget:
            index_rows(conn, list(self.rows.values()), self.forget)
        self.rows, self.forget = {}, set()


def _exists(conn: SqlConnection) -> bool:
    if not is_sqlite(conn):
        return True  # PostgreSQL's first schema has it
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'rank_docs'").fetchone() is not None


def _next_row(conn: SqlConnection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM rank_postings").fetchone()[0])


def _write(conn: SqlConnection, seg: int, terms: list[str], starts: Array, ids: Array, counts: Array) -> None:
    """Posting rows of segment `seg` (terms in order), appended at the next rowids."""
    first = _next_row(conn)
    id_blobs, count_blobs = encode_columns(starts, ids, counts, compact=True)
    conn.executemany("INSERT INTO rank_postings (id, term, seg, ids, counts) VALUES (?, ?, ?, ?, ?)",
                     zip(range(first, first + len(terms)), terms, repeat(seg, len(terms)), id_blobs, count_blobs,
                         strict=True))


def _close_range(conn: SqlConnection, seg: int, first: int) -> None:
    """Segment `seg`'s posting rows are those written since rowid `first`."""
    conn.execute("UPDATE rank_segments SET first_row = ?, last_row = ? WHERE seg = ?",
                 (first, _next_row(conn) - 1, seg))


def _by_term(counted: Counted) -> tuple[list[str], Array, Array, Array]:
    """`counted` with its terms sorted: (terms, starts, ids, counts)."""
    order = sorted(range(len(counted.terms)), key=counted.terms.__getitem__)
    index = np.array(order, dtype=np.int64)
    begin, sizes = counted.starts[:-1][index], np.diff(counted.starts)[index]
    starts = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    pick = np.repeat(begin - starts[:-1], sizes) + np.arange(starts[-1])  # the postings, term by term in order
    return [counted.terms[i] for i in order], starts, counted.ids[pick], counted.counts[pick]


def _write_fresh(conn: SqlConnection, seg: int, counted: Counted) -> None:
    terms, starts, ids, counts = _by_term(counted)
    joined = "\0".join(terms)
    conn.execute("INSERT INTO rank_fresh (seg, terms, starts, ids, counts) VALUES (?, ?, ?, ?, ?)",
                 (seg, joined if is_sqlite(conn) else joined.encode(), starts.astype("<u4").tobytes(),
                  ids.astype("<u4").tobytes(), counts.astype("<u4").tobytes()))


_FRESH = "SELECT seg, terms, starts, ids, counts FROM rank_fresh"  # the columns Fresh.of reads


@dataclass(frozen=True, slots=True)
class Fresh:
    """A fresh segment, decoded: term i (sorted) holds ids[starts[i]:starts[i + 1]]. Its terms stay
    one string, as stored (term i is text[at[i] : at[i + 1] - 1]): a str object per term cost
    readers about 80 bytes a term, four fifths of a fresh segment's memory."""

    seg: int
    text: str
    at: Array
    starts: Array
    ids: Array
    counts: Array

    @classmethod
    def of(cls, row: Sequence[Any]) -> Fresh:
        text = row[1].decode() if isinstance(row[1], bytes) else row[1]  # PostgreSQL keeps them as bytes
        ends = np.flatnonzero(np.frombuffer((text + "\0").encode("utf-32-le"), dtype="<u4") == 0) if text else []
        at = np.r_[0, np.asarray(ends, dtype=np.int64) + 1].astype("<u4")
        return cls(int(row[0]), text, at, *(np.frombuffer(b, dtype="<u4") for b in row[2:5]))

    def __len__(self) -> int:
        return len(self.at) - 1

    @property
    def nbytes(self) -> int:
        """Memory held (what benchmarks/scale.py reports)."""
        return sys.getsizeof(self.text) + sum(a.nbytes for a in (self.at, self.starts, self.ids, self.counts))

    def term(self, i: int) -> str:
        return self.text[int(self.at[i]) : int(self.at[i + 1]) - 1]

    @property
    def terms(self) -> list[str]:
        return self.text.split("\0") if self.text else []

    def _left(self, term: str) -> int:
        return bisect_left(range(len(self)), term, key=self.term)

    def _right(self, term: str) -> int:
        return bisect_right(range(len(self)), term, key=self.term)

    def between(self, after: str | None, upto: str | None) -> tuple[int, list[str], Array, Array, Array]:
        """(segment, terms, starts, ids, counts) of the terms after `after` up to `upto` (inclusive;
        None: no bound), starts relative to the slice."""
        lo = 0 if after is None else self._right(after)
        hi = len(self) if upto is None else self._right(upto)
        a, b = int(self.starts[lo]), int(self.starts[hi])
        terms = self.text[int(self.at[lo]) : int(self.at[hi]) - 1].split("\0") if hi > lo else []
        return (self.seg, terms, self.starts[lo : hi + 1].astype(np.int64) - a, self.ids[a:b], self.counts[a:b])

    def lookup(self, term: str, prefix: bool) -> list[tuple[Array, Array]]:
        lo = self._left(term)
        hi = self._left(_after_prefix(term)) if prefix else lo + (lo < len(self) and self.term(lo) == term)
        return [(self.ids[self.starts[i] : self.starts[i + 1]], self.counts[self.starts[i] : self.starts[i + 1]])
                for i in range(lo, hi)]


def _after_prefix(term: str) -> str:
    """The first string after every string that starts with `term` (code point order, which is
    SQLite's bytewise UTF-8 order). Surrogates are skipped (they cannot be stored); a term whose
    last character is the last code point has no next one of its length: drop it and go on."""
    last = ord(term[-1])
    if last == 0x10FFFF:
        return _after_prefix(term[:-1]) if len(term) > 1 else "\U0010ffff" * 2
    return term[:-1] + chr(0xE000 if 0xD7FF <= last < 0xE000 else last + 1)


# A merge's record (rank_merges) is kept while this many newer segments are made: years of days. A reader
# holding arrays older than that reads the merged papers again, as it did before records were kept.
MERGES_KEPT = 10_000


def _new_segment(conn: SqlConnection, level: int, docs: int, sources: Sequence[int] = ()) -> int:
    """A new segment's number; `sources`: the segments merged into it, recorded so that readers move their
    papers in memory (jobs/store/rank_snapshot.py)."""
    seg = int(conn.execute("INSERT INTO rank_segments (level, docs) VALUES (?, ?) RETURNING seg",
                           (level, docs)).fetchall()[0][0])
    if sources:
        conn.executemany("INSERT INTO rank_merges (target, source) VALUES (?, ?)", [(seg, s) for s in sources])
        conn.execute("DELETE FROM rank_merges WHERE target < ?", (seg - MERGES_KEPT,))
    return seg


# A level merge (segments of level 1 and up) is done a range of terms at a time, one step an ingest, so no
# ingest pays for a whole level (at a million papers one rewrites hundreds of thousands of papers' postings):
# a step merges about this many posting rows, and more for a bigger ingest, which keeps merges ahead of the
# segments ingests make (tens of rows a paper across levels). Fresh segments are merged whole (a few
# thousand papers at most). See `_merge_step` for what readers see meanwhile.
STEP_ROWS, STEP_ROWS_PER_PAPER = 4_000, 120
STEP_PIECE = 50_000  # posting rows read and merged at once inside a step (tens of MB at a million papers)
CATCH_UP_ROWS = 500_000  # about eight days' steps at most (15-20 s of CPU), however far behind


def _merge_due(conn: SqlConnection, papers: int, rows_per_word: float = 1.0) -> None:
    """The merging an ingest of `papers` papers does: the fresh segments when there are enough, else
    one bounded step of a level merge (not both for a day's ingest: each is about as much work as the
    ingest itself; both for a bulk one, which makes a level-1 segment each time),
    `rows_per_word` times as big as the papers' word rows ask (the pair terms' share). While a merger
    process is at work (`merger_alive`), none: only what it left overdue (it stopped or fell behind)."""
    behind = 2 if merger_alive(conn) else 1
    fresh = conn.execute("SELECT count(*), coalesce(sum(docs), 0) FROM rank_segments WHERE level = 0").fetchone()
    if fresh[0] >= behind * FRESH_SEGMENTS or fresh[1] >= behind * FRESH_PAPERS:
        _merge_fresh(conn)
        if papers < FRESH_PAPERS:
            return
        # A bulk ingest (a batch of posts) makes a level-1 segment every time: with no step beside its fresh
        # merge, level 1 only grew (48 segments after a 100k build), and every search read them all.
    # Behind (a level holding more than FANOUT segments while another merges): bigger steps until
    # caught up, or segments would pile up and every search read more of them.
    most = int(conn.execute("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM rank_segments WHERE level > 0 "
                            "AND merged_upto IS NULL GROUP BY level) AS levels").fetchone()[0])
    if behind == 1 or most >= behind * FANOUT:
        # Catching up takes at most CATCH_UP_ROWS an ingest: a level piled up by an older release (91
        # level-1 segments after a 960k-paper build) is caught up over days, not by an ingest of minutes.
        budget = min(int(max(STEP_ROWS, STEP_ROWS_PER_PAPER * papers) * rows_per_word) * (1 + max(0, most - FANOUT)),
                     max(CATCH_UP_ROWS, int(STEP_ROWS_PER_PAPER * papers * rows_per_word)))
        # A big step (a bulk ingest's, or one catching up) is merged a piece at a time: the memory of one
        # piece, the same work (one step of 5.3M rows read at once took over 20 GB).
        owners = Owners()
        while budget > 0 and (merged := _merge_step(conn, min(budget, STEP_PIECE), owners)):
            budget -= merged
            if not conn.execute("SELECT 1 FROM rank_segments WHERE merged_upto IS NOT NULL").fetchone():
                break  # the merge ended: the next begins with the next ingest, as a step did before pieces


def _merge_fresh(conn: SqlConnection) -> None:
    _merge(conn, [int(r[0]) for r in conn.execute("SELECT seg FROM rank_segments WHERE level = 0 ORDER BY seg")], 1)


# The merger process (jobs/ops/rank_merger.py) merges in transactions of its own, so that no ingest pays
# for it; it says it is at work in `meta` at every piece of work (and every rank_merger.BEAT_S when idle).
MERGER_KEY, MERGER_ALIVE_S = "rank_merger", 60.0
MERGER_ROWS = 20_000  # posting rows a piece of its work merges: a short transaction (about 0.1 s)


def merger_alive(conn: SqlConnection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (MERGER_KEY,)).fetchone()
    try:
        return row is not None and time.time() - float(row[0]) < MERGER_ALIVE_S
    except ValueError:
        return False


def beat(conn: SqlConnection) -> None:
    """Say that a merger is at work, now."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (MERGER_KEY, repr(time.time())))


def due(conn: SqlConnection) -> bool:
    """Is there merging to do: fresh segments enough to merge, a level merge under way, or a full level?"""
    fresh = conn.execute("SELECT count(*), coalesce(sum(docs), 0) FROM rank_segments WHERE level = 0").fetchone()
    full = conn.execute("SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM rank_segments WHERE level > 0 "
                        "GROUP BY level) AS levels").fetchone()[0]
    under_way = conn.execute("SELECT 1 FROM rank_segments WHERE merged_upto IS NOT NULL").fetchone()
    return bool(fresh[0] >= FRESH_SEGMENTS or fresh[1] >= FRESH_PAPERS or under_way or int(full) >= FANOUT)


class Owners:
    """Each paper's segment among a level merge's sources (`_owners`), kept between the pieces of that merge
    by one process: at a million papers reading them (370,000 rows for a merge into level 3) was most of a
    piece. Kept stale is safe: sources only lose papers (indexed again, forgotten), and a posting of a paper
    that left is copied into the target, where readers count it dead as they count any posting of a paper
    that moved (the target is not clean: it holds fewer papers than it was made with)."""

    def __init__(self) -> None:
        self._key: tuple[int, int, tuple[int, ...]] | None = None
        self._live: Array | None = None

    def of(self, conn: SqlConnection, target: int, sources: list[int]) -> Array:
        # With the docs epoch: a rebuild (`clear`) numbers segments from 1 again on SQLite, and the same numbers
        # would hold other papers.
        epoch = int(conn.execute("SELECT docs_epoch FROM rank_state WHERE id = 1").fetchone()[0])
        key = (epoch, target, tuple(sources))
        if self._key != key or self._live is None:
            self._live, self._key = _owners(conn, sources), key
        return self._live


def merge_some(conn: SqlConnection, rows: int = MERGER_ROWS, owners: Owners | None = None) -> bool:
    """One piece of the merging (the merger's; the caller's transaction): the fresh segments when they
    are due, else about `rows` posting rows of a level merge. Whether there was any to do. `owners`: kept
    from the previous piece (the merger's, between its transactions)."""
    beat(conn)
    if not _exists(conn):
        return False
    fresh = conn.execute("SELECT count(*), coalesce(sum(docs), 0) FROM rank_segments WHERE level = 0").fetchone()
    if fresh[0] >= FRESH_SEGMENTS or fresh[1] >= FRESH_PAPERS:
        _merge_fresh(conn)
    elif not _merge_step(conn, rows, owners):
        return False
    bump_generation(conn)
    return True


def _merge_step(conn: SqlConnection, budget: int, owners: Owners | None = None) -> int:
    """Merge about `budget` posting rows of the level merge under way (starting one when a level is
    full): the next range of terms of its sources is written into its target and deleted from them.
    Meanwhile each term's postings are in the target (terms up to `merged_upto`) or in the sources,
    never both; the papers stay in the sources until the last step moves them, and a reader counts a
    target's posting live when its paper is still in one of the target's sources (`merging` below).
    The posting rows it merged, at least 1 when there was a merge to step (0: none)."""
    target = conn.execute("SELECT seg, merged_upto FROM rank_segments WHERE merged_upto IS NOT NULL").fetchone()
    if target is None:
        started = _start_merge(conn)
        if started is None:
            return 0
        target = (started, "")
    seg, upto = int(target[0]), target[1]
    sources = [int(r[0]) for r in conn.execute("SELECT seg FROM rank_segments WHERE merging_into = ? ORDER BY seg",
                                               (seg,))]
    marks = ",".join("?" * len(sources))
    bound, terms, args = _piece_bound(conn, sources, upto, budget)
    # A segment's rows are written in term order at rising ids, so a range of its terms is a range of
    # ids: read in id order, not one index lookup a row (most of a step's time when it was).
    spans = conn.execute(f"SELECT seg, min(id), max(id) FROM rank_postings WHERE seg IN ({marks}) AND {terms} "
                         "GROUP BY seg", (*sources, *args)).fetchall()
    rows: list[Any] = []
    for source, low, high in spans:
        rows += conn.execute("SELECT term, seg, ids, counts FROM rank_postings WHERE id BETWEEN ? AND ? AND seg = ?",
                             (low, high, source)).fetchall()
    if rows:
        live = owners.of(conn, seg, sources) if owners is not None else _owners(conn, sources)
        _merge_terms(conn, seg, live, rows, [], len(sources))
        for source, low, high in spans:
            conn.execute("DELETE FROM rank_postings WHERE id BETWEEN ? AND ? AND seg = ?", (low, high, source))
    if bound is not None:
        conn.execute("UPDATE rank_segments SET merged_upto = ? WHERE seg = ?", (bound, seg))
        return max(1, len(rows))
    conn.execute(f"UPDATE rank_docs SET seg = ? WHERE seg IN ({marks})", (seg, *sources))
    conn.execute(f"DELETE FROM rank_segments WHERE seg IN ({marks})", sources)
    conn.execute("UPDATE rank_segments SET merged_upto = NULL WHERE seg = ?", (seg,))
    return max(1, len(rows))


def _piece_bound(conn: SqlConnection, sources: list[int], upto: str, budget: int
                 ) -> tuple[str | None, str, tuple[str, ...]]:
    """The last term of a piece after `upto` (None: to the end), and the SQL condition and arguments
    selecting the piece's terms: about `budget` posting rows, fewer when they hold over MERGE_CHUNK bytes
    of ids. Rows alone did not bound memory: at a million papers 50,000 rows of level 3 held tens of
    millions of postings, and a bulk build peaked at 4.4 GB decoding them."""
    marks = ",".join("?" * len(sources))
    while True:
        found = conn.execute(f"SELECT term FROM rank_postings WHERE seg IN ({marks}) AND term > ? ORDER BY term "
                             "LIMIT 1 OFFSET ?", (*sources, upto, budget)).fetchone()
        bound = None if found is None else found[0]
        terms = "term > ?" + ("" if bound is None else " AND term <= ?")
        args = (upto,) + (() if bound is None else (bound,))
        if budget <= 1:
            return bound, terms, args
        # length() of a blob reads its size from the row's header, not the blob.
        size = int(conn.execute(f"SELECT coalesce(sum(length(ids)), 0) FROM rank_postings WHERE seg IN ({marks}) "
                                f"AND {terms}", (*sources, *args)).fetchone()[0])
        if size <= MERGE_CHUNK:
            return bound, terms, args
        budget = max(1, budget * MERGE_CHUNK // size // 2)  # postings are not spread evenly: aim below


def _start_merge(conn: SqlConnection) -> int | None:
    """Begin merging the lowest full level (FANOUT segments of level 1 or more) into a segment of the next;
    its number, or None when no level is full."""
    levels = conn.execute("SELECT level, count(*) FROM rank_segments WHERE level > 0 GROUP BY level ORDER BY level")
    full = next((int(level) for level, n in levels.fetchall() if n >= FANOUT), None)
    if full is None:
        return None
    sources = [int(r[0]) for r in conn.execute("SELECT seg FROM rank_segments WHERE level = ? ORDER BY seg", (full,))]
    marks = ",".join("?" * len(sources))
    docs = int(conn.execute(f"SELECT count(*) FROM rank_docs WHERE seg IN ({marks})", sources).fetchone()[0])
    seg = _new_segment(conn, full + 1, docs, sources)
    conn.execute("UPDATE rank_segments SET merged_upto = '' WHERE seg = ?", (seg,))
    conn.execute(f"UPDATE rank_segments SET merging_into = ? WHERE seg IN ({marks})", (seg, *sources))
    return seg


def _owners(conn: SqlConnection, segs: list[int]) -> Array:
    """By paper id: the segment among `segs` holding the paper's live postings (-1: none of them)."""
    marks = ",".join("?" * len(segs))
    docs = np.array(conn.execute(f"SELECT id, seg FROM rank_docs WHERE seg IN ({marks})", segs).fetchall(),
                    dtype=np.int64).reshape(-1, 2)
    live = np.full(int(docs[:, 0].max()) + 1 if len(docs) else 1, -1, dtype=np.int64)
    live[docs[:, 0]] = docs[:, 1]
    return live


MERGE_CHUNK = 4_000_000  # bytes of encoded ids merged at a time: bounds a merge's memory (tens of MB)


def _merge(conn: SqlConnection, segs: list[int], level: int) -> None:
    """Rewrite segments `segs` as one segment of `level` at once (fresh segments; everything after a
    rebuild): live postings only, compactly encoded, a range of terms at a time."""
    marks = ",".join("?" * len(segs))
    live = _owners(conn, segs)
    docs = int(np.count_nonzero(live >= 0))
    merged = conn.execute(f"SELECT 1 FROM rank_segments WHERE seg IN ({marks}) AND level > 0 LIMIT 1",
                          segs).fetchone()
    fresh = [Fresh.of(r) for r in conn.execute(f"{_FRESH} WHERE seg IN ({marks})", segs)]
    seg = _new_segment(conn, level, docs, segs)
    first = _next_row(conn)
    conn.execute(f"UPDATE rank_docs SET seg = ? WHERE seg IN ({marks})", (seg, *segs))
    # Rows of the merged segments in term order; new rows (segment `seg`) never pass the filter.
    rows = conn.execute(f"SELECT term, seg, ids, counts FROM rank_postings WHERE seg IN ({marks}) ORDER BY term",
                        segs) if merged else iter(())
    chunk: list[Any] = []
    held, after = 0, None  # bytes of ids in `chunk`; the last term of the previous chunk
    for row in stepping(rows):  # a search in this process goes first (jobs/foreground.py)
        if held >= MERGE_CHUNK and row[0] != chunk[-1][0]:
            _merge_terms(conn, seg, live, chunk, [f.between(after, chunk[-1][0]) for f in fresh], len(segs))
            after, chunk, held = chunk[-1][0], [], 0
        chunk.append(row)
        held += len(row[2])
    _merge_terms(conn, seg, live, chunk, [f.between(after, None) for f in fresh], len(segs))
    if merged:
        conn.execute(f"DELETE FROM rank_postings WHERE seg IN ({marks})", segs)
    conn.execute(f"DELETE FROM rank_fresh WHERE seg IN ({marks})", segs)
    conn.execute(f"DELETE FROM rank_segments WHERE seg IN ({marks})", segs)
    _close_range(conn, seg, first)


def _merge_terms(conn: SqlConnection, seg: int, live: Array, rows: list[Any],
                 fresh: list[tuple[int, list[str], Array, Array, Array]], sources: int) -> None:
    """Merge the postings of one range of terms: merged segments' rows and fresh segments' slices
    (segment, terms, starts, ids, counts), live ones only, into rows of segment `seg`; the `sources`
    segments merged keep the markers (jobs/search/pairs.py) they all hold."""
    step_aside()  # between ranges of terms too: a search in this process goes first (jobs/foreground.py)
    size = len(live)
    names = sorted({r[0] for r in rows}.union(*(f[1] for f in fresh)))
    if not names:
        return
    number = {t: i for i, t in enumerate(names)}
    parts_term, parts_ids, parts_counts, parts_seg = [], [], [], []
    if rows:
        ids, counts, lengths = _decode_rows(rows)
        parts_term.append(np.repeat(np.array([number[r[0]] for r in rows], dtype=np.int64), lengths))
        parts_seg.append(np.repeat(np.array([r[1] for r in rows], dtype=np.int64), lengths))
        parts_ids.append(ids)
        parts_counts.append(counts)
    for owner, terms, starts, ids, counts in fresh:
        parts_term.append(np.repeat(np.array([number[t] for t in terms], dtype=np.int64), np.diff(starts)))
        parts_seg.append(np.full(len(ids), owner, dtype=np.int64))
        parts_ids.append(ids.astype(np.int64))
        parts_counts.append(counts.astype(np.int64))
    term, ids = np.concatenate(parts_term), np.concatenate(parts_ids)
    counts, owner_of = np.concatenate(parts_counts), np.concatenate(parts_seg)
    keep = (ids < size) & (live[np.minimum(ids, size - 1)] == owner_of)
    keep = _keep_markers(names, term, owner_of, sources, keep)
    ids, counts, term = ids[keep], counts[keep], term[keep]
    if not len(ids):
        return
    order = np.lexsort((ids, term))
    ids, counts, term = ids[order], counts[order], term[order]
    starts = np.flatnonzero(np.r_[True, term[1:] != term[:-1]])
    _write(conn, seg, [names[t] for t in term[starts].tolist()], np.r_[starts, len(ids)].astype(np.int64),
           ids, counts)


def _keep_markers(names: list[str], term: Array, owner: Array, sources: int, keep: npt.NDArray[np.bool_]
                  ) -> npt.NDArray[np.bool_]:
    """`keep` with each marker term kept once when every one of the `sources` segments holds it, and
    dropped otherwise: a merged segment is complete for a token's pairs only when each part was. A
    marker's paper need not be live (its segment's pairs were complete for the papers it held)."""
    marks = np.array([pairs.is_marker(n) for n in names], dtype=bool)
    if not marks.any():
        return keep
    mark = marks[term]
    span = int(owner.max()) + 1
    held = np.unique(term[mark] * span + owner[mark]) // span  # each marker once per segment holding it
    found, holders = np.unique(held, return_counts=True)
    full = found[holders >= sources]
    at = np.flatnonzero(mark)
    first = at[np.unique(term[at], return_index=True)[1]]  # one posting of each marker
    keep = keep & ~mark
    keep[first[np.isin(term[first], full)]] = True
    return keep


def _decode_rows(rows: list[Any]) -> tuple[Array, Array, Array]:
    """All postings of (term, seg, ids, counts) rows, concatenated, and each row's count."""
    return decode_many([r[2] for r in rows], [r[3] for r in rows])


def merge_all(conn: SqlConnection) -> None:
    """Merge every segment into one (after a rebuild: the smallest, quickest form)."""
    rows = conn.execute("SELECT seg, level FROM rank_segments ORDER BY seg").fetchall()
    if len(rows) > 1 or (rows and rows[0][1] == 0):
        _merge(conn, [int(r[0]) for r in rows], max(int(r[1]) for r in rows) + 1)


def is_stale(conn: SqlConnection) -> bool:
    """Does the ranking index miss papers (a database from before it, or one it fell out of step with)?"""
    papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    return bool(papers != conn.execute("SELECT count(*) FROM rank_docs").fetchone()[0])


def clear(conn: SqlConnection) -> None:
    # rank_merges too: SQLite numbers segments anew after this, and a record must never name another's
    for table in ("rank_postings", "rank_fresh", "rank_docs", "rank_segments", "rank_merges"):
        conn.execute(f"DELETE FROM {table}")
    learned_phrases.clear_parts(conn)
    reset(conn, "docs")


# ---- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Appearances:
    """Every appearance as arrays sorted by paper then date (dates as YYYYMMDD integers)."""

    paper: Array
    topic: Array
    date: Array
    topics: dict[str, int]


def day_number(text: str | None) -> int:
    """A YYYY-MM-DD date as the integer YYYYMMDD, as readers of appearances take it (0: none)."""
    try:
        return int((text or "").replace("-", "")[:8] or 0)
    except ValueError:
        return 0


def newest_dates(conn: SqlConnection, ids: Sequence[int]) -> dict[int, int]:
    """The newest appearance date (YYYYMMDD) of each of these papers that has one."""
    if not is_sqlite(conn):
        return {int(p): day_number(d) for p, d in conn.execute(
            "SELECT paper_id, max(post_date) FROM appearances WHERE paper_id = ANY(?::bigint[]) GROUP BY paper_id",
            (list(ids),))}
    return dict(conn.execute(
        "SELECT paper_id, CAST(replace(substr(max(post_date), 1, 10), '-', '') AS INTEGER) FROM appearances "
        "WHERE paper_id IN (SELECT value FROM json_each(?)) GROUP BY paper_id", (json.dumps(list(ids)),)))


def load_fresh(conn: SqlConnection, after: int = -1) -> list[Fresh]:
    """The fresh segments (those numbered above `after`)."""
    return [Fresh.of(r) for r in conn.execute(f"{_FRESH} WHERE seg > ? ORDER BY seg", (after,))]


def postings(conn: SqlConnection, terms: Sequence[tuple[str, bool]]) -> list[Postings]:
    """The merged segments' posting rows of each (term, prefix?) pair: a term's own, or every
    term it begins. Fresh segments are held whole by readers (`load_fresh`)."""
    out: list[Postings] = []
    for term, prefix in terms:
        if prefix and term:
            rows = conn.execute("SELECT seg, ids, counts FROM rank_postings WHERE term >= ? AND term < ?",
                                (term, _after_prefix(term))).fetchall()
        else:
            rows = conn.execute("SELECT seg, ids, counts FROM rank_postings WHERE term = ?", (term,)).fetchall()
        out.append(rows)
    return out
