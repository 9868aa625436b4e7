"""arXiv identifiers: the one parser every format adapter and the search use.

Accepted (whole string, surrounding whitespace, `<...>` and case ignored):

- new style ``2410.18355`` / ``0704.0001``: month 01-12, from 0704 on; 4-digit numbers before 2015,
  5-digit ones since (so a search for a partial id such as ``2410.1835`` stays a text search, and an id
  is only stored when a search would accept it);
- old style ``hep-th/9901001``, ``math.GT/0309136`` (archive lower case, subject class upper case);
- either with a version ``v2`` (v1 or later), after ``arXiv:`` / ``arXiv `` / ``arXiv：``, or inside an
  arxiv.org ``abs`` / ``pdf`` / ``html`` URL (http or https, www. or export., with or without the scheme,
  ``.pdf``, a trailing slash, a query or a fragment) or a huggingface.co/papers URL.

Anything else is not an id: month 13 (``2413.18355``), ``0612.1234`` (before new-style ids), a
4-digit number in 2024 (``2410.1835``), a 3- or 6-digit number, a version ``v0``, trailing words, another host.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["ArxivId", "normalize_arxiv_id", "parse_arxiv_id"]

_ID_NEW = r"(?P<yymm>\d{4})\.(?P<num>\d{4,5})"
_ID_OLD = r"(?P<arch>[a-z]+(?:-[a-z]+)*)(?:\.(?P<sub>[a-z]{2}))?/(?P<onum>\d{7})"
_ARXIV_ID_RE = re.compile(
    r"(?:(?:https?://)?(?:www\.|export\.)?(?:arxiv\.org/(?:abs|pdf|html)|huggingface\.co/papers)/"
    r"|arxiv\s*[:：]?\s*)?"
    rf"(?:{_ID_NEW}|{_ID_OLD})"
    r"(?:v(?P<version>[1-9]\d*))?(?:\.pdf)?/?(?:[?#]\S*)?",
    re.IGNORECASE,
)


class ArxivId(NamedTuple):
    id: str  # without version: "2410.18355", "hep-th/9901001"
    version: int | None  # None when the text named no version


def parse_arxiv_id(text: str) -> ArxivId | None:
    """The arXiv id and version `text` names in any accepted form, else None."""
    if not text:
        return None
    m = _ARXIV_ID_RE.fullmatch(text.strip().strip("<>").strip())
    if m is None:
        return None
    version = int(m["version"]) if m["version"] else None
    if m["yymm"]:
        yymm, num = m["yymm"], m["num"]
        if not 1 <= int(yymm[2:]) <= 12 or int(yymm) < 704:
            return None
        if len(num) != (5 if int(yymm) >= 1501 else 4):  # 5-digit numbers since January 2015
            return None
        return ArxivId(f"{yymm}.{num}", version)
    if not 1 <= int(m["onum"][2:4]) <= 12:  # YYMMNNN
        return None
    arch, sub = m["arch"].lower(), m["sub"]
    return ArxivId(f"{arch}.{sub.upper()}/{m['onum']}" if sub else f"{arch}/{m['onum']}", version)


def normalize_arxiv_id(text: str) -> str | None:
    """The id without version when `text` is an arXiv id in any accepted form, else None."""
    parsed = parse_arxiv_id(text)
    return parsed.id if parsed else None
