"""A search query: any user string in, a safe FTS5 query out; the other inputs of a search checked.

Nothing here speaks SQL (that is `jobs.store`) or Discord.

- :func:`build_query` turns what a person typed into a :class:`SearchQuery`: either an exact arXiv id
  lookup or an FTS5 MATCH expression that cannot be a syntax error, because every term is a quoted
  string of letters and digits (FTS syntax characters, emoji and SQL-looking text are separators).
  English words match as prefixes (``gauss`` finds "Gaussian"); words of one or two letters, mostly
  acronyms such as AI or 3D, match whole; stop words (the, of, and, or, not, ...) are left out when
  there are other words. ``"Quoted words"`` match as a phrase. A run of Chinese characters matches
  as the phrase of its character bigrams, the rule of `jobs.search.bigrams` that the index uses too, so a
  two-character word is found inside a longer sentence. All terms are ANDed; each may match any
  indexed column (title, authors, abstract, summary, takeaways, ids).
- :func:`parse_date`, :func:`check_date_range`, :func:`resolve_topic` check the other inputs of a search,
  with messages meant for the person who typed them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from jobs.arxiv_id import normalize_arxiv_id
from jobs.fold import fold
from jobs.search.bigrams import TOKEN, bigram_list, is_cjk_token

MAX_QUERY_CHARS = 200
MAX_TERMS = 32
MAX_LIMIT = 50

_QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“", "「": "」", "『": "』"}

# Dropped from a query that has other words: they match nearly every abstract, so they add no
# precision and cost the most (AND/OR/NOT typed as operators end up here too).
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "not",
    "of", "on", "or", "the", "to", "via", "with",
})

_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


class QueryError(ValueError):
    """Input that cannot be searched; the message is short and meant for the person who typed it."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A checked query: an exact arXiv id lookup, or an FTS5 MATCH expression."""

    text: str  # what was typed, trimmed
    match: str | None = None  # FTS5 MATCH expression; None for an id lookup
    arxiv_id: str | None = None  # without version
    terms: tuple[str, ...] = ()  # words, phrases and Chinese words searched for (for highlighting)
    ignored: tuple[str, ...] = ()  # words left out: stop words, lone Chinese characters
    # Each term as (token, prefix?) for the ranking index; None when one is a phrase of several tokens.
    words: tuple[tuple[str, bool], ...] | None = None


# ---- queries -------------------------------------------------------------------------------------


def _segments(text: str) -> Iterable[tuple[str, bool]]:
    """(piece, quoted) in order. A quote without its closing partner is plain text."""
    i, plain_start, n = 0, 0, len(text)
    while i < n:
        close = _QUOTE_PAIRS.get(text[i])
        if close is not None:
            j = text.find(close, i + 1)
            if j == -1 and text[i] == "“":  # “phrase" typed with mixed quotes
                j = text.find('"', i + 1)
            if j != -1:
                yield text[plain_start:i], False
                yield text[i + 1 : j], True
                i = plain_start = j + 1
                continue
        i += 1
    yield text[plain_start:], False


