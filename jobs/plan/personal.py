"""A member's own ranking (issue 22): which of a day's papers they would rather read first, learnt from
their 👍 (and 🔖 saved papers) and their 👎 (and "not interested"), the arxiv-sanity way: TF-IDF over each
paper's title, abstract and summary, and a linear model per member.

- Terms: the text folded as keywords are (jobs.fold), Chinese as overlapping character bigrams as search
  indexes it (jobs.search.bigrams.index_text), English words of two letters or more. A paper's terms
  are numbered and counted once per process and kept (TERMS_CACHE papers), so retraining reads no text.
- IDF over the papers in play (the member's rated papers and the candidates), sublinear TF, each paper's
  vector of unit length.
- The model: one weight a term, the mean vector of the papers liked minus the mean of those disliked (a
  Rocchio centroid classifier: linear, trained in one pass over the rated papers' non-zeros, and
  incremental by nature, since a new rating only adds its vector to a sum). A paper's score is its vector
  dotted with the weights; ties keep the day's own order.
- "Not interested" (hide): a dislike of the paper, and its topic's papers after all the others.
- Why: the liked paper most like a top paper (cosine of their vectors), named on its line.

Cold start (no rating at all) gives None: the caller keeps today's order. numpy only; no discord, no SQL.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jobs.fold import fold
from jobs.models import Paper
from jobs.search.bigrams import index_text

POSITIVE = ("up", "saved")
NEGATIVE = ("down", "hide")
TERMS_CACHE = 50_000  # papers whose term counts stay in memory (about 2 KB each)
EXPLAIN = 25  # the top papers that get a "why" line: a DM's first five pages
MIN_WHY = 0.05  # cosine under which a liked paper explains nothing
VOCAB_MAX = 2_000_000  # terms numbered in this process; past it, both caches start afresh
_WORD = re.compile(r"\w\w+")
_vocab: dict[str, int] = {}  # term -> its number, for the life of the process
_terms: OrderedDict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = OrderedDict()


def paper_terms(paper: Paper) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The paper's terms (title, abstract, summary) as (term numbers, counts), kept per paper (an LRU of
    TERMS_CACHE): retraining then reads no text again."""
    key = f"{paper.arxiv_id}\0{len(paper.title)}\0{len(paper.abstract)}\0{len(paper.summary)}"
    found = _terms.get(key)
    if found is not None:
        _terms.move_to_end(key)
        return found
    if len(_vocab) > VOCAB_MAX:
        _vocab.clear()
        _terms.clear()
    counts = Counter(_WORD.findall(index_text(fold("\n".join((paper.title, paper.abstract, paper.summary))))))
    ids = np.fromiter((_vocab.setdefault(term, len(_vocab)) for term in counts), dtype=np.int64, count=len(counts))
    found = (ids, np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    _terms[key] = found
    if len(_terms) > TERMS_CACHE:
        _terms.popitem(last=False)
    return found


@dataclass(slots=True)
class Matrix:
    """Papers as sparse unit vectors: row r holds terms idx[starts[r]:starts[r + 1]] with values val."""

    starts: npt.NDArray[np.int64]
    idx: npt.NDArray[np.int64]
    val: npt.NDArray[np.float64]

    def rows(self) -> int:
        return len(self.starts) - 1

    def dot(self, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each row dotted with a dense weight vector."""
        out = np.zeros(self.rows())
        if len(self.idx):
            sums = np.add.reduceat(weights[self.idx] * self.val, self.starts[:-1].clip(max=len(self.idx) - 1))
            filled = np.diff(self.starts) > 0
            out[filled] = sums[filled]
        return out


def vectorize(papers: Sequence[Paper]) -> tuple[Matrix, int]:
    """TF-IDF unit vectors of `papers` (IDF over these papers) and the vocabulary's size (their terms,
    numbered from 0)."""
    pieces = [paper_terms(p) for p in papers]
    bounds = np.zeros(len(papers) + 1, dtype=np.int64)
    np.cumsum([len(ids) for ids, _ in pieces], out=bounds[1:])
    if not bounds[-1]:
        return Matrix(bounds, np.zeros(0, dtype=np.int64), np.zeros(0)), 0
    numbers = np.concatenate([ids for ids, _ in pieces])
    # Renumber the terms present 0..size-1 through a table (np.unique's sort took most of the time).
    present = np.zeros(int(numbers.max()) + 1, dtype=bool)
    present[numbers] = True
    renumber = np.cumsum(present) - 1
    ids, size = renumber[numbers], int(present.sum())
    tf = np.concatenate([counts for _, counts in pieces])
    df = np.bincount(ids, minlength=size)  # each term once per paper: its terms are unique
    idf = np.log((1 + len(papers)) / (1 + df)) + 1.0
    val = (1.0 + np.log(tf)) * idf[ids]
    rows = np.repeat(np.arange(len(papers)), np.diff(bounds))
    norms = np.sqrt(np.bincount(rows, weights=val * val, minlength=len(papers)))
    return Matrix(bounds, ids.astype(np.int64), val / np.where(norms > 0, norms, 1.0)[rows]), size


@dataclass(slots=True)
class Ranked:
    order: list[int]  # indexes into the candidates, best first
    scores: list[float]  # by candidate index
    why: dict[int, str]  # candidate index -> the arXiv id of the liked paper most like it


def train(m: Matrix, size: int, labels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The linear model's weights: the liked rows' mean minus the disliked rows' mean (labels +1 / -1;
    0 leaves a row out)."""
    rows = np.repeat(np.arange(m.rows()), np.diff(m.starts))
    weights = np.zeros(size)
    for sign in (1.0, -1.0):
        chosen = labels == sign
        if chosen.any():
            pick = chosen[rows]
            weights += sign * np.bincount(m.idx[pick], weights=m.val[pick], minlength=size) / chosen.sum()
    return weights


MUTED = 10.0  # what a paper of a topic the member is not interested in loses: more than any score


def rank(candidates: Sequence[Paper], rated: dict[str, str], rated_papers: Sequence[Paper]) -> Ranked | None:
    """The candidates ordered for a member with these ratings (arXiv id -> up, down, hide or saved; the
    papers themselves in `rated_papers`); None when there is nothing to learn from (cold start). "hide"
    ("not interested in this topic") is a dislike that also puts every paper of the rated paper's topic
    after all the others."""
    labelled = [(p, 1.0 if rated[p.arxiv_id] in POSITIVE else -1.0) for p in rated_papers
                if rated.get(p.arxiv_id) in POSITIVE + NEGATIVE]
    if not labelled or not candidates:
        return None
    m, size = vectorize([*candidates, *(p for p, _ in labelled)])
    n = len(candidates)
    labels = np.concatenate([np.zeros(n), np.array([y for _, y in labelled])])
    weights = train(m, size, labels)
    scores = m.dot(weights)[:n]
    muted = {p.topic for p in rated_papers if p.topic and rated.get(p.arxiv_id) == "hide"}
    if muted:
        scores -= MUTED * np.array([p.topic in muted for p in candidates], dtype=np.float64)
    order = sorted(range(n), key=lambda i: (-scores[i], i))  # stable: the day's order breaks ties
    liked = [n + k for k, (_, y) in enumerate(labelled) if y > 0]
    top = [i for i in order[:EXPLAIN] if scores[i] > 0]
    why: dict[int, str] = {}
    if liked and top:
        # Cosine of each top paper with each liked one at once: the top rows dense, the liked rows sparse.
        dense = np.zeros((len(top), size))
        for k, i in enumerate(top):
            lo, hi = m.starts[i], m.starts[i + 1]
            dense[k, m.idx[lo:hi]] = m.val[lo:hi]
        starts, idx, val = _rows(m, liked)
        filled = np.diff(starts) > 0
        sims = np.full((len(top), len(liked)), -1.0)
        if len(idx):
            sums = np.add.reduceat(dense[:, idx] * val, starts[:-1].clip(max=len(idx) - 1), axis=1)
            sims[:, filled] = sums[:, filled]
        for k, i in enumerate(top):
            best = int(np.argmax(sims[k]))
            paper = labelled[liked[best] - n][0]
            if sims[k, best] >= MIN_WHY and paper.arxiv_id != candidates[i].arxiv_id:
                why[i] = paper.arxiv_id
    return Ranked(order, [float(s) for s in scores], why)


def _rows(m: Matrix, rows: list[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The given rows of `m`, as a Matrix's arrays."""
    pieces = [np.arange(m.starts[r], m.starts[r + 1]) for r in rows]
    take = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum([len(p) for p in pieces])]).astype(np.int64)
    return starts, m.idx[take], m.val[take]
