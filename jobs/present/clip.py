"""Cutting text to fit, the way a reader would cut it: after a sentence, else after a clause, else between
words, never inside an English word or a bracket that the cut would leave open. One home for every cut:
Discord's character limits (bot/ui/embeds.py `trim`) and the screen widths of a paper's lines alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"
# A full stop ends a sentence, but not after a digit ("2." of a list), "vs.", "al." or "e.g.".
_SENTENCE = re.compile(r"(?<=[。！？!?；;])|(?<!\d\.)(?<!vs\.)(?<!al\.)(?<!g\.)(?<=\.)(?=\s)|\n")
_CLAUSE = re.compile(r"(?<=[，、：,:）)」』】])")
_LIST_MARKER_END = re.compile(r"\s*\d{1,2}[.)、]$")  # "…；2." : the next item's number, without its item
_OPEN = "（(「『【["
_CLOSE = "）)」』】]"
_FLOOR = 0.5  # never throw away more than half of what would fit to land on a boundary
_CLAUSE_FLOOR = 0.6  # a clause boundary must keep a little more
_BRACKET_FLOOR = 0.25  # an open bracket goes even when that costs more: "(half a thought…" reads worse


def display_width(text: str) -> int:
    """Columns `text` takes on screen: two for a wide (Chinese, Japanese, Korean) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _prefix_within(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """The length of the longest prefix of `text` whose measure is at most `limit` (a measure that adds up
    character by character, as len and display_width do)."""
    if measure is len:
        return min(len(text), limit)
    used = 0
    for i, c in enumerate(text):
        used += measure(c)
        if used > limit:
            return i
    return len(text)


def _open_bracket(text: str) -> int:
    """Where the last bracket still open at the end of `text` opened, or -1."""
    depth, at = 0, -1
    for i in range(len(text) - 1, -1, -1):
        c = text[i]
        if c in _CLOSE:
            depth += 1
        elif c in _OPEN:
            if depth == 0:
                at = i
                break
            depth -= 1
    return at


def _word_start(text: str, end: int) -> int:
    """Where the ASCII word that `end` falls inside starts (end itself when it is between words)."""
    if end >= len(text) or not (text[end].isascii() and text[end].isalnum()):
        return end
    start = end
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
        start -= 1
    return start


def clip(text: str, limit: int, *, measure: Callable[[str], int] = len) -> str:
    """`text` cut to at most `limit` (as `measure` counts: characters by default, `display_width` for the
    screen) with "…" after the cut. The cut falls after the last sentence that fits, else after a clause
    (，、：), else between words; an English word is never split ("数据集Alo…") and a bracket the cut would
    leave open is dropped with what follows it ("（图注意力网络+…")."""
    if measure(text) <= limit:
        return text
    if limit <= measure(ELLIPSIS):
        return ELLIPSIS if limit >= measure(ELLIPSIS) else ""
    room = _prefix_within(text, limit - measure(ELLIPSIS), measure)
    head = text[:room]
    floor = int(room * _FLOOR)
    cut = max((m.start() for m in _SENTENCE.finditer(head) if m.start() >= floor), default=-1)
    if cut < 0:
        cut = max((m.start() for m in _CLAUSE.finditer(head) if m.start() >= room * _CLAUSE_FLOOR), default=-1)
    if cut < 0:
        space = head.rfind(" ")
        cut = space if space >= floor else _word_start(text, room)
        if cut < floor:  # one long word: a hard cut is all there is
            cut = room
    kept = head[:cut].rstrip()
    bracket = _open_bracket(kept)
    if bracket >= room * _BRACKET_FLOOR:
        kept = kept[:bracket].rstrip()
    kept = _LIST_MARKER_END.sub("", kept).rstrip(" ,;:，、；：·-–—")
    return kept + ELLIPSIS if kept else head[: max(0, room)] + ELLIPSIS
