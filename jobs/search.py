"""Search: any user string in, a safe FTS5 query out; snippets for the hits.

Nothing here speaks SQL (that is `jobs.store`) or Discord. The pieces:

- :func:`build_query` turns what a person typed into a :class:`SearchQuery`: either an exact arXiv id
  lookup or an FTS5 MATCH expression that cannot be a syntax error, because every term is a quoted
  string of letters and digits (FTS syntax characters, emoji and SQL-looking text are separators).
  English words match as prefixes (``gauss`` finds "Gaussian"); words of one or two letters, mostly
  acronyms such as AI or 3D, match whole; stop words (the, of, and, or, not, ...) are left out when
  there are other words. ``"Quoted words"`` match as a phrase. A run of Chinese characters matches
  as the phrase of its character bigrams, which is how `jobs.search_text` indexes Chinese, so a
  two-character word is found inside a longer sentence. All terms are ANDed; each may match any
  indexed column (title, authors, abstract, summary, takeaways, ids).
- :func:`parse_date`, :func:`check_date_range`, :func:`normalize_arxiv_id` (from `jobs.arxiv_id`),
  :func:`resolve_topic` check the other inputs of a search, with messages meant for the person who typed them.
- :func:`snippet` cuts a window of the original text around the first match, matches in **bold**.
- :func:`run_search` puts it together over a `Store`.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from jobs.arxiv_id import normalize_arxiv_id
from jobs.fold import fold, fold_with_index
from jobs.metrics import record_search
from jobs.models import Paper
from jobs.search_text import has_cjk

if TYPE_CHECKING:
    from jobs.store import Store

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "QueryError",
    "SearchPage",
    "SearchQuery",
    "SearchResult",
    "build_query",
    "check_date_range",
    "normalize_arxiv_id",
    "parse_date",
    "resolve_topic",
    "run_search",
    "snippet",
]

MAX_QUERY_CHARS = 200
MAX_TERMS = 32
MAX_LIMIT = 50

# The same ranges as jobs.search_text (CJK Unified Ideographs + extension A + compatibility block).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A token: a run of Chinese characters, or a run of other letters/digits. Everything else (spaces,
# punctuation, FTS operators' characters, symbols, emoji, underscores) separates tokens, as in FTS5's
# unicode61 tokenizer.
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“", "「": "」", "『": "』"}

# Dropped from a query that has other words: they match nearly every abstract, so they add no
# precision and cost the most (AND/OR/NOT typed as operators end up here too).
_STOPWORDS = frozenset({
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


@dataclass(slots=True)
class SearchResult:
    paper: Paper  # with the topic and date of its latest appearance that matched the filters
    score: float  # higher is better (negated bm25); 0 for an id lookup
    snippet: str


@dataclass(slots=True)
class SearchPage:
    query: SearchQuery
    results: list[SearchResult]
    total: int
    offset: int
    limit: int
    topic: str | None = None
    after: str | None = None
    before: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.results) < self.total


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


def _is_cjk(token: str) -> bool:
    return has_cjk(token[0])


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


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
        tokens = _TOKEN.findall(piece)
        content += sum(len(t) for t in tokens)
        if not tokens:
            continue
        if quoted and (len(tokens) > 1 or len(tokens[0]) > 1):
            parts = [g for t in tokens for g in (_bigrams(t) if _is_cjk(t) else [t])]
            word = (parts[0], False) if len(parts) == 1 else None
            terms.setdefault(" ".join(tokens).casefold(), (_fts_string(parts), " ".join(tokens), word))
            continue
        for token in tokens:
            key = token.casefold()
            if _is_cjk(token):
                if len(token) == 1:
                    singles.setdefault(key, token)
                else:
                    grams = _bigrams(token)
                    terms.setdefault(key, (_fts_string(grams), token, (grams[0], False) if len(grams) == 1 else None))
            elif key in _STOPWORDS and not quoted:
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


def _squash(text: str) -> str:
    return fold(text).replace(" ", "")


# ---- snippets ------------------------------------------------------------------------------------

_WORDCHAR_NOT_CJK = rf"[^\W_{_CJK}]"
_MD_SPECIAL = re.compile(r"([\\*_~`|])")
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def _term_pattern(term: str) -> str | None:
    folded, _ = fold_with_index(term)
    tokens = _TOKEN.findall(folded)
    if not tokens:
        return None
    pattern = "" if _is_cjk(tokens[0]) else rf"(?<!{_WORDCHAR_NOT_CJK})"
    for i, token in enumerate(tokens):
        if i:
            both_words = not _is_cjk(tokens[i - 1]) and not _is_cjk(token)
            pattern += r"[\W_]+" if both_words else r"[\W_]*"
        pattern += re.escape(token)
    if not _is_cjk(tokens[-1]):
        pattern += f"{_WORDCHAR_NOT_CJK}*"  # "gauss" highlights all of "Gaussian"
    return pattern


def _matches(text: str, patterns: list[re.Pattern[str]]) -> list[tuple[int, int, int]]:
    """Every match in `text` as (start, end, pattern number), in order of start."""
    folded, index = fold_with_index(text)
    found: list[tuple[int, int, int]] = []
    for n, pat in enumerate(patterns):
        for m in pat.finditer(folded):
            if m.end() == m.start():
                continue
            if index is None:
                found.append((m.start(), m.end(), n))
            else:
                found.append((index[m.start()], index[m.end() - 1] + 1, n))
    found.sort()
    return found


def _merge_spans(text: str, found: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Overlapping matches, and matches only a space apart ("**talking head**"), become one span."""
    merged: list[tuple[int, int]] = []
    for s, e, _ in found:
        if merged and (s <= merged[-1][1] or text[merged[-1][1] : s] == " "):
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _best_anchor(found: list[tuple[int, int, int]], width: int) -> tuple[int, int]:
    """The first match whose window of `width` characters holds the most different terms."""
    best, best_count = 0, 0
    counts: dict[int, int] = {}
    j = 0
    for i, (start, _, _) in enumerate(found):  # a sliding window over the matches
        while j < len(found) and found[j][0] < start + width:
            counts[found[j][2]] = counts.get(found[j][2], 0) + 1
            j += 1
        if len(counts) > best_count:
            best, best_count = i, len(counts)
        n = found[i][2]
        counts[n] -= 1
        if not counts[n]:
            del counts[n]
    return found[best][0], found[best][1]


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _cut(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out: list[str] = ["…"] if start > 0 else []
    pos = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(_md(text[pos:s]))
        out.append(f"**{_md(text[s:e])}**")
        pos = e
    out.append(_md(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def snippet(paper: Paper, query_terms: Sequence[str], width: int = 160) -> str:
    """About `width` characters of the paper's own text around the first match (abstract, summary or
    takeaways, whichever matches most terms), matches in **bold**, "…" where text was cut. Markdown
    in the text is escaped. With no match there: the start of the summary (or of the abstract)."""
    summary = "" if "summary_lossy" in paper.flags else paper.summary
    takeaways = "" if "takeaways_lossy" in paper.flags else " · ".join(paper.takeaways)
    fields = [paper.abstract, summary, takeaways]
    if any(has_cjk(t) for t in query_terms):
        fields = [summary, takeaways, paper.abstract]
    compiled = [re.compile(p) for p in filter(None, map(_term_pattern, query_terms))]

    best: tuple[int, str, list[tuple[int, int, int]]] = (0, "", [])
    for raw in fields if compiled else ():
        text = _squeeze(raw)
        if not text:
            continue
        found = _matches(text, compiled)
        terms_found = len({n for _, _, n in found})
        if terms_found > best[0]:
            best = (terms_found, text, found)
            if terms_found == len(compiled):
                break  # every term: no later field can do better
    _, text, found = best
    if not found:
        text = _squeeze(summary or paper.abstract)
        return _cut(text, 0, _soft_end(text, min(len(text), width)), [])

    s, e = _best_anchor(found, width - width // 3)  # the window starts a third before it
    start = max(0, s - max(0, width - (e - s)) // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    start = _soft_start(text, start, s)
    end = _soft_end(text, max(end, min(len(text), e)))
    return _cut(text, start, end, _merge_spans(text, found))


def _squeeze(text: str) -> str:
    """Runs of whitespace (and zero-width characters) as one space, the ends trimmed. ASCII text
    has no zero-width characters, and str.split finds its whitespace in C (a third of a snippet's
    time went to the regex)."""
    return " ".join(text.split()) if text.isascii() else _SPACE.sub(" ", text).strip()


def _soft_start(text: str, start: int, limit: int) -> int:
    """Move a cut start forward to the next word start (within a few characters, not past `limit`)."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start, min(limit, start + 16))
    return space + 1 if space != -1 else start


def _soft_end(text: str, end: int) -> int:
    if end >= len(text) or text[end].isspace():
        return end
    space = text.rfind(" ", max(0, end - 16), end)
    return space if space > 0 else end


# ---- running a search ----------------------------------------------------------------------------


async def run_search(
    store: Store,
    text: str,
    *,
    topic: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int = 10,
    offset: int = 0,
    width: int = 160,
) -> SearchPage:
    """Check every input (QueryError on bad input), search, and attach snippets."""
    started = time.perf_counter()
    query = build_query(text)
    after, before = check_date_range(after, before)
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit: use 1 to {MAX_LIMIT}")
    if offset < 0:
        raise QueryError("offset: use 0 or more")
    if topic is not None:
        topic = resolve_topic(topic, await store.known_topics())
    hits, total = await store.search(
        query.match, arxiv_id=query.arxiv_id, topic=topic, after=after, before=before,
        limit=limit, offset=offset, words=query.words,
    )
    results = [SearchResult(h.paper, -h.rank if h.rank else 0.0, snippet(h.paper, query.terms, width))
               for h in hits]
    notes = [f"ignored: {', '.join(query.ignored)}"] if query.ignored else []
    record_search(time.perf_counter() - started)  # /metrics (jobs/metrics.py), when it is installed
    return SearchPage(query, results, total, offset, limit, topic, after, before, notes)


async def filters_that_empty(store: Store, page: SearchPage) -> tuple[int, list[str]]:
    """For a page with no results past its start: (how many papers match the words with no filter, the
    filters among topic/after/before that alone leave none), so "no results" can name what emptied it."""
    unfiltered = await store.search(page.query.match, arxiv_id=page.query.arxiv_id, topic=None, after=None,
                                    before=None, limit=1, offset=0, words=page.query.words)
    emptied: list[str] = []
    if unfiltered[1]:
        for name, value in (("topic", page.topic), ("after", page.after), ("before", page.before)):
            if value is None:
                continue
            alone: dict[str, str | None] = {"topic": None, "after": None, "before": None, name: value}
            _, total = await store.search(page.query.match, arxiv_id=page.query.arxiv_id, limit=1, offset=0,
                                          words=page.query.words, **alone)
            if not total:
                emptied.append(name)
    return unfiltered[1], emptied
