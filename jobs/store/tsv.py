"""PostgreSQL's text index, made from the very tokens the ranking index counts (jobs/store/fts_tokens.py):
a paper's index row (rowid, title, authors, abstract, summary, takeaways, ids) as a tsvector literal,
and a phrase as a tsquery literal. Tokens are lexemes as they are ('simple' parsing is never asked:
the literal is cast, not parsed), so folding and Chinese bigrams are the same as on SQLite.

Positions run on from column to column with a gap of one, so that a phrase (`<->`, next position) never
spans two columns, as FTS5's phrases never do; each position carries its column's bm25 weight as a label
(A 10, B 5, C 2). The tsvector finds the papers holding a phrase, and its positions count how often, weighted
(`cover_count`), for bm25. (PostgreSQL keeps positions up to 16383 and 256 per token and paper: a text
longer than that, far beyond any abstract, would be counted short.)"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from jobs.store.fts_tokens import WEIGHTS, tokens

MAX_POSITION = 16383  # PostgreSQL's largest position: later ones are stored as this one
LABELS = {10: "A", 5: "B", 2: "C"}  # a bm25 column weight (fts_tokens.WEIGHTS) as a tsvector weight label
WEIGHT_OF = {label: float(weight) for weight, label in LABELS.items()}


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


@cache
def _spots(label: str) -> list[str]:
    """Every position with `label` as written in a literal ("12A"), made once (a few MB in all)."""
    return [f"{at}{label}" for at in range(MAX_POSITION + 1)]


def tsvector_text(row: Sequence[Any]) -> str:
    """The tsvector literal of an index row (rowid first, then the columns)."""
    # Each token's positions in the order met (so already sorted): ingest on PostgreSQL spent most of
    # its CPU here, so the loop is kept to a lookup and an append per token.
    positions: dict[str, list[str]] = {}
    add = positions.setdefault
    last = str(MAX_POSITION)
    at = 0
    for weight, text in zip(WEIGHTS, row[1:], strict=True):
        found = tokens(text or "")
        label = LABELS[weight]
        below = max(0, min(len(found), MAX_POSITION - at - 1))  # those at positions under MAX_POSITION
        for token, spot in zip(found[:below], _spots(label)[at + 1 : at + 1 + below], strict=True):
            add(token, []).append(spot)
        for token in found[below:]:  # later positions all count once, as MAX_POSITION
            spots = add(token, [])
            if not spots or not spots[-1].startswith(last):
                spots.append(last + label)
        at += len(found) + 1  # the gap between columns
    # _quote inlined: a call per distinct token showed in the profile.
    return " ".join(["'" + t.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(spots[:256])
                     for t, spots in positions.items()])


def tsquery_text(phrase: Sequence[str]) -> str:
    """The tsquery literal matching the tokens of `phrase` at consecutive positions."""
    return " <-> ".join(_quote(t) for t in phrase)


def cover_count(doc: str, query: str) -> str:
    """SQL for the weighted count of a phrase (tsquery `query`) in tsvector `doc`, as FTS5 counts it for bm25:
    each place the phrase stands, weighted by its column. ts_rank_cd without normalisation sums, over the
    query's covers (each place the phrase stands), the harmonic mean of the cover's weights, which for tokens
    of one column is that column's weight; it takes weights up to 1, so they are given over 10 and the sum
    (a float4) is multiplied back and rounded to the whole number it is."""
    return f"round(10 * ts_rank_cd('{COVER_WEIGHTS}', {doc}, {query}, 0))::float8"


# ts_rank_cd's weights of labels D, C, B, A: the bm25 column weights over 10 (D is never written)
COVER_WEIGHTS = "{" + ",".join(f"{WEIGHT_OF.get(label, 1.0) / 10:g}" for label in "DCBA") + "}"