def _fts_string(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def build_query(text: str | None) -> SearchQuery:
    """Turn anything a person typed into a safe query, or raise QueryError saying what is wrong."""
    raw = (text or "").strip()
    if not raw:
        raise QueryError("empty query: type a word, a \"phrase in quotes\", Chinese words or an arXiv id")
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError(f"too long: at most {MAX_QUERY_CHARS} characters (this one has {len(raw)})")
    arxiv_id = normalize_arxiv_id(raw)
    if arxiv_id is not None:
        return SearchQuery(text=raw, arxiv_id=arxiv_id, terms=(arxiv_id,))
    # NFKC: full-width letters and digits become ASCII, "ﬁ" becomes "fi", decomposed accents compose.
    normal = unicodedata.normalize("NFKC", raw)

    # dedupe key -> (FTS term, display term, (token, prefix?) or None for a phrase of several tokens)
    terms: dict[str, tuple[str, str, tuple[str, bool] | None]] = {}
    stops: dict[str, str] = {}
    singles: dict[str, str] = {}
    content = 0  # letters/digits/characters typed, over all tokens
    for piece, quoted in _segments(normal):
        tokens = TOKEN.findall(piece)
        content += sum(len(t) for t in tokens)
        if not tokens:
            continue
        if quoted and (len(tokens) > 1 or len(tokens[0]) > 1):
            parts = [g for t in tokens for g in (bigram_list(t) if is_cjk_token(t) else [t])]
            word = (parts[0], False) if len(parts) == 1 else None
            terms.setdefault(" ".join(tokens).casefold(), (_fts_string(parts), " ".join(tokens), word))
            continue
        for token in tokens:
            key = token.casefold()
            if is_cjk_token(token):
                if len(token) == 1:
                    singles.setdefault(key, token)
                else:
                    grams = bigram_list(token)
                    terms.setdefault(key, (_fts_string(grams), token, (grams[0], False) if len(grams) == 1 else None))
            elif key in STOPWORDS and not quoted:
                stops.setdefault(key, token)
            elif len(token) <= 2:
                # Whole words: "AI", "3D", "VR" are acronyms; "ai"* would also find "aim" and "air".
                terms.setdefault(key, (_fts_string([token]), token, (token, False)))
            else:
                terms.setdefault(key, (_fts_string([token]) + "*", token, (token, True)))

    if content == 0:
        raise QueryError("nothing to search for: use letters, digits or Chinese characters")
    if content < 2:
        raise QueryError("too short: type at least 2 characters")
    ignored = list(singles.values())
    if not terms:
        if not stops:
            raise QueryError("too short: type at least 2 characters (a Chinese word needs 2, e.g. 高斯)")
        # Only stop words ("the of"): search for them, as whole words.
        terms = {k: (_fts_string([w]), w, (w, False)) for k, w in stops.items()}
    else:
        ignored = list(stops.values()) + ignored
    if len(terms) > MAX_TERMS:
        raise QueryError(f"too many words: use at most {MAX_TERMS}")
    return SearchQuery(
        text=raw,
        match=" AND ".join(fts for fts, _, _ in terms.values()),
        terms=tuple(display for _, display, _ in terms.values()),
        words=None if any(w is None for _, _, w in terms.values()) else tuple(w for _, _, w in terms.values() if w),
        ignored=tuple(ignored),
    )


# ---- other inputs --------------------------------------------------------------------------------


def parse_date(text: str, name: str = "after") -> str:
    """A date as YYYY-MM-DD (2024-5-6 and 2024/05/06 are accepted too); QueryError otherwise."""
    m = _DATE.fullmatch((text or "").strip())
    try:
        if m is None:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise QueryError(f"{name}: use YYYY-MM-DD, e.g. 2024-05-06") from None


def check_date_range(after: str | None, before: str | None) -> tuple[str | None, str | None]:
    """Parse both bounds (inclusive); QueryError when after is later than before."""
    a = parse_date(after, "after") if after else None
    b = parse_date(before, "before") if before else None
    if a and b and a > b:
        raise QueryError(f"after ({a}) is later than before ({b}): nothing can match")
    return a, b


def resolve_topic(text: str, known: Sequence[str]) -> str:
    """The known topic `text` names (exactly, else ignoring case, accents and spaces); QueryError otherwise."""
    wanted = (text or "").strip()
    if not wanted:
        raise QueryError("topic: empty")
    if wanted in known:
        return wanted
    folded = _squash(wanted)
    same = [t for t in known if _squash(t) == folded]
    if len(same) == 1:
        return same[0]
    close = [t for t in known if folded in _squash(t)]
    if close:
        raise QueryError(f"unknown topic {wanted!r}; did you mean: {', '.join(close[:5])}")
    if not known:
        raise QueryError(f"unknown topic {wanted!r}: no topics yet (nothing ingested)")
    hint = ", ".join(known[:10]) + (" …" if len(known) > 10 else "")
    raise QueryError(f"unknown topic {wanted!r}; known topics: {hint}")


def matching_topics(names: Sequence[str], typed: str, limit: int) -> list[str]:
    """Topics for autocomplete, by the rule resolve_topic takes them (ignoring case, accents and spaces):
    those starting with what was typed, then those containing it, each in the order given. Nothing typed:
    all of them."""
    want = _squash(typed)
    squashed = [(n, _squash(n)) for n in names]
    starts = [n for n, s in squashed if s.startswith(want)]
    inside = [n for n, s in squashed if want in s and not s.startswith(want)]
    return (starts + inside)[: max(0, limit)]


def _squash(text: str) -> str:
    return fold(text).replace(" ", "")

