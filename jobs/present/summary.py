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


# What a sentence that says what the paper does looks like (tuned on the real Kedreamix abstracts):
# "We propose/present…", "In this paper, …", "This work …", "Here we …", "To address this, we …",
# "Our method …", "<Name>, a …", "A novel … is proposed". Background says "this approach" of others' work,
# so "this" counts only with paper/work/study.
_WORK = r"(?:paper|work|study|article|letter|report|research|survey|review|thesis|chapter|note)"
_CONTRIBUTION_RE = re.compile(
    r"\bwe\s+(?:(?:first|further|then|also|hence|thus|therefore|here|now|newly|instead|formally|"
    r"systematically|comprehensively|thoroughly|empirically|carefully|critically)\s+)?"
    r"(?:(?:propose|present|introduce|develop|design|devise|construct|create|contribute|formulate|pioneer|"
    r"establish|curate|release|describe|report|investigate|explore|tackle|address|reformulate|revisit|"
    r"rethink|extend|analy[sz]e|examine|seek|aim|offer|conduct|consider)(?:d|ed)?|put\s+forward|build|built|"
    r"stud(?:y|ied))\b"
    r"|^(?:in|within|through)\s+(?:this|our|the\s+present)\s+" + _WORK + r"\b"
    r"|^(?:this|the\s+present)\s+" + _WORK + r"\b"
    r"|\b(?:this|the\s+present|our)\s+" + _WORK + r"\s+(?:\w+ly\s+)?(?:propos|present|introduc|develop|"
    r"investigat|conduct|explor|stud|examin|describ|address|aim|provid|offer|tackl|report)\w*\b"
    r"|^our\s+(?:method|approach|framework|model|system|pipeline|technique|contributions?|project|"
    r"key\s+(?:idea|insight))\b"
    r"|\bour\s+proposed\b"
    r"|^here,?\s+we\b"
    r"|^to\s+(?:this\s+end|address|tackle|overcome|solve|bridge|fill|mitigate|alleviate|remedy|resolve|"
    r"handle|circumvent|counter|fix|close|answer|meet|enable|achieve)\b[^.]*?,\s*we\b"
    r"|^(?:a|an)\s+(?:novel|new)\b[^.]*\b(?:is|are)\s+(?:hereby\s+)?(?:proposed|presented|introduced|developed)\b",
    re.IGNORECASE,
)
# A structured abstract's label ("Methods: This paper proposes …") is not part of the sentence's opening.
_LABEL_RE = re.compile(r"^(?:purpose|methods?|objectives?|aims?|approach|contributions?)\s*:\s*", re.IGNORECASE)
# "<Name>, a …" ("SplatFlow, a method …"): a name with an inner capital or digit; case matters here.
_NAME_RE = re.compile(r"^[A-Z][\w-]*[A-Z0-9][\w-]*(?:\s*\([^)]{1,60}\))?,\s+(?:a|an|the\s+first)\s")
# How the paper works and what it achieves: the sentences English takeaways are made of.
_METHOD_RE = re.compile(
    r"\bwe\s+(?:\w+\s+)?(?:use|leverage|employ|build|design|adopt|utili[sz]e|incorporate|introduce|"
    r"propose|develop|apply|train|exploit|combine|integrate|devise|formulate|model|learn|represent|"
    r"decompose|encode|construct|distill|optimi[sz]e)\b"
    r"|^(?:specifically|concretely|technically|in\s+particular)\b"
    r"|\bby\s+(?:\w+\s+)?\w+ing\b"
    r"|\b(?:consists?|comprises?|is\s+composed)\s+of\b"
    r"|\b(?:uses|leverages|employs|utili[sz]es|incorporates|combines|integrates|exploits)\b",
    re.IGNORECASE,
)
_RESULT_RE = re.compile(
    r"\b(?:experiments?|experimental\s+results?|results|evaluations?|extensive\s+\w+)\b[^.]*?"
    r"\b(?:show|shows|demonstrate|demonstrates|indicate|indicates|confirm|confirms|validate|validates|reveal)\b"
    r"|\boutperform|\bsurpass|\bachiev|\bstate[-\s]of[-\s]the[-\s]art\b|\bSOTA\b|\bimprov"
    r"|\bsuperior\b|\bfaster\b|\d+(?:\.\d+)?\s*(?:%|x\b|×|dB\b|times\b)",
    re.IGNORECASE,
)
# A sentence that is only a link or a release note is no takeaway.
_NO_TAKEAWAY_RE = re.compile(r"https?://|\b(?:code|project\s+page|models?|data(?:set)?s?|demo)\b[^.]*"
                             r"\b(?:available|released|will\s+be|can\s+be\s+found)\b", re.IGNORECASE)
TAKEAWAY_MAX = 300  # an English takeaway longer than this is cut at a word


def _says_contribution(sentence: str) -> bool:
    sentence = _LABEL_RE.sub("", sentence)
    return _CONTRIBUTION_RE.search(sentence) is not None or _NAME_RE.match(sentence) is not None


def _contribution_index(sentences: list[str]) -> int:
    """The index of the first sentence that says what the paper does, else 0 (the first sentence)."""
    return next((i for i, s in enumerate(sentences) if _says_contribution(s)), 0)


def _lead_span(sentences: list[str], limit: int) -> tuple[int, int]:
    """Where the English line starts and how many sentences it takes (two when the first is short)."""
    start = _contribution_index(sentences)
    rest = sentences[start:]
    if len(rest) > 1 and len(rest[0]) < limit * _SHORT and len(rest[0]) + 1 + len(rest[1]) <= limit:
        return start, 2
    return start, 1


def english_one_liner(abstract: str, limit: int = 300) -> str:
    """The abstract's contribution sentence: the first that says what the paper does ("We propose…",
    "In this paper, …", "This work …", "<Name>, a …"), not the background most abstracts open with;
    the first sentence when none does. A short one brings the next along when both fit in `limit`
    characters; one longer than `limit` is cut at a word and ends with "…"."""
    sentences = english_sentences(abstract)
    if not sentences:
        return ""
    start, _ = _lead_span(sentences, limit)
    return _one_liner(sentences[start:], limit, " ", words=True)


def english_takeaways(abstract: str, n: int = 3, limit: int = 300) -> list[str]:
    """English takeaways from the abstract, for papers whose source has none in English: the sentences
    after the contribution line (english_one_liner with the same `limit`) that say how the paper works
    or what it achieves, at most `n`, in abstract order; a result sentence is kept over a later method
    one when there are more than `n`. Each is cut at a word to TAKEAWAY_MAX characters."""
    sentences = english_sentences(abstract)
    if not sentences or n <= 0:
        return []
    start, taken = _lead_span(sentences, limit)
    picked: list[tuple[int, bool]] = []  # (index, is a result)
    for i in range(start + taken, len(sentences)):
        s = sentences[i]
        if _NO_TAKEAWAY_RE.search(s):
            continue
        result = _RESULT_RE.search(s) is not None
        if result or _METHOD_RE.search(s):
            picked.append((i, result))
    chosen = picked[:n]
    if chosen and not any(r for _, r in chosen):
        first_result = next(((i, r) for i, r in picked[n:] if r), None)
        if first_result is not None:  # what it achieves matters more than a third how
            chosen = [*chosen[:-1], first_result]
    return [_cut(sentences[i], TAKEAWAY_MAX, words=True) for i, _ in chosen]


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
