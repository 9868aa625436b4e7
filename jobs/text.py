"""Text repair for digest posts: zero-width characters, mojibake, HTML, whitespace and URLs.

Everything here is cheap on plain text: each helper checks for the thing it repairs (``str.isascii``,
a precompiled regex, a substring test) before doing any real work, because the format adapters call
them on every field of every paper.

Mojibake in the wild (GUIDE 1.1) is UTF-8 decoded as cp1252 with the bytes cp1252 leaves undefined
(0x81 0x8D 0x8F 0x90 0x9D) and U+00AD dropped. :func:`repair_mojibake` re-encodes such text to bytes and
decodes it as UTF-8 itself, so that one damaged character costs only that character (ftfy gives up on
the whole run); a character whose bytes are incomplete cannot be recovered and is reported as lossy.
ftfy is the fallback for any other kind of mojibake.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

__all__ = [
    "HTML_TAG_RE",
    "MOJIBAKE_RE",
    "REPLACEMENT_CHAR",
    "URL_RE",
    "ZERO_WIDTH_RE",
    "clean_lines",
    "clean_text",
    "collapse_ws",
    "find_urls",
    "has_mojibake",
    "has_zero_width",
    "repair_gbk_mojibake",
    "repair_mojibake",
    "strip_html",
    "strip_zero_width",
    "trim_url",
]

REPLACEMENT_CHAR = "\ufffd"

# Zero-width and invisible formatting characters that carry nothing for a reader.
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u180e"
ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH_CHARS}]")

# --- mojibake -----------------------------------------------------------------------------------------

_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)  # bytes cp1252 leaves undefined
# The characters cp1252 shows for the bytes 0x80-0x9F; some copies keep the five undefined bytes as the
# C1 control characters of the same value (Latin-1 style), most drop them.
_CP1252_C1 = "".join(chr(b) if b in _UNDEFINED else bytes([b]).decode("cp1252") for b in range(0x80, 0xA0))
# Character -> the byte it stood for, for every character of a mojibake run.
# A Latin-1 copy (ISO-8859-1, not cp1252) shows every byte 0x80-0x9F as the C1 control of that value.
_LATIN1_C1 = "".join(map(chr, range(0x80, 0xA0)))
_TO_BYTE = (
    {ch: 0x80 + i for i, ch in enumerate(_CP1252_C1)}
    | {chr(b): b for b in range(0x80, 0x100)}
)
_TO_BYTE[" "] = 0x20
# The characters shown for the UTF-8 continuation bytes 0x80-0xBF, in a cp1252 or a Latin-1 copy.
_CONT_CHARS = _CP1252_C1 + _LATIN1_C1 + "".join(map(chr, range(0xA0, 0xC0)))
# A UTF-8 lead byte (0xC2-0xF4, shown as Â..ô) followed by a continuation byte: the mark of mojibake.
MOJIBAKE_RE = re.compile(f"[\u00c2-\u00f4][{re.escape(_CONT_CHARS)}]")
# A maximal run of characters that cp1252 can encode and that are not ASCII: candidates for re-decoding.
# A space may stand inside a run where a NBSP (0xA0) was lost.
_HIGH_RUN_RE = re.compile(f"(?:[{re.escape(_CP1252_C1)}\u0080-\u00ff]| (?=[{re.escape(_CONT_CHARS)}]))+")
# The same runs, for decoding, with U+FFFD inside them: a byte the copy replaced (see _decode_run).
_DECODE_RUN_RE = re.compile(
    f"(?:[{re.escape(_CP1252_C1)}\u0080-\u00ff{REPLACEMENT_CHAR}]| (?=[{re.escape(_CONT_CHARS)}]))+"
)
_UNKNOWN_BYTE = 0x81  # what a replaced byte is decoded as: a continuation byte (never output as such)



# ftfy is imported on first need: loading it is a third of a whole `python -m bot parse` of clean posts.
def is_bad(text: str) -> bool:
    """ftfy's badness heuristic."""
    from ftfy.badness import is_bad as ftfy_is_bad

    return bool(ftfy_is_bad(text))


