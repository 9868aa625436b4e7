"""PostgreSQL's text index, made from the very tokens the ranking index counts (jobs/store/fts_tokens.py):
a paper's index row (rowid, title, authors, abstract, summary, takeaways, ids) as a tsvector literal,
and a phrase as a tsquery literal. Tokens are lexemes as they are ('simple' parsing is never asked:
the literal is cast, not parsed), so folding and Chinese bigrams are the same as on SQLite.

Positions run on from column to column with a gap of one, so that a phrase (`<->`, next position) never
spans two columns, as FTS5's phrases never do. The tsvector finds the papers that can hold a phrase; how
often they hold it, column by column, is counted again from the text (`phrase_counts`), for bm25."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobs.store.fts_tokens import WEIGHTS, tokens

MAX_POSITION = 16383  # PostgreSQL's largest position: later ones are stored as this one


def _quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(row: Sequence[Any]) -> str:
    """The tsvector literal of an index row (rowid first, then the columns)."""
    positions: dict[str, list[int]] = {}
    at = 0
    for text in row[1:]:
        for token in tokens(text or ""):
            at += 1
            positions.setdefault(token, []).append(min(at, MAX_POSITION))
        at += 1  # the gap between columns
    return " ".join(f"{_quote(t)}:{','.join(map(str, sorted(set(p))[:256]))}" for t, p in positions.items())


def tsquery_text(phrase: Sequence[str]) -> str:
    """The tsquery literal matching the tokens of `phrase` at consecutive positions."""
    return " <-> ".join(_quote(t) for t in phrase)


def phrase_counts(row: Sequence[Any], phrase: Sequence[str], prefix: bool = False) -> float:
    """How often `phrase` (tokens; with `prefix`, its last one begins a token) stands in an index row,
    each column's count times its bm25 weight (as FTS5 counts a phrase: every position it starts at)."""
    n, total = len(phrase), 0.0
    head, last = list(phrase[:-1]), phrase[-1]
    for weight, text in zip(WEIGHTS, row[1:], strict=True):
        found = tokens(text or "")
        total += weight * sum(1 for i in range(len(found) - n + 1) if found[i : i + n - 1] == head
                              and (found[i + n - 1].startswith(last) if prefix else found[i + n - 1] == last))
    return total
