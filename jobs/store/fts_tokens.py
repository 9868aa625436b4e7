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
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

import numpy as np
import numpy.typing as npt

from jobs.foreground import stepping
from jobs.search import pairs

# As papers_fts declares them (migration 0007): the columns, in order, and the tokenizer.
COLUMNS = ("title", "authors", "abstract", "summary", "takeaways", "ids")
TOKENIZE = "unicode61 remove_diacritics 2"
# bm25 column weights, in COLUMNS order: jobs.store.search ranks with the same ones.
WEIGHTS = (10, 5, 2, 2, 2, 5)
BM25_SQL = f"bm25(papers_fts, {', '.join(f'{w:.1f}' for w in WEIGHTS)})"  # FTS5's ranking with them

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
    # Each phrase asked for (its tokens joined by spaces): the rows holding it and its weighted counts.
    phrases: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = field(default_factory=dict)


def weighted_counts(rows: Sequence[Sequence[Any]], *, pairs: bool = True, phrases: Sequence[str] = ()) -> Counted:
    """Each term's rows and counts weighted by column (WEIGHTS), for index rows (rowid, *COLUMNS)
    in rowid order, and each row's length in tokens, as FTS5 counts them. With `pairs`, the pair
    terms of the tokens common in these rows and those tokens' markers too (jobs/search/pairs.py).
    `phrases` (tokens joined by spaces; needs `pairs`): each one's weighted count in the rows it stands in,
    as FTS5 counts a phrase for bm25 (every place it stands in one column, weighted by the column)."""
    vocab: defaultdict[str, int] = defaultdict(count().__next__)  # term -> its number, in order of first sight
    term_id = vocab.__getitem__
    term_ids: list[int] = []
    counts: list[int] = []
    group_sizes: list[int] = []  # distinct terms of each (row, weight) group, in order
    lengths: dict[int, int] = {}
    seq: list[int] = []  # with pairs: every column's tokens as numbers, column after column
    columns: list[tuple[int, int, int]] = []  # (tokens, weight, rowid) of each column in seq
    for row in stepping(rows):  # a search in this process goes first (jobs/foreground.py)
        length = 0
        # Per weight, the distinct terms and their counts, in C (Counter, map, extend); numpy
        # weighs, sums and groups them below.
        for weight, cols in zip(_WEIGHT_OF.tolist(), _COLUMNS_BY_WEIGHT, strict=True):
            found: list[str] = []
            for c in cols:
                text = row[c] or ""
                column = tokens(text)
                found += column
                if pairs:
                    seq.extend(map(term_id, column))
                    columns.append((len(column), weight, int(row[0])))
            length += len(found)
            counted = Counter(found)
            term_ids.extend(map(term_id, counted))
            counts.extend(counted.values())
            group_sizes.append(len(counted))
        lengths[int(row[0])] = length
    if not term_ids:
        empty = np.empty(0, dtype=np.int64)
        return Counted([], np.zeros(1, dtype=np.int64), empty, empty, lengths, {p: (empty, empty) for p in phrases})
    sizes = np.array(group_sizes, dtype=np.int64)
    doc_ids = np.repeat(np.repeat(np.fromiter(lengths, dtype=np.int64, count=len(lengths)), len(_WEIGHT_OF)), sizes)
    f = np.array(counts, dtype=np.int64) * np.repeat(np.tile(_WEIGHT_OF, len(lengths)), sizes)
    tid = np.array(term_ids, dtype=np.int64)
    # Rows come in rowid order, so a stable sort by term leaves each term's rows in order, and a
    # term found under two weights in one row side by side.
    order = np.argsort(tid, kind="stable")
    tid, doc_ids, f = tid[order], doc_ids[order], f[order]
    new = np.flatnonzero(np.r_[True, (tid[1:] != tid[:-1]) | (doc_ids[1:] != doc_ids[:-1])])
    f, tid, doc_ids = np.add.reduceat(f, new), tid[new], doc_ids[new]
    starts = np.flatnonzero(np.r_[True, tid[1:] != tid[:-1]])
    names = list(vocab)
    words = Counted([names[i] for i in tid[starts].tolist()], np.r_[starts, len(tid)].astype(np.int64), doc_ids, f,
                    lengths)
    if not pairs:
        return words
    sequence, laid = np.array(seq, dtype=np.int64), np.array(columns, dtype=np.int64).reshape(-1, 3)
    if phrases:
        column = np.repeat(np.arange(len(laid)), laid[:, 0])  # each token's column
        words = replace(words, phrases={p: _phrase_counts(vocab, sequence, laid, column, p) for p in phrases})
    return _with_pairs(words, names, tid, starts, sequence, laid)