@cache
def _ftfy_config() -> Any:
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,
        fix_character_width=False,  # keep full-width Chinese punctuation
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def _utf8_len(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _byte_char(b: int) -> str:
    """The character a byte was shown as (the inverse of _TO_BYTE)."""
    return _CP1252_C1[b - 0x80] if 0x80 <= b < 0xA0 else chr(b)


def _decode_run(run: str, *, strict: bool = False, before: str = "", after: str = "") -> tuple[str, bool]:
    """Decode one run of cp1252 characters as the UTF-8 bytes they once were.

    An incomplete sequence (a byte was dropped) becomes U+FFFD and makes the run lossy. A lone lead
    byte before ASCII is kept as the character it is (real Latin-1 text such as 'é') unless `strict`
    (the text is known to be mojibake: the lead lost all its continuation bytes); a stray
    continuation byte is kept too (real cp1252 punctuation such as '“'). `before` and `after` are the
    characters around the run.
    """
    # U+FFFD stands for one byte the copy replaced (cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined: all
    # continuation bytes): it is read as a continuation byte nobody knows, so the one character it was in is
    # lost as one U+FFFD, not as the U+FFFD plus the incomplete rest of that character.
    unknown = {i for i, ch in enumerate(run) if ch == REPLACEMENT_CHAR} if REPLACEMENT_CHAR in run else set()
    data = bytes(_UNKNOWN_BYTE if ch == REPLACEMENT_CHAR else _TO_BYTE[ch] for ch in run) if unknown else \
        bytes(map(_TO_BYTE.__getitem__, run))
    if not unknown:
        try:
            return data.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    out: list[str] = []
    lossy = False
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        need = _utf8_len(b)
        if unknown and i in unknown:  # a replaced byte that no lead before it claimed: itself lost
            out.append(REPLACEMENT_CHAR)
            lossy = True
            i += 1
            continue
        if need == 0:  # ASCII (the NBSP-as-space join) or a stray continuation byte
            out.append(_byte_char(b))
            i += 1
            continue
        j = i + 1
        while j < n and j - i < need and 0x80 <= data[j] <= 0xBF:
            j += 1
        # A space where a NBSP (0xA0) was expected: some copies also lost those.
        if j - i < need and j < n and data[j] == 0x20:
            trial = bytearray(data[i:j])
            trial.append(0xA0)
            k = j + 1
            while k < n and len(trial) < need and 0x80 <= data[k] <= 0xBF:
                trial.append(data[k])
                k += 1
            if len(trial) == need and not (unknown and not unknown.isdisjoint(range(i, k))):
                try:
                    out.append(bytes(trial).decode("utf-8"))
                    i = k
                    continue
                except UnicodeDecodeError:
                    pass
        if j - i == need and unknown and not unknown.isdisjoint(range(i, j)):
            out.append(REPLACEMENT_CHAR)  # a whole character, one of whose bytes was replaced: lost
            lossy = True
            i = j
        elif j - i == need:
            try:
                out.append(data[i:j].decode("utf-8"))
            except UnicodeDecodeError:  # overlong or surrogate: not mojibake of anything
                out.extend(map(_byte_char, data[i:j]))
            i = j
        elif j - i == 1 and not strict and (j == n or _utf8_len(data[j]) == 0):
            out.append(_byte_char(b))  # a lone lead byte before ASCII or the end: real Latin-1 text
            i += 1
        elif (
            j - i == 1
            and b == 0xC3
            and (out[-1] if out else before).islower()
            and ((0x61 <= data[j] <= 0x7A) if j < n else after.islower())
        ):
            # 'Ã' alone inside a lower-case word: of the characters whose second byte can be lost
            # (Á Í Ï Ð Ý í) only 'í' is lower case ('Martínez'). A guess, so still lossy.
            out.append("í")
            lossy = True
            i = j
        else:  # some continuation bytes were dropped: the character is gone
            out.append(REPLACEMENT_CHAR)
            lossy = True
            i = j
    return "".join(out), lossy


def _is_bad_run(run: str) -> bool:
    """A run pairing a UTF-8 lead with a continuation that ftfy's badness heuristic also finds
    implausible ('Ã©', 'æ–¹', 'ï¼Œ'), so that real text such as 'Tomáš' or '«Ö»' is left alone."""
    return MOJIBAKE_RE.search(run) is not None and is_bad(run)


def _looks_mojibake(text: str) -> bool:
    return MOJIBAKE_RE.search(text) is not None and any(_is_bad_run(m.group(0)) for m in _HIGH_RUN_RE.finditer(text))


def _decode_runs(text: str, *, only_bad: bool) -> tuple[str, bool]:
    lossy = False

    def fix(m: re.Match[str]) -> str:
        nonlocal lossy
        run = m.group(0)
        if only_bad and not _is_bad_run(run):
            return run
        start, end = m.span()
        fixed, lost = _decode_run(run, strict=True, before=text[start - 1 : start], after=text[end : end + 1])
        lossy = lossy or lost
        return fixed

    return (_HIGH_RUN_RE if only_bad else _DECODE_RUN_RE).sub(fix, text), lossy


_CHUNK = 1 << 20


def first_match(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str] | None:
    """pattern.search(text, pos), a megabyte at a time (patterns of at most two characters, no anchors): one
    long C call over a whole post would hold the GIL, freezing the event loop while a worker thread parses."""
    for start in range(pos, len(text), _CHUNK):
        if m := pattern.search(text, start, start + _CHUNK + 1):
            return m
    return None


def search_by_chunks(pattern: re.Pattern[str], text: str) -> bool:
    return first_match(pattern, text) is not None


def _candidate_runs(text: str, max_lines: int = 64) -> list[str]:
    """The runs that pair a lead with a continuation, from the first `max_lines` lines holding one
    (a sample: enough to tell a mojibake copy from real text that has a few accented names)."""
    runs: list[str] = []
    pos = 0
    for _ in range(max_lines):
        m = first_match(MOJIBAKE_RE, text, pos)
        if m is None:
            break
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        runs += [r.group(0) for r in _HIGH_RUN_RE.finditer(text, start, end) if MOJIBAKE_RE.search(r.group(0))]
        pos = end
    return runs


def repair_mojibake(text: str, *, mark_lost: bool = False) -> tuple[str, bool]:
    """Repair UTF-8-read-as-cp1252 mojibake. Returns ``(text, lossy)``.

    The text is taken for mojibake when most of its runs of Latin-1 characters that pair a UTF-8 lead
    with a continuation byte look implausible to ftfy; then every run of such characters is decoded,
    and a character whose bytes are incomplete is lost. Lost characters are dropped (or left as
    U+FFFD with ``mark_lost=True``) and ``lossy`` is True; U+FFFD already in the text counts as lost
    too. Text without mojibake is returned unchanged (and quickly).
    """
    lossy = False
    if not text.isascii() and search_by_chunks(MOJIBAKE_RE, text):
        runs = _candidate_runs(text)
        bad = sum(1 for run in runs if is_bad(run))
        if bad and bad * 2 >= len(runs):
            text, lossy = _decode_runs(text, only_bad=False)
            if _looks_mojibake(text):  # mojibake of mojibake
                text, lost = _decode_runs(text, only_bad=True)
                lossy = lossy or lost
            if _looks_mojibake(text):  # some other kind: let ftfy try, then give up on what is left
                import ftfy

                text = ftfy.fix_text(text, _ftfy_config())
                text = _HIGH_RUN_RE.sub(lambda m: REPLACEMENT_CHAR if _is_bad_run(m.group(0)) else m.group(0), text)
    if REPLACEMENT_CHAR in text:
        lossy = True
        if not mark_lost:
            text = text.replace(REPLACEMENT_CHAR, "")
    return text, lossy


# --- GBK mojibake ---------------------------------------------------------------------------------------
# UTF-8 read as GBK (a Chinese Windows tool) turns Chinese into other, wrong Chinese ('方向' -> '鏂瑰悜'),
# so no character class finds it. Encoding a run back to GBK gives the UTF-8 bytes again: exactly, except
# where the decoder replaced or dropped a byte (an odd byte before a space or line break), which costs
# that one character. Real Chinese encoded to GBK is almost never valid UTF-8, which tells the two apart.

_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")
_GBK_LOST_BYTE = b"\xff"  # stands for a byte the GBK decoder replaced: never valid in UTF-8
_LOST_RUN_RE = re.compile(f"{REPLACEMENT_CHAR}+")


def _gbk_redecode(run: str) -> tuple[str, int] | None:
    """(the run's GBK bytes decoded as UTF-8 with lost characters as U+FFFD, how many were lost), or
    None when the run holds a character GBK (or GB18030) cannot encode: it was never GBK output."""
    parts = []
    for part in run.split(REPLACEMENT_CHAR):
        try:
            parts.append(part.encode("gbk"))
        except UnicodeEncodeError:
            try:
                parts.append(part.encode("gb18030"))
            except UnicodeEncodeError:
                return None
    text = _LOST_RUN_RE.sub(REPLACEMENT_CHAR, _GBK_LOST_BYTE.join(parts).decode("utf-8", errors="replace"))
    return text, text.count(REPLACEMENT_CHAR)


# The GBK reading of the first two UTF-8 bytes of the commonest characters of Chinese text: full-width
# punctuation (every U+FF01-FF5E starts EF BC / EF BD: '锛', '锝'), '、。《》【】' (E3 80: '銆') and the
# commonest characters ('的' E7 9A: '鐨'). A character read from a byte pair shows as one of these whenever
# the pair lines up with the character's start (half the time), so a post of such mojibake holds dozens of
# them (at least 19 in each of the 53 real posts made mojibake), and clean Chinese almost none (they are
# rare characters: 0 in the 53 clean posts). A post without one skips the expensive test below.
_GBK_MARKERS_RE = re.compile(
    "["
    + "".join(
        sorted(
            {
                ch.encode("utf-8")[:2].decode("gbk")
                for ch in "，：；（）！？～、。《》【】的是了在和一不有中人为这个上们到大"
            }
        )
    )
    + "]"
)


def _looks_gbk_mojibake(text: str, max_runs: int = 200) -> bool:
    """Whether the first runs of non-ASCII text read back as UTF-8 with few characters lost (at most one
    in four): real Chinese re-encoded loses about half of them, mojibake about one in eight."""
    got = lost = 0
    for i, m in enumerate(_NON_ASCII_RUN_RE.finditer(text)):
        if i >= max_runs:
            break
        decoded = _gbk_redecode(m.group(0))
        if decoded is None:
            continue
        got += len(decoded[0])
        lost += decoded[1]
    return got >= 4 and lost * 4 <= got


def repair_gbk_mojibake(text: str, *, mark_lost: bool = False) -> tuple[str, bool]:
    """Repair UTF-8-read-as-GBK mojibake. Returns ``(text, lossy)``; lost characters are dropped (or left
    as U+FFFD with ``mark_lost=True``). Text that is not such mojibake is returned unchanged."""
    if text.isascii() or not search_by_chunks(_GBK_MARKERS_RE, text) or not _looks_gbk_mojibake(text):
        return text, False
    return _gbk_redecode_all(text, mark_lost=mark_lost)


def _gbk_redecode_all(text: str, *, mark_lost: bool) -> tuple[str, bool]:
    """Every non-ASCII run of text (taken for GBK mojibake) re-decoded: (text, lossy)."""
    lossy = False

    def fix(m: re.Match[str]) -> str:
        nonlocal lossy
        decoded = _gbk_redecode(m.group(0))
        if decoded is None:
            return m.group(0)
        lossy = lossy or decoded[1] > 0
        return decoded[0] if mark_lost else decoded[0].replace(REPLACEMENT_CHAR, "")

    return _NON_ASCII_RUN_RE.sub(fix, text), lossy


def has_mojibake(text: str) -> bool:
    """True when text still shows mojibake ('æ–', 'ï¼Œ', 'Ã©' ...) or contains U+FFFD."""
    return not text.isascii() and (REPLACEMENT_CHAR in text or _looks_mojibake(text))


# --- zero-width, HTML, whitespace ------------------------------------------------------------------------


def has_zero_width(text: str) -> bool:
    # One str search per character beats the character-class regex 2x on a whole post, and lets the
    # GIL go between characters.
    return not text.isascii() and any(ch in text for ch in _ZERO_WIDTH_CHARS)


def strip_zero_width(text: str) -> str:
    if text.isascii():
        return text
    for ch in _ZERO_WIDTH_CHARS:  # str.replace beats str.translate on non-ASCII text by far
        if ch in text:
            text = text.replace(ch, "")
    return text


_HTML_TAG_NAMES = (
    "a|abbr|b|big|blockquote|body|br|center|cite|code|col|colgroup|dd|del|details|dfn|div|dl|dt|em|"
    "figcaption|figure|font|h[1-6]|head|hr|html|i|iframe|img|ins|kbd|li|mark|math|meta|ol|p|picture|pre|q|"
    "s|samp|script|section|small|source|span|strike|strong|style|sub|summary|sup|table|tbody|td|tfoot|th|"
    "thead|title|tr|tt|u|ul|var|video|wbr|svg|input|label|button|form|nav|header|footer|main|article|aside|"
    "caption|link"
)


def _by_first_letter(names: str) -> str:
    """'a|abbr|b|big' -> 'a(?:|bbr)|b(?:|ig)': at each '<' the regex tries one group, not 90 names."""
    groups: dict[str, list[str]] = {}
    for name in names.split("|"):
        groups.setdefault(name[0], []).append(name[1:])
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())


