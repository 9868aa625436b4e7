"""daily-arXiv-ai-enhanced (GUIDE 1.2): ``YYYY-MM-DD_AI_enhanced_<Language>.jsonl`` (also the raw
``YYYY-MM-DD.jsonl``, which has no AI part) and the rendered ``YYYY-MM-DD.md``.

jsonl: one JSON object per line, ``id, categories[], pdf, abs, authors[], title, comment, summary`` (the
English abstract), optionally ``code_url`` and ``AI: {tldr, motivation, method, result, conclusion}``.
A line that is not valid JSON is a problem, not a failure, unless no line parses.

md::

    ### [1] [Title](https://arxiv.org/abs/2606.28371)
    *Author One,Author Two*

    Main category: cs.CV

    TL;DR: …                      (newer renderings: 'Innovation Snapshot: …')

    <details>
      <summary>Details</summary>
    Motivation: …
    Method: …
    Result: …
    Conclusion: …
    Abstract: …
    </details>
"""

from __future__ import annotations

import json
import re
from typing import Any

from jobs.foreground import step_aside, stepping
from jobs.formats._common import (
    cleaned,
    cleaned_list,
    date_from_path,
    dedupe,
    entry_links,
    parse_arxiv_id,
)
from jobs.models import FormatError, Paper, ParsedPost
from jobs.present.parts import ai_parts_flag
from jobs.text import find_urls

_AI_PARTS = ("motivation", "method", "result", "conclusion")
_MD_ENTRY_RE = re.compile(r"^###\s+\[\d+\]\s+\[(.*)\]\(\s*<?([^()\s<>]+)>?\s*\)\s*$")
_MD_LABELS = {
    "main category": "category",
    "tl;dr": "tldr",
    "tldr": "tldr",
    "innovation snapshot": "tldr",
    "motivation": "motivation",
    "method": "method",
    "result": "result",
    "conclusion": "conclusion",
    "abstract": "abstract",
}
_MD_LABEL_RE = re.compile(rf"^({'|'.join(map(re.escape, _MD_LABELS))})\s*[:：]\s?(.*)$", re.I)
_MD_AUTHORS_RE = re.compile(r"^\*(?!\*)(.+?)\*\s*$")
_MD_STRUCTURE_RE = re.compile(r"^(?:#{1,3}\s|<div\b|</?details\b|<summary\b|- \[[^\]]*\]\(#)", re.I)
_MD_ANY_ENTRY_RE = re.compile(r"^###\s+\[\d+\]", re.M)  # '### [12]', linked or not


def looks_like(text: str) -> bool:
    """Whether text looks like a daily-arXiv day (for format detection): jsonl lines, or the rendered day
    (which has no front matter: a post that opens with '---' is a Kedreamix post)."""
    stripped = text.lstrip()
    return stripped.startswith("{") or (not stripped.startswith("---") and looks_like_md(text))


def looks_like_md(text: str) -> bool:
    """Whether text looks like a rendered daily-arXiv day (for format detection)."""
    return "<div id=toc>" in text[:2000] or _MD_ANY_ENTRY_RE.search(text, 0, 20000) is not None


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return ""


def _authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_str(a) for a in value]
    if isinstance(value, str):
        return value.split(",")
    return []


def _json_error(lineno: int, line: str, err: json.JSONDecodeError) -> str:
    if err.pos >= len(line) - 1 or err.msg.startswith("Unterminated string"):
        return f"truncated JSON on line {lineno}"
    return f"invalid JSON on line {lineno}: {err.msg} at column {err.colno}"


def _paper(
    record: dict[str, Any],
    *,
    date: str,
    source: str,
    path: str,
    problems: list[str],
    where: str,
) -> Paper | None:
    raw_id = _str(record.get("id"))
    parsed = parse_arxiv_id(raw_id) if raw_id else None
    if parsed is None:  # fall back to the abs / pdf URL
        for key in ("abs", "pdf"):
            parsed = parse_arxiv_id(_str(record.get(key)))
            if parsed:
                break
    if parsed is None:
        problems.append(f"{where}: no arXiv id ({raw_id[:40]!r}); skipped")
        return None
    arxiv_id, version = parsed
    flags: list[str] = []
    ai = record.get("AI")
    ai = ai if isinstance(ai, dict) else {}
    categories = record.get("categories")
    topic = _str(categories[0]) if isinstance(categories, list) and categories else _str(categories)

    abstract = cleaned(_str(record.get("summary")), "abstract", flags, multiline=True)
    comment = cleaned(_str(record.get("comment")), "comment", flags)
    code_urls = find_urls(_str(record.get("code_url")))  # the tool's own finding, when it has one
    links = entry_links(arxiv_id, version, comment, abstract, code_urls[0] if code_urls else "")
    # The parts present, in order, named by a flag: the card labels them (jobs.present.parts).
    parts = [(k, cleaned(_str(ai.get(k)), "takeaways", flags)) for k in _AI_PARTS]
    takeaways = [text for _, text in parts if text]
    if takeaways:
        flags.append(ai_parts_flag([name for name, text in parts if text]))
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=cleaned(_str(record.get("title")), "title", flags),
        authors=cleaned_list(_authors(record.get("authors")), "authors", flags),
        abstract=abstract,
        summary=cleaned(_str(ai.get("tldr")), "summary", flags, multiline=True),
        takeaways=takeaways,
        comment=comment,
        links=links,
        images=[],
        topic=cleaned(topic, "topic", flags),
        date=date,
        source=source,
        path=path,
        flags=flags,
    )