def _phrase_counts(vocab: dict[str, int], seq: npt.NDArray[np.int64], columns: npt.NDArray[np.int64],
                   column: npt.NDArray[np.int64], phrase: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(rows, weighted counts) of `phrase` (tokens joined by spaces) in the token sequence `seq`, laid out
    as `columns` (tokens, weight, rowid) says (`column`: each token's), each place all its tokens stand in
    order in one column."""
    empty = np.empty(0, dtype=np.int64)
    numbers = [vocab.get(t) for t in phrase.split(" ")]
    k = len(numbers)
    if any(n is None for n in numbers) or len(seq) < k:
        return empty, empty
    at = np.flatnonzero(seq[: len(seq) - k + 1] == numbers[0])
    for j, n in enumerate(numbers[1:], 1):
        at = at[seq[at + j] == n]
    at = at[column[at] == column[at + k - 1]]  # never across two columns
    if not len(at):
        return empty, empty
    rowid, weight = columns[column[at], 2], columns[column[at], 1]
    ids, inverse = np.unique(rowid, return_inverse=True)
    return ids.astype(np.int64), np.bincount(inverse, weights=weight).astype(np.int64)


def _with_pairs(words: Counted, names: list[str], tid: npt.NDArray[np.int64], starts: npt.NDArray[np.int64],
                seq: npt.NDArray[np.int64], columns: npt.NDArray[np.int64]) -> Counted:
    """`words` and the pair and marker terms (jobs/search/pairs.py) of its rows, in numpy: the tokens held by
    at least pairs.floor(rows) rows are common (stop words never); each two of them standing next to each
    other in a column count the column's weight for their pair term; each common token's marker posts its
    first row."""
    size = len(names)
    held = np.bincount(tid, minlength=size)  # rows holding each token (tid: one entry per token and row)
    common = (held >= pairs.floor(len(words.lengths))) & ~np.fromiter(map(pairs.STOPWORDS.__contains__, names),
                                                                      dtype=bool, count=size)
    if not common.any() or len(seq) < 2:
        return words
    within = np.ones(len(seq), dtype=bool)  # a token that has a next one in its column
    ends = np.cumsum(columns[:, 0])
    within[ends[columns[:, 0] > 0] - 1] = False
    at = np.flatnonzero(within[:-1])
    left, right = seq[at], seq[at + 1]
    at = at[common[left] & common[right]]
    key = seq[at] * size + seq[at + 1]
    weight = np.repeat(columns[:, 1], columns[:, 0])[at]
    rowid = np.repeat(columns[:, 2], columns[:, 0])[at]
    first = np.empty(0, dtype=np.int64)
    if len(key):  # common tokens need not stand together anywhere
        order = np.argsort(key, kind="stable")  # positions are in row order: each pair's rows stay ascending
        key, weight, rowid = key[order], weight[order], rowid[order]
        new = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (rowid[1:] != rowid[:-1])])
        weight, key, rowid = np.add.reduceat(weight, new), key[new], rowid[new]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    pair_names = [pairs.pair_term(names[k // size], names[k % size]) for k in key[first].tolist()]
    marked = np.flatnonzero(common)
    group = np.searchsorted(tid[starts], marked)  # each common token's group among the words
    marks = [pairs.marker(names[t]) for t in marked.tolist()]
    total = len(words.ids)
    return Counted(
        words.terms + pair_names + marks,
        np.r_[words.starts[:-1], total + first, total + len(key) + np.arange(len(marks) + 1)].astype(np.int64),
        np.r_[words.ids, rowid, words.ids[starts[group]]].astype(np.int64),
        np.r_[words.counts, weight, np.ones(len(marks), dtype=np.int64)].astype(np.int64),
        words.lengths,
        words.phrases,
    )
