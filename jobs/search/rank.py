"""bm25 over the ranking index, in numpy: every match of a query scored exactly as FTS5's bm25()
scores it, a few vectorised passes instead of one C call per match.

FTS5 (ext/fts5/fts5_aux.c, fts5Bm25Function) scores a row as the sum over the query's phrases of
    idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)),  k1 = 1.2, b = 0.75,
where f is the phrase's count in the row weighted by column, D the row's length in tokens, avgdl
the mean length, and idf = log((N - n + 0.5) / (n + 0.5)) (1e-6 when not positive) for a phrase
in n of the N rows; then negates it (lower is better). The same operations in the same order give
the same doubles, so a page ranked here is the page FTS5's full ranking gives, ties included
(with IEEE doubles and no fused multiply-add in SQLite's build: true of x86-64; a compiler that
contracts a*b+c, as GCC may on aarch64, could move the last bit and so the order of exact ties).
No SQL here: the arrays come from `jobs.store.rank_index`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from jobs.search.codec import decode_counts, decode_ids, decode_many

K1, B = 1.2, 0.75

Array = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
# (segment, ids, counts) of a phrase: encoded (jobs/search/codec.py) or already arrays
Postings = Sequence[tuple[int, "bytes | Array", "bytes | Array"]]


@dataclass(frozen=True, slots=True)
class Corpus:
    """Every indexed paper: the segment holding its live postings (-1: none) and its length."""

    segment: Array  # by paper id
    length: Floats  # by paper id
    rows: int
    avgdl: float
    clean: frozenset[int]  # segments whose postings are all live: no paper of theirs moved since
    # The target of a level merge under way, and its sources: a posting of the target is live while its
    # paper is in one of them (the papers move to the target when the merge ends).
    merging: dict[int, Array] = field(default_factory=dict)

    @classmethod
    def of(cls, ids: Array, segments: Array, lengths: Array, made: dict[int, int] | None = None,
           merging: dict[int, Array] | None = None) -> Corpus:
        """From each paper's (id, segment, length), `made`: how many papers each segment had
        when written, and `merging`."""
        size = int(ids.max()) + 1 if len(ids) else 1
        segment = np.full(size, -1, dtype=np.int64)
        segment[ids] = segments
        length = np.zeros(size, dtype=np.float64)
        length[ids] = lengths
        rows = len(ids)
        held = dict(zip(*np.unique(segments, return_counts=True), strict=True)) if rows else {}
        merging = merging or {}
        clean = frozenset(seg for seg, n in (made or {}).items() if held.get(seg, 0) == n and seg not in merging)
        return cls.built(segment, length, rows, int(lengths.sum()), clean, merging)

    @classmethod
    def built(cls, segment: Array, length: Floats, rows: int, total_length: int, clean: frozenset[int],
              merging: dict[int, Array] | None = None) -> Corpus:
        """From the arrays by paper id, the number of papers and the sum of their lengths (an integer,
        so that one kept up to date gives the very avgdl a full count gives)."""
        avgdl = float(total_length) / rows if rows else 0.0
        return cls(segment, length, rows, avgdl, clean, merging or {})

    def norm(self, ids: Array) -> Floats:
        """k1 * (1 - b + b * D / avgdl) of these papers, the part of bm25 a paper alone decides: for the
        matches only, as they are scored (an array of every paper's would be remade at every commit, avgdl
        moving), with the same operations in the same order, so the same doubles."""
        return K1 * ((1 - B) + (B * self.length[ids]) / self.avgdl)


def phrase_counts(corpus: Corpus, postings: Postings) -> Floats:
    """A phrase's weighted count in every paper (by id), summed over the terms it matches; stale
    postings (of a paper since indexed again elsewhere) are left out. Encoded rows are decoded all at
    once (a prefix reads hundreds of rows: a call per row was most of its time)."""
    size = len(corpus.segment)
    if len(postings) <= MANY_ROWS:
        return _counts_row_by_row(corpus, postings)
    coded = [p for p in postings if isinstance(p[1], bytes)]
    parts = [(np.full(len(ids), seg, dtype=np.int64), ids, counts) for seg, ids, counts in postings
             if not isinstance(ids, bytes)]
    if coded:
        ids, counts, lengths = decode_many([p[1] for p in coded], [p[2] for p in coded])  # type: ignore[misc]
        parts.append((np.repeat(np.fromiter((p[0] for p in coded), dtype=np.int64, count=len(coded)), lengths),
                      ids, counts))
    if not parts:
        return np.zeros(size, dtype=np.float64)
    segs = np.concatenate([p[0] for p in parts])
    ids = np.concatenate([p[1] for p in parts]).astype(np.int64, copy=False)
    counts = np.concatenate([p[2] for p in parts])
    clean = np.zeros(int(segs.max()) + 1, dtype=bool)
    clean[[c for c in corpus.clean if c < len(clean)]] = True
    unsure = ~clean[segs]
    if unsure.any():
        owner = corpus.segment[np.minimum(ids[unsure], size - 1)]
        live = (owner == segs[unsure]) & (ids[unsure] < size)
        for target, sources in corpus.merging.items():  # a target's posting is live while its paper is in a source
            of_target = segs[unsure] == target
            live[of_target] = np.isin(owner[of_target], sources) & (ids[unsure][of_target] < size)
        keep = np.ones(len(ids), dtype=bool)
        keep[unsure] = live
        ids, counts = ids[keep], counts[keep]
    # Counts are whole numbers, so their sum is exact in any order: bincount adds a paper's terms at once.
    return np.bincount(ids, weights=counts, minlength=size).astype(np.float64, copy=False)


MANY_ROWS = 64  # rows decoded all at once past this many; fewer (a word's rows, long ones) go one by one


def _counts_row_by_row(corpus: Corpus, postings: Postings) -> Floats:
    # float32 holds whole numbers exactly below 2**24, in half the bytes a million papers' array takes
    # (filling, counting and scanning it are memory-bound); `score` widens what it gathers to float64. A
    # paper's sum is at most the rows' maxima summed: past 2**24 (a hostile post repeating one word a
    # million times) the array is float64, as the bulk path's.
    rows = list(_live_rows(corpus, postings))
    top = sum(int(counts.max()) for _, counts in rows if len(counts))
    out = np.zeros(len(corpus.segment), dtype=np.float32 if top < EXACT_F32 else np.float64)
    for ids, counts in rows:
        out[ids] += counts  # a row's ids are distinct, so each gets its own count
    return out  # type: ignore[return-value]


EXACT_F32 = 2**24  # every whole number up to it is a float32


def _live_rows(corpus: Corpus, postings: Postings) -> Iterator[tuple[Array, Array]]:
    """Each row's live postings (ids, counts): ids decoded, counts as stored (added up, never changed)."""
    size = len(corpus.segment)
    for segment, ids_blob, counts_blob in postings:
        ids = decode_ids(ids_blob) if isinstance(ids_blob, bytes) else ids_blob
        counts = decode_counts(counts_blob, wide=False) if isinstance(counts_blob, bytes) else counts_blob
        if segment not in corpus.clean:
            owner = corpus.segment[np.minimum(ids, size - 1)]
            sources = corpus.merging.get(segment)
            live = owner == segment if sources is None else np.isin(owner, sources)
            live &= ids < size
            ids, counts = ids[live], counts[live]
        yield ids, counts