# An HTML tag with a known element name (so '<EOS>' or 'a<b' in an abstract is left alone), an HTML
# comment, or a CDATA marker. The look-ahead spares a run of '<' the 90-name alternation at every '<'.
HTML_TAG_RE = re.compile(
    rf"</?(?=[A-Za-z])(?:{_by_first_letter(_HTML_TAG_NAMES)})(?:\s[^<>]*)?/?>|<!--.*?(?:-->|$)|<!\[CDATA\[|\]\]>",
    re.IGNORECASE | re.DOTALL,
)
_BLOCK_TAG_RE = re.compile(r"</?(?:p|br|li|div|ol|ul|tr|h[1-6]|blockquote|details|summary)\b[^<>]*>", re.I)
_AUTOLINK_RE = re.compile(r"<((?:https?|ftp)://[^\s<>]+)>")
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def strip_html(text: str) -> str:
    """Remove HTML tags (block tags become line breaks), unwrap <URL> autolinks, unescape entities."""
    if "<" in text:
        if _AUTOLINK_RE.search(text):
            text = _AUTOLINK_RE.sub(r"\1", text)
        if HTML_TAG_RE.search(text):
            text = _BLOCK_TAG_RE.sub("\n", text)
            text = HTML_TAG_RE.sub("", text)
    if "&" in text and _ENTITY_RE.search(text):
        text = _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), text)
        # An escaped tag ('&lt;p&gt;') must not come back as a tag.
        if "<" in text and HTML_TAG_RE.search(text):
            text = HTML_TAG_RE.sub("", text)
    return text


