"""Tokens exactly as the full-text index sees them, decided by SQLite's own tokenizer.

The ranking index (`jobs.store.rank_index`) must count the very tokens FTS5 counts, or its bm25
would drift from FTS5's. Nothing here guesses unicode61's rules: each character is looked up once
in an in-memory FTS5 table declared like `papers_fts` ("q<c>q" comes back as "q", "q": a
separator; as one token: a token character, folded to what sits between the q's). Text is then
tokenized in Python with that per-character table (str.translate, then split), several times
faster than a round trip through FTS5. A character the probe cannot place (it did something else
to "q<c>q") sends its text through the FTS5 table itself. One private connection per thread.
"""

from __future__ import annotations

import sqlite3
import string
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any

import numpy as np
import numpy.typing as npt

from jobs.search import pairs

# As papers_fts declares them (migration 0007): the columns, in order, and the tokenizer.
COLUMNS = ("title", "authors", "abstract", "summary", "takeaways", "ids")
TOKENIZE = "unicode61 remove_diacritics 2"
# bm25 column weights, in COLUMNS order: jobs.store.search ranks with the same ones.
WEIGHTS = (10, 5, 2, 2, 2, 5)

# Row positions (a row is rowid, *COLUMNS) of each weight's columns, and the weights in that order.
_COLUMNS_BY_WEIGHT = [[i + 1 for i, cw in enumerate(WEIGHTS) if cw == w] for w in sorted(set(WEIGHTS))]
_WEIGHT_OF = np.array(sorted(set(WEIGHTS)), dtype=np.int64)

_local = threading.local()
_lock = threading.Lock()
class _Table(dict[int, str]):
    """codepoint -> what it becomes in a token (" " for a separator). str.translate asks it for
    every character; one it has not learnt yet is noted (per thread) and read as a separator for
    now, so a text is scanned for new characters only by the translate that tokenizes it."""

    def __missing__(self, codepoint: int) -> str:
        _local.__dict__.setdefault("unknown", []).append(codepoint)
        return " "


# ASCII is unicode61's fixed rule: letters and digits are token characters, folded to lower case;
# everything else separates.
_TABLE = _Table({c: (chr(c).lower() if chr(c) in string.ascii_letters + string.digits else " ") for c in range(128)})
_ODD: set[int] = set()  # characters the probe could not place (never in _TABLE)


def _conn() -> sqlite3.Connection:
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")  # scratch: never committed, emptied after each use
        conn.execute(f"CREATE VIRTUAL TABLE one USING fts5(t, content='', tokenize='{TOKENIZE}')")
        conn.execute("CREATE VIRTUAL TABLE one_v USING fts5vocab(one, 'instance')")
        _local.conn = conn
    return conn


