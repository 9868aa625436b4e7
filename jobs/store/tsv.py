"""PostgreSQL's text index, made from the very tokens the ranking index counts (jobs/store/fts_tokens.py):
a paper's index row (rowid, title, authors, abstract, summary, takeaways, ids) as a tsvector literal,
and a phrase as a tsquery literal. Tokens are lexemes as they are ('simple' parsing is never asked:
the literal is cast, not parsed), so folding and Chinese bigrams are the same as on SQLite.

Positions run on from column to column with a gap of one, so that a phrase (`<->`, next position) never
spans two columns, as FTS5's phrases never do; each position carries its column's bm25 weight as a label
(A 10, B 5, C 2). The tsvector finds the papers holding a phrase, and its positions count how often, weighted
(`phrase_weight`), for bm25. (PostgreSQL keeps positions up to 16383 and 256 per token and paper: a text
longer than that, far beyond any abstract, would be counted short.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobs.store.fts_tokens import WEIGHTS, tokens

MAX_POSITION = 16383  # PostgreSQL's largest position: later ones are stored as this one
LABELS = {10: "A", 5: "B", 2: "C"}  # a bm25 column weight (fts_tokens.WEIGHTS) as a tsvector weight label
WEIGHT_OF = {label: float(weight) for weight, label in LABELS.items()}


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(row: Sequence[Any]) -> str:
    """The tsvector literal of an index row (rowid first, then the columns)."""
    positions: dict[str, dict[int, str]] = {}
    at = 0
    for weight, text in zip(WEIGHTS, row[1:], strict=True):
        for token in tokens(text or ""):
            at += 1
            positions.setdefault(token, {}).setdefault(min(at, MAX_POSITION), LABELS[weight])
        at += 1  # the gap between columns
    return " ".join(_quote(t) + ":" + ",".join(f"{p}{at_p[p]}" for p in sorted(at_p)[:256])
                    for t, at_p in positions.items())


def tsquery_text(phrase: Sequence[str]) -> str:
    """The tsquery literal matching the tokens of `phrase` at consecutive positions."""
    return " <-> ".join(_quote(t) for t in phrase)


def phrase_weight(lexemes: Sequence[tuple[str, Sequence[int], Sequence[str]]], phrase: Sequence[str],
                  prefix: bool) -> float:
    """How often `phrase` stands in a paper, each time weighted by its column's bm25 weight (as FTS5
    counts a phrase: every position it starts at), from the paper's tsvector entries (lexeme, positions,
    weight labels) of the phrase's tokens (with `prefix`, of every lexeme its last token begins)."""
    at: dict[str, dict[int, str]] = {}
    last_at: dict[int, str] = {}
    for lexeme, positions, labels in lexemes:
        here = dict(zip(positions, labels, strict=True))
        at[lexeme] = here
        if prefix and lexeme.startswith(phrase[-1]):
            last_at.update(here)
    if not prefix:
        last_at = at.get(phrase[-1], {})
    middle = [at.get(t, {}) for t in phrase[1:-1]]
    n = len(phrase)
    total = 0.0
    for start, label in at.get(phrase[0], {}).items() if n > 1 else last_at.items():
        if all(start + i + 1 in m for i, m in enumerate(middle)) and (n == 1 or start + n - 1 in last_at):
            total += WEIGHT_OF[label]
    return total

