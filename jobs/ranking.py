"""A member's own ranking (issue 22): which of a day's papers they would rather read first, learnt from
their 👍 (and 🔖 saved papers) and their 👎 (and "not interested"), the arxiv-sanity way: TF-IDF over each
paper's title, abstract and summary, and a linear model per member.

- Terms: the text folded as keywords are (jobs.fold), Chinese as overlapping character bigrams as search
  indexes it (jobs.search_text.index_text), English words of two letters or more. A paper's term counts
  are computed once per process and kept (TERMS_CACHE papers), so retraining reads no text again.
- IDF over the papers in play (the member's rated papers and the candidates), sublinear TF, each paper's
  vector of unit length.
- The model: one weight a term, the mean vector of the papers liked minus the mean of those disliked (a
  Rocchio centroid classifier: linear, trained in one pass over the rated papers' non-zeros, and
  incremental by nature, since a new rating only adds its vector to a sum). A paper's score is its vector
  dotted with the weights; ties keep the day's own order.
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
from jobs.search_text import index_text

POSITIVE = ("up", "saved")
NEGATIVE = ("down", "hide")
TERMS_CACHE = 50_000  # papers whose term counts stay in memory (about 2 KB each)
EXPLAIN = 25  # the top papers that get a "why" line: a DM's first five pages
MIN_WHY = 0.05  # cosine under which a liked paper explains nothing
_WORD = re.compile(r"\w\w+")
_terms: OrderedDict[str, Counter[str]] = OrderedDict()


def paper_terms(paper: Paper) -> Counter[str]:
    """The paper's term counts (title, abstract, summary), kept per arXiv id (LRU of TERMS_CACHE)."""
    key = f"{paper.arxiv_id}\0{len(paper.title)}\0{len(paper.abstract)}\0{len(paper.summary)}"
    found = _terms.get(key)
    if found is not None:
        _terms.move_to_end(key)
        return found
    text = index_text(fold("\n".join((paper.title, paper.abstract, paper.summary))))
    counts = Counter(_WORD.findall(text))
    _terms[key] = counts
    if len(_terms) > TERMS_CACHE:
        _terms.popitem(last=False)
    return counts


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

    def row_dense(self, r: int, size: int) -> npt.NDArray[np.float64]:
        dense = np.zeros(size)
        lo, hi = self.starts[r], self.starts[r + 1]
        dense[self.idx[lo:hi]] = self.val[lo:hi]
        return dense


def vectorize(papers: Sequence[Paper]) -> tuple[Matrix, int]:
    """TF-IDF unit vectors of `papers` (IDF over these papers) and the vocabulary's size."""
    vocab: dict[str, int] = {}
    starts, idx, tf = [0], [], []
    for paper in papers:
        for term, n in paper_terms(paper).items():
            idx.append(vocab.setdefault(term, len(vocab)))
            tf.append(n)
        starts.append(len(idx))
    ids = np.asarray(idx, dtype=np.int64)
    df = np.bincount(ids, minlength=len(vocab))  # each term once per paper: Counter keys are unique
    idf = np.log((1 + len(papers)) / (1 + df)) + 1.0
    val = (1.0 + np.log(np.asarray(tf, dtype=np.float64))) * idf[ids] if len(ids) else np.zeros(0)
    bounds = np.asarray(starts, dtype=np.int64)
    if len(ids):
        rows = np.repeat(np.arange(len(papers)), np.diff(bounds))
        norms = np.sqrt(np.bincount(rows, weights=val * val, minlength=len(papers)))
        val = val / np.where(norms > 0, norms, 1.0)[rows]
    return Matrix(bounds, ids, val), len(vocab)


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


def rank(candidates: Sequence[Paper], rated: dict[str, str], rated_papers: Sequence[Paper]) -> Ranked | None:
    """The candidates ordered for a member with these ratings (arXiv id -> up, down, hide or saved; the
    papers themselves in `rated_papers`); None when there is nothing to learn from (cold start)."""
    labelled = [(p, 1.0 if rated[p.arxiv_id] in POSITIVE else -1.0) for p in rated_papers
                if rated.get(p.arxiv_id) in POSITIVE + NEGATIVE]
    if not labelled or not candidates:
        return None
    m, size = vectorize([*candidates, *(p for p, _ in labelled)])
    n = len(candidates)
    labels = np.concatenate([np.zeros(n), np.array([y for _, y in labelled])])
    weights = train(m, size, labels)
    scores = m.dot(weights)[:n]
    order = sorted(range(n), key=lambda i: (-scores[i], i))  # stable: the day's order breaks ties
    liked = [n + k for k, (_, y) in enumerate(labelled) if y > 0]
    why: dict[int, str] = {}
    if liked:
        sub = Matrix(*_rows(m, liked))
        for i in order[:EXPLAIN]:
            if scores[i] <= 0:
                break
            sims = sub.dot(m.row_dense(i, size))
            best = int(np.argmax(sims))
            if sims[best] >= MIN_WHY and labelled[liked[best] - n][0].arxiv_id != candidates[i].arxiv_id:
                why[i] = labelled[liked[best] - n][0].arxiv_id
    return Ranked(order, [float(s) for s in scores], why)


def _rows(m: Matrix, rows: list[int]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The given rows of `m`, as a Matrix's arrays."""
    pieces = [np.arange(m.starts[r], m.starts[r + 1]) for r in rows]
    take = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum([len(p) for p in pieces])]).astype(np.int64)
    return starts, m.idx[take], m.val[take]