@dataclass(frozen=True, slots=True)
class Sparse:
    """One term's live postings: each paper holding it once, with its weighted count (not by id)."""

    ids: Array
    counts: Floats


def term_postings(corpus: Corpus, postings: Postings) -> Sparse:
    """The live postings of one term (not a prefix): a paper's postings of a term are in one segment, the one
    holding it, so each paper comes once; no array of every paper is made (at a million papers filling one by
    scatter cost 3.5 ms for a term in 600,000 papers, and counting and scanning it 1.5 ms more)."""
    rows = list(_live_rows(corpus, postings))
    if not rows:
        return Sparse(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
    return Sparse(np.concatenate([ids for ids, _ in rows]).astype(np.int64, copy=False),
                  np.concatenate([counts for _, counts in rows]).astype(np.float64))


def idf(rows: int, hits: int) -> float:
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0.0 else 1e-6


def score(corpus: Corpus, phrases: Sequence[Floats] | Sparse, allowed: npt.NDArray[np.bool_] | None = None
          ) -> tuple[Array, Floats]:
    """(ids, bm25) of the papers holding every phrase (and `allowed`, when given), by id; or of one term's
    `Sparse` postings, in their order (the same doubles: the same operations on the same counts)."""
    if isinstance(phrases, Sparse):
        ids, freq = phrases.ids, phrases.counts
        w = idf(corpus.rows, len(ids))
        if allowed is not None:
            keep = allowed[ids]
            ids, freq = ids[keep], freq[keep]
        term = _share(w, freq, corpus.norm(ids))
        return ids, np.negative(term, out=term)
    if not phrases:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    held = [f > 0 for f in phrases]  # a bool array: counted and combined in a quarter of float32's bytes
    weights = [idf(corpus.rows, int(np.count_nonzero(h))) for h in held]
    match = held[0]
    for h in held[1:]:
        match &= h
    if allowed is not None:
        match &= allowed
    ids = np.flatnonzero(match)
    norm = corpus.norm(ids)
    total: Floats | None = None
    for w, f in zip(weights, phrases, strict=True):
        term = _share(w, f[ids].astype(np.float64, copy=False), norm)
        total = term if total is None else total + term  # 0.0 + x is x: the first needs no sum
    assert total is not None
    return ids, np.negative(total, out=total)


def _share(w: float, freq: Floats, norm: Floats) -> Floats:
    """One phrase's share of bm25 (before negation), FTS5's operations in FTS5's order: the one place it is
    computed, so every path gives the same doubles."""
    return w * ((freq * (K1 + 1.0)) / (freq + norm))


def near_page(ids: Array, ranks: Floats, want: int) -> tuple[Array, Floats]:
    """The papers that can be on the first `want` places: the best `want` ranks and every paper
    tied with the last of them (dates, then ids, order ties: `order`)."""
    if len(ids) > want:
        near = _at_most_kth(ranks, want)
        return ids[near], ranks[near]
    return ids, ranks


SAMPLE = 2048  # ranks a bound is first taken from, past SAMPLE_PAST matches
SAMPLE_PAST = 32 * SAMPLE


def _at_most_kth(ranks: Floats, k: int) -> Array:
    """Positions of the ranks at most the k-th smallest, in order. With many matches the k-th smallest of a
    sample comes first: it is at least the whole's (a subset's k-th smallest never is smaller), so the few ranks
    under it hold all the page; selecting among 651,564 matches took 6 ms, most of a search, at 1M papers."""
    if len(ranks) > SAMPLE_PAST and k * 16 <= SAMPLE:
        sample = ranks[:: max(1, len(ranks) // SAMPLE)]
        cap = np.partition(sample, k - 1)[k - 1]
        under = np.flatnonzero(ranks <= cap)
        kept = ranks[under]
        return under[kept <= np.partition(kept, k - 1)[k - 1]]
    return np.flatnonzero(ranks <= np.partition(ranks, k - 1)[k - 1])


def order(ids: Array, ranks: Floats, dates: Array, offset: int, limit: int) -> tuple[Array, Floats]:
    """Places [offset, offset + limit) by rank, then newer date (YYYYMMDD, aligned with ids), then
    newer id, as `jobs.search.cost.order` orders rows."""
    picked = np.lexsort((-ids, -dates, ranks))[offset : offset + limit]
    return ids[picked], ranks[picked]


def counts_from_bm25(corpus: Corpus, ids: Array, bm25: Floats) -> Array:
    """The weighted count of one phrase in each of these papers, from FTS5's bm25 of a query of that phrase
    alone (all its matches: `ids`, their scores): bm25 solved for f, the inverse of `score`. FTS5 holds
    positions but hands out no counts; its scores carry them exactly (whole numbers, far inside a double's
    precision). ValueError when one is not a whole number (the two indexes disagree: never learn from that)."""
    s = -bm25
    w = idf(corpus.rows, len(ids))
    f = s * corpus.norm(ids) / (w * (K1 + 1.0) - s)
    counts = np.rint(f)
    if len(f) and (not np.all(np.isfinite(f)) or np.abs(f - counts).max() > 1e-6 * max(1.0, float(counts.max()))):
        raise ValueError("FTS5's bm25 does not give whole counts: its index and the ranking index disagree")
    return counts.astype(np.int64)
