"""A snippet for a hit: a window of the original text around the first match, matches in **bold**."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jobs.fold import fold_with_index
from jobs.models import Paper
from jobs.search.bigrams import CJK, TOKEN, has_cjk, is_cjk_token

# A word character that is not CJK, and a run of them, compiled once: a character class holding the CJK ranges
# takes 2 ms to compile (re builds its bitmap in Python), and a term's pattern compiled with two of them made the
# first search of every new term 3-6 ms slower.
_WORD_NOT_CJK = re.compile(rf"[^\W_{CJK}]")
_WORD_NOT_CJK_RUN = re.compile(rf"[^\W_{CJK}]*")
_MD_SPECIAL = re.compile(r"([\\*_~`|])")
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


@dataclass(frozen=True, slots=True)
class _Term:
    """A term's tokens as a pattern (separators between them), and the edges a match of it needs: `lead`, not
    preceded by a word character other than CJK ("gauss" is no match inside "degauss"); `tail`, runs on over
    such characters ("gauss" highlights all of "Gaussian")."""

    core: re.Pattern[str]
    lead: bool
    tail: bool

    def spans(self, folded: str) -> Iterator[tuple[int, int]]:
        """Each match in `folded`, as one regex with the edges inside it would find them (leftmost first, then
        on from its end)."""
        pos = 0
        while (m := self.core.search(folded, pos)) is not None:
            start, end = m.span()
            if self.lead and start and _WORD_NOT_CJK.match(folded, start - 1):
                pos = start + 1
                continue
            if self.tail:
                end = _WORD_NOT_CJK_RUN.match(folded, end).end()  # type: ignore[union-attr]  # matches empty
            yield start, end
            pos = end if end > start else start + 1


@functools.lru_cache(maxsize=512)
def _term_regex(term: str) -> _Term | None:
    """A term's compiled pattern, kept here: re's own cache of 512 is shared with the rest of the process."""
    folded, _ = fold_with_index(term)
    tokens = TOKEN.findall(folded)
    if not tokens:
        return None
    pattern = ""
    for i, token in enumerate(tokens):
        if i:
            both_words = not is_cjk_token(tokens[i - 1]) and not is_cjk_token(token)
            pattern += r"[\W_]+" if both_words else r"[\W_]*"
        pattern += re.escape(token)
    return _Term(re.compile(pattern), not is_cjk_token(tokens[0]), not is_cjk_token(tokens[-1]))


def _matches(text: str, patterns: list[_Term]) -> list[tuple[int, int, int]]:
    """Every match in `text` as (start, end, pattern number), in order of start."""
    folded, index = fold_with_index(text)
    found: list[tuple[int, int, int]] = []
    for n, term in enumerate(patterns):
        for start, end in term.spans(folded):
            if index is None:
                found.append((start, end, n))
            else:
                found.append((index[start], index[end - 1] + 1, n))
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
    compiled = [p for p in map(_term_regex, query_terms) if p is not None]

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
