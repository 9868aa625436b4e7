"""Format adapters: one post's bytes in, paper records out.

``parse_post(content, path, fmt)`` decodes the post (UTF-8, BOM tolerated; invalid UTF-8 and NUL
characters are replaced and noted, so they cost only the fields they are in), removes zero-width
characters, repairs a mojibake copy, reads a post rendered to HTML back as Markdown (jobs.formats.html), picks
the format and hands the text to the adapter. A post that
cannot be parsed at all raises :class:`jobs.models.FormatError` with a reason a person can act on;
anything less goes into ``ParsedPost.problems``.

Formats (registered in jobs.formats.registry): ``"kedreamix"`` (jobs.formats.kedreamix),
``"daily-arxiv"`` (jobs.formats.daily_arxiv, both the jsonl and the rendered markdown) and ``"auto"``,
which picks one per post (`detect_format`: each format's `looks_like`, asked through the registry).
"""

from __future__ import annotations

import codecs
import re

from jobs.formats.html import html_to_markdown, looks_like_html
from jobs.formats.registry import AUTO, FORMAT_NAMES, FORMATS, detect
from jobs.models import FormatError, ParsedPost
from jobs.text import (
    REPLACEMENT_CHAR,
    has_zero_width,
    repair_gbk_mojibake,
    repair_mojibake,
    strip_zero_width,
)

__all__ = ["FORMATS", "FORMAT_NAMES", "decode_post", "detect_format", "format_that_parses", "parse_post"]

# Control characters that text posts do not contain (tab, LF, VT, FF, CR excluded).
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_BINARY_SAMPLE = 8192


def decode_post(content: bytes | str) -> tuple[str, list[str]]:
    """Post bytes (or text) -> (text ready for an adapter, problems).

    Raises FormatError for an empty post or binary data.
    """
    problems: list[str] = []
    if isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            problems.append("the post is UTF-16, not UTF-8")
            data = data.decode("utf-16", errors="replace").encode("utf-8")
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            text = data.decode("utf-8", errors="replace")
            problems.append(
                f"invalid UTF-8 (first at byte {err.start}): {text.count(REPLACEMENT_CHAR)} character(s) "
                "replaced; fields containing them are marked lossy"
            )
    elif isinstance(content, str):
        text = content[1:] if content.startswith("\ufeff") else content
    else:
        raise FormatError(f"not a post: got {type(content).__name__}, expected bytes or str")

    if "\x00" in text:
        # A stray NUL costs the field it is in (marked lossy), not the post; mostly-binary data is
        # refused just below.
        problems.append(f"{text.count(chr(0))} NUL character(s) replaced; fields containing them are marked lossy")
        text = text.replace("\x00", REPLACEMENT_CHAR)
    if has_zero_width(text):
        text = strip_zero_width(text)
    if not text or text.isspace():  # not text.strip(): that copies the whole post
        raise FormatError("empty post")
    sample = text[:_BINARY_SAMPLE]
    if len(_CONTROL_RE.findall(sample)) > max(2, len(sample) // 10):
        raise FormatError("binary data, not a text post (mostly control characters or invalid UTF-8)")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():  # repair_mojibake looks for it first, a megabyte at a time
        fixed, _ = repair_mojibake(text, mark_lost=True)
        if fixed != text:
            lost = fixed.count(REPLACEMENT_CHAR) - text.count(REPLACEMENT_CHAR)
            problems.append(
                "mojibake (UTF-8 read as cp1252) repaired"
                + (f"; {lost} character(s) could not be recovered and are marked lossy" if lost > 0 else "")
            )
            text = fixed
    if not text.isascii():
        fixed, _ = repair_gbk_mojibake(text, mark_lost=True)
        if fixed != text:
            lost = fixed.count(REPLACEMENT_CHAR) - text.count(REPLACEMENT_CHAR)
            problems.append(
                "mojibake (UTF-8 read as GBK) repaired"
                + (f"; {lost} character(s) could not be recovered and are marked lossy" if lost > 0 else "")
            )
            text = fixed
    return text, problems


def _as_markdown(text: str, path: str) -> str:
    """A post rendered to HTML (a feed entry, a blog page) as the Markdown its format reads."""
    return html_to_markdown(text) if looks_like_html(text, path) else text


def detect_format(content: bytes | str, path: str) -> str:
    """ "kedreamix", "daily-arxiv" or "arxiv" from the content (and the file name as a hint).

    Raises FormatError when the content is empty, binary or neither format.
    """
    return _detect_or_raise(_as_markdown(decode_post(content)[0], path), path)


def _detect_or_raise(text: str, path: str) -> str:
    fmt = detect(text, path)
    if fmt is None:
        raise FormatError(
            "unrecognised format: neither a Kedreamix post (front matter, '## ' entries with [PDF](...) "
            "links; or its page rendered to HTML) nor a daily-arXiv day (jsonl lines or '### [n] "
            "[Title](https://arxiv.org/abs/…)') nor an arXiv listing (RSS or Atom)"
        )
    return fmt


def parse_post(content: bytes | str, path: str, fmt: str = "auto", *, source: str = "") -> ParsedPost:
    """Parse one post into paper records (deduplicated by arXiv id within the post).

    `fmt` is "kedreamix", "daily-arxiv" or "auto"; `source` and `path` are copied onto every record.
    Raises FormatError when the post cannot be parsed at all.
    """
    fmt = fmt.replace("_", "-").lower()
    if fmt not in FORMAT_NAMES:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMAT_NAMES)}")
    text, problems = decode_post(content)
    text = _as_markdown(text, path)
    if fmt == AUTO:
        fmt = _detect_or_raise(text, path)
    return FORMATS[fmt].parse(text, path, source=source, problems=problems)


def format_that_parses(content: bytes | str, path: str) -> str | None:
    """The format in which this post yields papers, or None: to name the right `format` for a source whose
    configured one finds nothing in its files."""
    try:
        fmt = detect_format(content, path)
        return fmt if parse_post(content, path, fmt).papers else None
    except FormatError:
        return None