_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def collapse_ws(text: str) -> str:
    """All runs of whitespace (line breaks included) become one space; ends are trimmed."""
    # str.split() splits on exactly what the regex '\s+' matches (str.isspace), in C: 4x faster.
    return " ".join(text.split())


def clean_lines(text: str) -> str:
    """Each line trimmed with its inner whitespace collapsed; blank lines dropped; joined with '\\n'."""
    out = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line:
            out.append(line)
    return "\n".join(out)


def clean_text(text: str, *, multiline: bool = False, strip_bold: bool = False) -> tuple[str, bool]:
    """Make one field's text fit for a record. Returns ``(text, lossy)``.

    Removes zero-width characters, repairs mojibake (dropping what cannot be recovered, which sets
    ``lossy``), strips HTML tags and entities, optionally markdown bold markers (``**x**``), and collapses
    whitespace (``multiline`` keeps one line break between non-blank lines).
    """
    lossy = False
    if not text.isascii():
        text = strip_zero_width(text)
        if REPLACEMENT_CHAR in text or MOJIBAKE_RE.search(text):
            text, lossy = repair_mojibake(text)
    if "<" in text or "&" in text:
        text = strip_html(text)
    if strip_bold and "**" in text:
        text = _BOLD_RE.sub(r"\1", text)
    text = clean_lines(text) if multiline else collapse_ws(text)
    return text, lossy


# --- URLs --------------------------------------------------------------------------------------------

# ASCII URL characters only: CJK punctuation, brackets, braces, quotes, backslashes end a URL.
URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+")
_TRAILING_PUNCT = ".,;:!?'\"*_~"


def trim_url(url: str) -> str:
    """Strip punctuation that ends a sentence rather than the URL."""
    url = url.rstrip(_TRAILING_PUNCT)
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1].rstrip(_TRAILING_PUNCT)
    return url


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in text, trailing punctuation stripped, in order (duplicates kept)."""
    if "http" not in text:
        return []
    out = []
    for m in URL_RE.finditer(text):
        url = trim_url(m.group(0))
        if len(url) > len("https://x."):
            out.append(url)
    return out