def _fts_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens, in order, from FTS5 itself."""
    conn = _conn()
    try:
        conn.executemany("INSERT INTO one (rowid, t) VALUES (?, ?)", enumerate(texts, 1))
        out: list[list[str]] = [[] for _ in texts]
        for term, doc in conn.execute("SELECT term, doc FROM one_v ORDER BY doc, offset"):
            out[doc - 1].append(term)
        return out
    finally:
        conn.execute("INSERT INTO one (one) VALUES ('delete-all')")


def _learn(chars: set[str]) -> None:
    probe = sorted(chars)
    for c, toks in zip(probe, _fts_tokens([f"q{c}q" for c in probe]), strict=True):
        if toks == ["q", "q"]:
            _TABLE[ord(c)] = " "
        elif len(toks) == 1 and len(toks[0]) >= 2 and toks[0][0] == "q" == toks[0][-1] and " " not in toks[0]:
            _TABLE[ord(c)] = toks[0][1:-1]
        else:
            _ODD.add(ord(c))


def _split(text: str) -> list[str] | None:
    """`text`'s tokens by the table, or None when it holds a character the table can't place."""
    unknown: list[int] = _local.__dict__.setdefault("unknown", [])
    unknown.clear()
    out = text.translate(_TABLE)
    if unknown:  # characters never seen: learn them, then tokenize again
        found = set(unknown)
        if not found <= _ODD:
            with _lock:
                _learn({chr(c) for c in found - _ODD if c not in _TABLE})
        if not found.isdisjoint(_ODD):
            return None
        out = text.translate(_TABLE)
    return out.split()


def tokens(text: str) -> list[str]:
    """The tokens of `text` in order, folded as the index folds them."""
    found = _split(text)
    return found if found is not None else _fts_tokens([text])[0]


@dataclass(frozen=True, slots=True)
class Counted:
    """Postings grouped by term: term i holds ids[starts[i]:starts[i + 1]] (ascending) with counts."""

    terms: list[str]
    starts: npt.NDArray[np.int64]  # one more than terms: the last is len(ids)
    ids: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]
    lengths: dict[int, int]  # each row's length in tokens


def weighted_counts(rows: Sequence[Sequence[Any]], *, pairs: bool = True) -> Counted:
    """Each term's rows and counts weighted by column (WEIGHTS), for index rows (rowid, *COLUMNS)
    in rowid order, and each row's length in tokens, as FTS5 counts them. With `pairs`, the pair
    terms of the tokens common in these rows and those tokens' markers too (jobs/search/pairs.py)."""
    vocab: defaultdict[str, int] = defaultdict(count().__next__)  # term -> its number, in order of first sight
    term_id = vocab.__getitem__
    term_ids: list[int] = []
    counts: list[int] = []
    group_sizes: list[int] = []  # distinct terms of each (row, weight) group, in order
    group_weights: list[int] = []
    group_rows: list[int] = []
    lengths: dict[int, int] = {}
    columns: list[list[list[str]]] = []  # each row's tokens by column, for the pairs
    doc_freq: Counter[str] = Counter()
    held: list[set[str]] = []  # each row's distinct tokens
    for row in rows:
        length = 0
        by_column = [tokens(row[c] or "") for c in range(1, len(WEIGHTS) + 1)]
        # Per weight, the distinct terms and their counts, in C (Counter, map, extend); numpy
        # weighs, sums and groups them below.
        for weight, cols in zip(_WEIGHT_OF.tolist(), _COLUMNS_BY_WEIGHT, strict=True):
            found: list[str] = []
            for c in cols:
                found += by_column[c - 1]
            length += len(found)
            counted = Counter(found)
            term_ids.extend(map(term_id, counted))
            counts.extend(counted.values())
            group_sizes.append(len(counted))
            group_weights.append(weight)
            group_rows.append(int(row[0]))
        lengths[int(row[0])] = length
        if pairs:
            columns.append(by_column)
            held.append(set().union(*by_column))
            doc_freq.update(held[-1])
    if pairs and rows:
        _add_pairs(rows, columns, held, doc_freq, term_id, term_ids, counts, group_sizes, group_weights, group_rows)
    if not term_ids:
        empty = np.empty(0, dtype=np.int64)
        return Counted([], np.zeros(1, dtype=np.int64), empty, empty, lengths)
    sizes = np.array(group_sizes, dtype=np.int64)
    doc_ids = np.repeat(np.array(group_rows, dtype=np.int64), sizes)
    f = np.array(counts, dtype=np.int64) * np.repeat(np.array(group_weights, dtype=np.int64), sizes)
    tid = np.array(term_ids, dtype=np.int64)
    # Rows come in rowid order, and each row's groups together, so a stable sort by (term, row) leaves
    # each term's rows in order, and a term found under two weights in one row side by side.
    order = np.lexsort((doc_ids, tid))
    tid, doc_ids, f = tid[order], doc_ids[order], f[order]
    new = np.flatnonzero(np.r_[True, (tid[1:] != tid[:-1]) | (doc_ids[1:] != doc_ids[:-1])])
    f, tid, doc_ids = np.add.reduceat(f, new), tid[new], doc_ids[new]
    starts = np.flatnonzero(np.r_[True, tid[1:] != tid[:-1]])
    names = list(vocab)
    return Counted([names[i] for i in tid[starts].tolist()], np.r_[starts, len(tid)].astype(np.int64), doc_ids, f,
                   lengths)


def _add_pairs(rows: Sequence[Sequence[Any]], columns: list[list[list[str]]], held: list[set[str]],
               doc_freq: Counter[str],
               term_id: Any, term_ids: list[int], counts: list[int], group_sizes: list[int],
               group_weights: list[int], group_rows: list[int]) -> None:
    """The pair terms (weighted by column) and marker terms of these rows, as groups of weight 1."""
    common = pairs.common_tokens(doc_freq, len(rows))
    if not common:
        return
    for row, by_column in zip(rows, columns, strict=True):
        found: Counter[str] = Counter()
        for weight, column in zip(WEIGHTS, by_column, strict=True):
            for term in pairs.column_pairs(column, common):
                found[term] += weight
        rowid = int(row[0])
        term_ids.extend(map(term_id, found))
        counts.extend(found.values())
        group_sizes.append(len(found))
        group_weights.append(1)
        group_rows.append(rowid)
    # A marker's one posting is the first paper holding its token (any paper of the segment would do:
    # merges keep markers by which segments hold them, not by their papers).
    firsts: dict[str, int] = {}
    for row, distinct in zip(reversed(rows), reversed(held), strict=True):  # the first row's update is the last
        firsts.update(dict.fromkeys(distinct, int(row[0])))
    by_row: defaultdict[int, list[str]] = defaultdict(list)
    for token in common:
        by_row[firsts[token]].append(pairs.marker(token))
    for rowid, marks in by_row.items():
        term_ids.extend(map(term_id, marks))
        counts.extend([1] * len(marks))
        group_sizes.append(len(marks))
        group_weights.append(1)
        group_rows.append(rowid)
