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
