"""One-line summaries (English from the abstract, Chinese from the digest's summary) and list-safe text."""

from __future__ import annotations

import re

# Words that end with a full stop without ending a sentence. Words with an inner dot ("e.g", "i.e",
# "w.r.t", "U.S") and single capitals (initials: "J. Smith") are caught by rule, not listed.
_ABBREVIATIONS = {
    "al", "fig", "figs", "eq", "eqs", "eqn", "sec", "secs", "tab", "ref", "refs", "vs", "cf", "resp", "approx",
    "no", "nos", "vol", "pp", "dr", "mr", "ms", "prof", "st", "ca", "viz", "incl", "app", "appx", "ch",
    "ie", "eg", "et", "esp", "min", "max", "avg", "def", "thm", "lem", "prop", "alg",
}
_END_RE = re.compile(r"[.!?][\"'”’)\]]*\s+")
_ZH_END_RE = re.compile(r"[。！？!?]+[”’」』）)]*")
_SHORT = 0.4  # a first sentence shorter than this share of the limit takes the next one along


def _is_sentence_end(text: str, dot: int, after: int) -> bool:
    """Whether the punctuation at `dot`, followed by whitespace up to `after`, ends a sentence."""
    if text[dot] != ".":
        return True
    if after < len(text) and not (text[after].isupper() or text[after].isdigit() or text[after] in "\"'“‘(["):
        return False  # "… e.g. the …", "vs. prior work"
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"'“[":
        start -= 1
    word = text[start:dot]
    if not word:
        return True
    if "." in word or (len(word) == 1 and word.isalpha() and word.isupper()):
        return False  # "e.g.", "i.e.", "U.S.", "J. Smith"
    return word.casefold() not in _ABBREVIATIONS or word == "etc"


def english_sentences(text: str) -> list[str]:
    """`text` (whitespace collapsed) split into sentences, not fooled by "e.g.", "et al.", "Fig. 3",
    "3.5" or "vs."."""
    text = " ".join(text.split())
    out, start = [], 0
    for m in _END_RE.finditer(text):
        if _is_sentence_end(text, m.start(), m.end()):
            out.append(text[start:m.end()].strip())
            start = m.end()
    if start < len(text):
        out.append(text[start:].strip())
    return [s for s in out if s]


def chinese_sentences(text: str) -> list[str]:
    """`text` split after 。！？ (and ASCII ! ?), closing quotes kept with their sentence."""
    text = "".join(text.split("\n")).strip()
    out, start = [], 0
    for m in _ZH_END_RE.finditer(text):
        out.append(text[start:m.end()].strip())
        start = m.end()
    if start < len(text):
        out.append(text[start:].strip())
    return [s for s in out if s]


def _cut(text: str, limit: int, *, words: bool) -> str:
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    if words and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:，、；：") + "…"


def _one_liner(sentences: list[str], limit: int, joiner: str, *, words: bool) -> str:
    if not sentences or limit <= 0:
        return ""
    first = sentences[0]
    if len(sentences) > 1 and len(first) < limit * _SHORT:
        both = first + joiner + sentences[1]
        if len(both) <= limit:
            return both
    return _cut(first, limit, words=words)


def english_one_liner(abstract: str, limit: int = 300) -> str:
    """The abstract's first sentence, or its first two when the first is short and both fit in `limit`
    characters; a first sentence longer than `limit` is cut at a word and ends with "…"."""
    return _one_liner(english_sentences(abstract), limit, " ", words=True)


def chinese_one_liner(summary: str, limit: int = 150) -> str:
    """The Chinese summary's first sentence (two when the first is short and both fit in `limit`)."""
    return _one_liner(chinese_sentences(summary), limit, "", words=False)


# A line that Markdown would read as a list item or block: "1." "1)" "- " "* " "+ " "# " "> ".
_MARKER_RE = re.compile(r"^([ \t]*)(?:(\d{1,9})([.)])(?=[ \t]|$)|([-*+>])(?=[ \t]|$)|(#{1,6})(?=[ \t]))", re.M)


def plain_list_text(text: str) -> str:
    """`text` made safe to put after a list number in an embed: a line starting with "1)", "1.", "- ",
    "* ", "+ ", "> " or "# " gets its marker escaped with a backslash ("1\\)"), so Discord (and the
    CommonMark renderer of SimCord's preview) shows "2. 1) …" instead of a nested "2. 1. …" list.

    A backslash before ASCII punctuation is Markdown's escape in both: it shows the character and
    drops the backslash, so the reader sees the text as written. "(1)" and "①" are no markers and
    stay as they are."""
    def escape(m: re.Match[str]) -> str:
        indent = m.group(1)
        if m.group(2) is not None:
            return f"{indent}{m.group(2)}\\{m.group(3)}"
        return f"{indent}\\{m.group(4) or m.group(5)}"

    return _MARKER_RE.sub(escape, text)
