"""Text as the full-text index sees it.

FTS5's unicode61 tokenizer keeps a run of Chinese characters as one token, so a search for a
two-character word inside a sentence finds nothing. We index Chinese as overlapping character
bigrams (the CJK analyzer approach of Lucene): "高斯泼溅" becomes "高斯 斯泼 泼溅". A query is turned
into the same bigrams and searched as a phrase, so any word of two or more characters matches
where it occurs, with no dictionary to load.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs (+ extension A), and the compatibility block.
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join(map(str.__add__, run[:-1], run[1:]))  # each character with the next, in C


def index_text(text: str) -> str:
    """Text for the FTS table: CJK runs become space-separated bigrams, the rest is kept."""
    if not text or text.isascii():
        return text
    return _CJK_RUN.sub(lambda m: f" {_bigrams(m.group())} ", text)


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def cjk_runs(text: str) -> list[str]:
    return _CJK_RUN.findall(text)
