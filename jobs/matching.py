"""Which papers a feed filter or a subscription wants. Plain Python over Paper records."""

from __future__ import annotations

from jobs.fold import fold
from jobs.models import Paper


def paper_text(paper: Paper) -> str:
    """Everything a keyword is matched against, folded (which also undoes arXiv's line wraps)."""
    return fold("\n".join([paper.title, paper.abstract, paper.summary, *paper.takeaways]))


def _word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def contains_keyword(text: str, keyword: str) -> bool:
    """`keyword` (folded) in `text` (folded), starting at a word: "nerf" finds "NeRFs" and "gauss" finds
    "3D-Gaussian", but "ct" does not find "project". Chinese has no word boundaries: any place counts."""
    if not keyword:
        return False
    at = text.find(keyword)
    if not _word_char(keyword[0]):
        return at >= 0
    while at >= 0:
        if at == 0 or not _word_char(text[at - 1]):
            return True
        at = text.find(keyword, at + 1)
    return False


def matching_keyword(paper: Paper, keywords: list[str], text: str | None = None) -> str | None:
    """The first keyword found in the paper (case-insensitive), or None. No keywords: everything matches."""
    if not keywords:
        return ""
    haystack = paper_text(paper) if text is None else text
    for keyword in keywords:
        if contains_keyword(haystack, fold(keyword)):
            return keyword
    return None


def split_keywords(text: str) -> list[str]:
    """"gaussian, talking head ,NeRF" -> ["gaussian", "talking head", "NeRF"] (deduplicated, order kept)."""
    seen: dict[str, str] = {}
    for part in text.replace("，", ",").split(","):
        word = " ".join(part.split())
        if word and fold(word) not in seen:
            seen[fold(word)] = word
    return list(seen.values())


MAX_EXCLUDES = 10  # words or phrases a subscription or a feed may leave out
MIN_EXCLUDE = 2  # characters: one letter (or one 的) would leave out nearly everything


def excluded_by(text: str, excludes: list[str]) -> str | None:
    """The first of `excludes` (as typed) found in `text` (folded, as `paper_text` gives it), the way
    keywords are found (any case, from the start of a word); None when none is."""
    for word in excludes:
        if contains_keyword(text, fold(word)):
            return word
    return None


def excludes_everything(keywords: list[str], excludes: list[str]) -> str | None:
    """An exclusion that every paper matching `keywords` contains — one found in each keyword itself (an
    exclusion "nerf" under the keyword "NeRF", or "gaussian" under "gaussian splatting"); None when
    papers can still get through. No keywords: any paper may, so None."""
    if not keywords:
        return None
    for word in excludes:
        if all(contains_keyword(fold(keyword), fold(word)) for keyword in keywords):
            return word
    return None