def parse_jsonl(text: str, path: str = "", *, source: str = "", problems: list[str] | None = None) -> ParsedPost:
    """Parse a daily-arXiv jsonl file, already decoded to text."""
    problems = [] if problems is None else problems
    date = date_from_path(path)
    papers: list[Paper] = []
    bad: list[str] = []
    valid = 0
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            bad.append(_json_error(lineno, line, err))
            continue
        except RecursionError:
            bad.append(f"invalid JSON on line {lineno}: nested too deeply")
            continue
        valid += 1
        if not isinstance(record, dict):
            problems.append(f"line {lineno}: a JSON {type(record).__name__}, not a paper object; skipped")
            continue
        step_aside()  # a search in this process goes first (jobs/foreground.py)
        paper = _paper(record, date=date, source=source, path=path, problems=problems, where=f"line {lineno}")
        if paper is not None:
            papers.append(paper)
    if bad:
        if not valid:
            raise FormatError(bad[0] if len(bad) == 1 else f"{bad[0]} (and {len(bad) - 1} more bad lines)")
        shown = "; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
        problems.append(f"{len(bad)} line(s) skipped: {shown}")
    if not valid:
        raise FormatError("no papers found: no JSON lines")
    if not papers:
        raise FormatError(f"no papers found: none of the {valid} JSON line(s) is a paper with an arXiv id")
    return ParsedPost(papers=dedupe(papers, problems), topic="", date=date, problems=problems)


def parse_md(text: str, path: str = "", *, source: str = "", problems: list[str] | None = None) -> ParsedPost:
    """Parse a rendered daily-arXiv day (``YYYY-MM-DD.md``), already decoded to text."""
    problems = [] if problems is None else problems
    date = date_from_path(path)
    records: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    field: str | None = None
    expect_authors = False
    for line in text.split("\n"):
        s = line.strip()
        if s.startswith("###"):
            m = _MD_ENTRY_RE.match(s)
            if m:
                current = {"title": m.group(1), "abs": m.group(2), "AI": {}}
                records.append(current)
                field = None
                expect_authors = True
                continue
        if current is None:
            continue
        if not s:
            continue
        if expect_authors:
            expect_authors = False
            m = _MD_AUTHORS_RE.match(s)
            if m:
                current["authors"] = m.group(1)
                continue
        m = _MD_LABEL_RE.match(s) if field != "abstract" else None  # an abstract may hold 'Result: …'
        if m:
            field = _MD_LABELS[m.group(1).lower()]
            target = current if field in ("category", "abstract") else current["AI"]
            target[field] = m.group(2)
            continue
        if _MD_STRUCTURE_RE.match(s):
            field = None
            continue
        if field is not None:  # a value that runs over several lines
            target = current if field in ("category", "abstract") else current["AI"]
            target[field] = f"{target[field]}\n{s}"

    papers = []
    for n, rec in enumerate(stepping(records), 1):
        record = {
            "abs": rec["abs"],
            "title": rec["title"],
            "authors": rec.get("authors", ""),
            "summary": rec.get("abstract", ""),
            "categories": [rec["category"].strip()] if rec.get("category") else [],
            "AI": rec["AI"],
        }
        paper = _paper(record, date=date, source=source, path=path, problems=problems, where=f"entry {n}")
        if paper is not None:
            papers.append(paper)
    if records and not papers:
        raise FormatError(f"no papers found: none of the {len(records)} '### [n]' entries links to arXiv")
    if not records:
        if _MD_ANY_ENTRY_RE.search(text):
            raise FormatError("no papers found: '### [n]' entries without a [Title](https://arxiv.org/abs/…) link")
        if "<div id=toc>" not in text and "# Table of Contents" not in text:
            raise FormatError("no papers found: no '### [n] [Title](https://arxiv.org/abs/…)' entry")
    return ParsedPost(papers=dedupe(papers, problems), topic="", date=date, problems=problems)


def parse(text: str, path: str = "", *, source: str = "", problems: list[str] | None = None) -> ParsedPost:
    """Either shape of a day: jsonl (by its name or a leading '{'), else the rendered markdown."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name.endswith(".jsonl") or text.lstrip().startswith("{"):
        return parse_jsonl(text, path, source=source, problems=problems)
    return parse_md(text, path, source=source, problems=problems)
