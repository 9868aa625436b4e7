"""Text as the full-text index sees it, and the one rule for Chinese that index and query share.

FTS5's unicode61 tokenizer keeps a run of Chinese characters as one token, so a search for a
two-character word inside a sentence finds nothing. We index Chinese as overlapping character
bigrams (the CJK analyzer approach of Lucene): "高斯泼溅" becomes "高斯 斯泼 泼溅". A query is turned
into the same bigrams (`bigram_list`) and searched as a phrase, so any word of two or more characters
matches where it occurs, with no dictionary to load.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs (+ extension A), and the compatibility block.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
# A token: a run of Chinese characters, or a run of other letters/digits. Everything else (spaces,
# punctuation, FTS operators' characters, symbols, emoji, underscores) separates tokens, as in FTS5's
# unicode61 tokenizer.
TOKEN = re.compile(rf"[{CJK}]+|[^\W_{CJK}]+")


def bigram_list(run: str) -> list[str]:
    """A run of Chinese characters as its overlapping bigrams; a lone character stays itself."""
    if len(run) == 1:
        return [run]
    return list(map(str.__add__, run[:-1], run[1:]))  # each character with the next, in C


def index_text(text: str) -> str:
    """Text for the FTS table: CJK runs become space-separated bigrams, the rest is kept."""
    if not text or text.isascii():
        return text
    return _CJK_RUN.sub(lambda m: f" {' '.join(bigram_list(m.group()))} ", text)


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def is_cjk_token(token: str) -> bool:
    """Whether a token of `TOKEN` is a Chinese run (its first character says)."""
    return has_cjk(token[0])


def cjk_runs(text: str) -> list[str]:
    return _CJK_RUN.findall(text)
