"""The one text fold: how feed keywords, subscriptions, topic names and search highlights compare text.

``fold(text)``, in this order:

1. NFKD: compatibility forms become plain ones (full-width "ＮｅＲＦ" -> "NeRF", "ﬁ" -> "fi") and
   accented letters split into letter + combining mark;
2. combining marks are dropped ("José Müller" -> "Jose Muller");
3. casefold ("Straße" -> "strasse", "NeRF" -> "nerf");
4. every run of whitespace (line breaks, NBSP, the ideographic space) becomes one space; ends trimmed.

Chinese text passes through unchanged apart from the whitespace. Subscriptions store their folded
value in the database (``subscriptions.folded``); this fold gives exactly the values stored before it
had this home (the old ``jobs.matching.fold`` followed by the whitespace collapse every caller did),
so stored rows keep matching without a migration. tests/test_fold.py pins that.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["fold", "fold_char", "fold_with_index", "warm_fold"]


@functools.cache
def _marks_or_astral() -> re.Pattern[str]:
    """Any combining mark of the BMP, or any character beyond it: the fast path of `fold_with_index`
    is exact only without them. Built on first use (a BMP scan, ~10 ms); a character class of the BMP
    compiles to a bitmap, which one of every code point does not."""
    marks = [c for c in map(chr, range(0x10000)) if unicodedata.combining(c)]
    return re.compile("[" + re.escape("".join(marks)) + "\U00010000-\U0010ffff]")


def warm_fold() -> None:
    """Build the table the first fold of text with marks would (about 10 ms) now: for a process about to answer
    searches, so that its first one does not."""
    _marks_or_astral()


def _strip_marks(decomposed: str) -> str:
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_char(ch: str) -> str:
    """Steps 1-3 for one character (may give 0, 1 or several characters)."""
    if ch.isascii():
        return ch.lower()
    return _strip_marks(unicodedata.normalize("NFKD", ch)).casefold()


def fold(text: str) -> str:
    """Steps 1-4: the form text is compared in."""
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    if _marks_or_astral().search(decomposed):  # most text has no marks to strip: skip the slow join
        decomposed = _strip_marks(decomposed)
    return " ".join(decomposed.casefold().split())


def fold_with_index(text: str) -> tuple[str, list[int] | None]:
    """Steps 1-3 without the whitespace step, for finding a folded term inside the original text: the
    folded text and, unless it is one character per character, each folded character's index in `text`."""
    if text.isascii():
        return text.lower(), None
    decomposed = unicodedata.normalize("NFKD", text)
    # Fast path (Chinese text, full-width punctuation): one character in, one out, no marks.
    if len(decomposed) == len(text) and not _marks_or_astral().search(decomposed):
        folded = decomposed.casefold()
        if len(folded) == len(text):
            return folded, None
    out: list[str] = []
    index: list[int] = []
    for m in _CHUNK.finditer(text):  # word by word: only the odd words go character by character
        chunk, start = m.group(), m.start()
        folded = _fold_one_to_one(chunk)
        if folded is not None:
            out.append(folded)
            index.extend(range(start, start + len(chunk)))
            continue
        for i, ch in enumerate(chunk, start):
            f = fold_char(ch)
            out.append(f)
            index.extend([i] * len(f))
    return "".join(out), index


_CHUNK = re.compile(r"\S+|\s+")


def _fold_one_to_one(chunk: str) -> str | None:
    """Steps 1-3 of `chunk` when they map it one character to one (as character by character), else None."""
    if chunk.isascii():
        return chunk.lower()
    decomposed = unicodedata.normalize("NFKD", chunk)
    if len(decomposed) != len(chunk) or _marks_or_astral().search(decomposed):
        return None
    folded = decomposed.casefold()
    return folded if len(folded) == len(chunk) else None
