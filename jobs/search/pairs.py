"""Phrase postings inside the ranking index ("common grams"): a quoted phrase of two tokens answered from
numpy as exactly as a word, instead of by reading the positions of every paper holding both tokens.

A segment of the ranking index written from text also indexes, as extra terms, each pair of tokens that
stand next to each other in one column when both tokens are common in that segment (in at least
COMMON_SHARE of its papers, and COMMON_MIN; never a stop word, which a search leaves out unquoted and which
would double the pairs): their weighted count is the phrase's count as FTS5 counts it
for bm25 (each place the phrase stands, weighted by its column), so a pair term ranks as the phrase does.
The segment says which tokens it took as common with a marker term each. A segment is complete for a
phrase when it holds both tokens' markers: then its pair postings are every place the phrase stands in
its papers. A merge keeps a marker only when every segment merged held it. Papers of segments that are
not complete for a phrase (a token rare there) are checked by the text index, and there are few of them:
papers holding a token that is rare in their segment. Rare phrases are never paired: the text index finds
their few papers quickly.

Pair and marker terms begin with control characters, which no token holds (they separate tokens), so no
word or prefix lookup ever meets them; pairs never change a paper's length. No SQL here.
"""

from __future__ import annotations

from jobs.search.query import STOPWORDS as STOPWORDS  # never common: see above

PAIR = "\x01"  # a pair term: PAIR + left + " " + right
MARK = "\x02"  # a marker term: MARK + token, "this segment paired every common pair of this token"
WORDS = "\x03"  # every term below this one is a pair or a marker
COMMON_SHARE = 0.05
COMMON_MIN = 8


def pair_term(left: str, right: str) -> str:
    return f"{PAIR}{left} {right}"


def marker(token: str) -> str:
    return MARK + token


def is_marker(term: str) -> bool:
    return term.startswith(MARK)


def floor(papers: int) -> float:
    """How many of a segment's `papers` papers must hold a token for it to be common (paired)."""
    return max(COMMON_MIN, COMMON_SHARE * papers)
