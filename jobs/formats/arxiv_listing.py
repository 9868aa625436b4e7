"""arXiv's own category listing (https://rss.arxiv.org/rss/cs.CV, or /atom/cs.CV): one day's announcements of a
category, each entry one paper.

An RSS item (the Atom entry has the same fields as <id>, <summary>, <author>)::

    <item>
      <title>A Title</title>
      <link>https://arxiv.org/abs/2412.01234</link>
      <description>arXiv:2412.01234v1 Announce Type: new
    Abstract: We present …</description>
      <guid isPermaLink="false">oai:arXiv.org:2412.01234v1</guid>
      <category>cs.CV</category>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:creator>Ada Lovelace, Alan Turing and Grace Hopper</dc:creator>
      <arxiv:comment>12 pages; code: https://github.com/…</arxiv:comment>   (when the authors gave one)
    </item>

Papers announced that day (`new`) and cross-listed into the category (`cross`) are read; a `replace` or
`replace-cross` entry is a new version of an older paper, and is left out (listed as a problem, counted). The
topic is the category (from the channel's title, else the post's path `cs.CV/2024-12-03`), the date the
listing's. There is no Chinese summary: readers see the abstract's contribution sentence (jobs.present).
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Any

from jobs.formats._common import cleaned, dedupe, entry_links, parse_arxiv_id, valid_date
from jobs.models import FormatError, Paper, ParsedPost
from jobs.post_date import date_from_path

__all__ = ["looks_like", "parse"]

_ARXIV_NS = "http://arxiv.org/schemas/atom"
_FEED_START_RE = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.S)
_DESCRIPTION_RE = re.compile(
    r"^\s*(?:arXiv:(?P<id>\S+)\s+)?(?:Announce Type:\s*(?P<type>[\w-]+)\s*)?(?:Abstract:\s*)?", re.I
)
_CHANNEL_TOPIC_RE = re.compile(r"^\s*(\S+)\s+updates on arXiv", re.I)
_AND_RE = re.compile(r",\s*|\s+and\s+")
_READ = ("new", "cross")


def looks_like(text: str) -> bool:
    """An RSS or Atom document in arXiv's listing vocabulary (its `arxiv:` namespace or 'Announce Type:')."""
    head = text[:4096]
    return _FEED_START_RE.match(head) is not None and (_ARXIV_NS in head or "Announce Type:" in text[:65536])


def _date(feed: dict[str, Any], path: str) -> str:
    dated = date_from_path(path)
    if dated:
        return dated
    for key in ("published", "updated"):
        raw = feed.get(key)
        if isinstance(raw, str) and raw:
            try:  # RFC 822 (RSS): the listing's own day, in arXiv's time zone
                return parsedate_to_datetime(raw).date().isoformat()
            except (TypeError, ValueError):
                if valid_date(raw):
                    return valid_date(raw)
    return ""


def _authors(entry: dict[str, Any]) -> list[str]:
    names = [a.get("name", "") for a in entry.get("authors") or [] if isinstance(a, dict)]
    if not any(names) and isinstance(entry.get("author"), str):
        names = [entry["author"]]
    out: list[str] = []
    for name in names:  # RSS gives one dc:creator 'A, B and C'; Atom one <author> each
        out += [n.strip() for n in _AND_RE.split(name or "") if n.strip()]
    return out


def _paper(entry: dict[str, Any], topic: str, date: str, path: str, source: str) -> tuple[Paper | None, str]:
    """(the paper, '') or (None, why it is left out)."""
    title_raw = " ".join(str(entry.get("title") or "").split())
    description = str(entry.get("summary") or "")
    head = _DESCRIPTION_RE.match(description)
    announce = str(entry.get("arxiv_announce_type") or (head and head.group("type")) or "new").lower()
    if announce not in _READ:
        return None, announce
    parsed = None
    for candidate in (head and head.group("id"), str(entry.get("id") or "").rpartition(":")[2], entry.get("link")):
        parsed = parse_arxiv_id(candidate or "")
        if parsed is not None:
            break
    if parsed is None:
        return None, f"entry {title_raw[:60]!r} names no arXiv id; skipped"
    flags: list[str] = []
    abstract = cleaned(description[head.end() if head else 0 :], "abstract", flags, multiline=True)
    comment = cleaned(str(entry.get("arxiv_comment") or ""), "comment", flags)
    authors = [a for a in (cleaned(n, "authors", flags) for n in _authors(entry)) if a]
    return Paper(
        arxiv_id=parsed.id,
        version=parsed.version,
        title=cleaned(title_raw, "title", flags),
        authors=authors,
        abstract=abstract,
        comment=comment,
        links=entry_links(parsed.id, parsed.version, comment, abstract),
        topic=topic,
        date=date,
        source=source,
        path=path,
        flags=flags,
    ), ""


def parse(text: str, path: str = "", *, source: str = "", problems: list[str] | None = None) -> ParsedPost:
    """Parse one arXiv listing, already decoded to text (see jobs.formats.parse_post)."""
    import feedparser  # imported on first need: a third of a second, and most posts are Markdown

    problems = [] if problems is None else problems
    doc = feedparser.parse(text, sanitize_html=False, resolve_relative_uris=False)
    feed = doc.get("feed") or {}
    if not doc.entries and not feed:
        why = getattr(doc.get("bozo_exception"), "getMessage", lambda: "")() or str(doc.get("bozo_exception") or "")
        raise FormatError(f"not an RSS or Atom listing{': ' + why if why else ''}")
    channel = _CHANNEL_TOPIC_RE.match(str(feed.get("title") or ""))
    topic = channel.group(1) if channel else path.replace("\\", "/").split("/", 1)[0]
    date = _date(feed, path)
    papers: list[Paper] = []
    left_out: dict[str, int] = {}
    for entry in doc.entries:
        paper, why = _paper(entry, topic, date, path, source)
        if paper is not None:
            papers.append(paper)
        elif why in ("replace", "replace-cross") or " " not in why:
            left_out[why] = left_out.get(why, 0) + 1
        else:
            problems.append(why)
    if left_out:
        counts = ", ".join(f"{n} {kind}" for kind, n in left_out.items())
        problems.append(f"left out (new versions of older papers): {counts}")
    if doc.get("bozo") and papers:
        problems.append(f"the listing is not well-formed XML ({doc.get('bozo_exception')}); read what could be read")
    return ParsedPost(papers=dedupe(papers, problems), topic=topic, date=date, problems=problems)
