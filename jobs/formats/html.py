"""A post rendered to HTML (a blog's page, a feed entry's content) read back as the Markdown its format knows.

Hexo, Hugo and Jekyll render a Kedreamix post's Markdown to HTML: `## Title` becomes `<h2>`, `**Authors:…**` a
`<p><strong>`, `[PDF](…)` an `<a>`, takeaways an `<ol>`. markdownify turns that back into the same Markdown
(ATX headings, `**bold**`, `[text](url)`, `1.` / `-` lists, nothing escaped), so the format's own reader reads
both forms alike. Two things markdownify would lose are kept: the `<details>` blocks with the screenshots (the
Kedreamix reader finds images there, as raw HTML in the Markdown too), and the page's `<title>` and date,
which become the front matter the Markdown post had (`title:` is the topic).
"""

from __future__ import annotations

import html
import re

from jobs.models import FormatError
from jobs.text import HTML_TAG_RE

__all__ = ["html_to_markdown", "looks_like_html"]

_DOC_START_RE = re.compile(r"\s*(?:<!doctype\s+html|<html\b)", re.I)  # not '<?xml': RSS and Atom are XML
_MARKDOWN_NAMES = (".md", ".markdown", ".jsonl", ".json", ".txt")
_DETAILS_RE = re.compile(r"<details\b.*?(?:</details\s*>|\Z)", re.S | re.I)
# Linear on any input: '[^<>]' stops each try at the next tag ('[^>]' would rescan a run of '<meta' with no
# '>' from every '<meta'), and the head is cut out with str.find, not a lazy '.*?' that scans to the end again
# from every unclosed '<head'.
_TITLE_RE = re.compile(r"<title\b[^<>]*>([^<]*)</title\s*>", re.I)
_DATE_META_RE = re.compile(
    r"<meta\b[^<>]*?\b(?:name|property)\s*=\s*[\"'](?:date|article:published_time|dc\.date)[\"'][^<>]*?"
    r"\bcontent\s*=\s*[\"']([^\"'<>]*)[\"']",
    re.I,
)
_HEAD_OPEN_RE = re.compile(r"<head[\s>]", re.I)
_HEAD_CLOSE_RE = re.compile(r"</head\s*>", re.I)
_HEAD_BYTES = 65536  # the <title> and date are in the page's head: never scan a whole hostile page for them
# '<https://…>': a Markdown autolink that stood inside raw HTML, passed through by the renderer. An HTML parser
# takes it for a tag and drops it; kept as text, the format finds the URL as it does in the Markdown.
_AUTOLINK_RE = re.compile(r"<(https?://[^\s<>\"']+)>", re.I)
_PLACEHOLDER = "PAPERBOYDETAILS{}X"
_PLACEHOLDER_RE = re.compile(r"PAPERBOYDETAILS(\d+)X")


def looks_like_html(text: str, path: str = "") -> bool:
    """Whether a post is HTML rather than Markdown or JSON: it opens with a document's start or a known
    HTML tag. A file named like Markdown or JSON is never taken for HTML (a Kedreamix post may open with
    raw HTML such as `<details>`)."""
    if path.lower().endswith(_MARKDOWN_NAMES):
        return False
    head = text[:512].lstrip()
    if not head.startswith("<"):
        return False
    return _DOC_START_RE.match(head) is not None or HTML_TAG_RE.match(head) is not None


def _front_matter(page: str) -> str:
    """`---\\ntitle: …\\ndate: …\\n---` from the page's <title> and date <meta>, or '' when it has neither."""
    lines = []
    page = page[:_HEAD_BYTES]
    title = _TITLE_RE.search(page)
    if title:
        text = " ".join(html.unescape(HTML_TAG_RE.sub("", title.group(1))).split())
        if text:
            lines.append(f"title: {text}")
    date = _DATE_META_RE.search(page)
    if date:
        lines.append(f"date: {' '.join(html.unescape(date.group(1)).split())}")
    return "\n".join(["---", *lines, "---", "", ""]) if lines else ""


def _without_heads(page: str) -> str:
    """The page without its <head> sections (ours and, for a linked page wrapped in ours, the page's own)."""
    out: list[str] = []
    pos = 0
    while (opened := _HEAD_OPEN_RE.search(page, pos)) is not None:
        closed = _HEAD_CLOSE_RE.search(page, opened.end())
        if closed is None:
            break
        out.append(page[pos : opened.start()])
        pos = closed.end()
    out.append(page[pos:])
    return "".join(out)


def html_to_markdown(page: str) -> str:
    """The Markdown a format reader knows, from a post rendered to HTML (see the module docstring)."""
    from markdownify import MarkdownConverter  # imported on first need: most posts are Markdown

    front = _front_matter(page)
    body = _without_heads(page)
    kept: list[str] = []

    def keep(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"<p>{_PLACEHOLDER.format(len(kept) - 1)}</p>"

    body = _DETAILS_RE.sub(keep, body)
    if "<http" in body:
        body = _AUTOLINK_RE.sub(r"&lt;\1&gt;", body)
    converter = MarkdownConverter(
        heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False, escape_misc=False
    )
    try:
        markdown = converter.convert(body)
    except RecursionError:  # markdownify walks the tree recursively; no real post nests hundreds deep
        raise FormatError("the HTML nests its tags too deeply to read (hundreds of levels)") from None
    if kept:
        markdown = _PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], markdown)
    return front + markdown.strip() + "\n"
