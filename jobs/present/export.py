"""Papers as citation files: BibTeX (LaTeX, BibDesk, Zotero) and RIS (Zotero, EndNote, Mendeley), for a
member's `/saved` export. Plain text in, plain text out; the citation key is stable for a paper."""

from __future__ import annotations

import re
import unicodedata

from jobs.models import Paper

FORMATS = ("bibtex", "ris")
EXTENSIONS = {"bibtex": "bib", "ris": "ris"}
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.\d{4,5}$")  # arXiv ids since 2007: YYMM.NNNNN
_BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_^~])")
_WORD = re.compile(r"[A-Za-z0-9]+")


def year(paper: Paper) -> str:
    """The year the paper appeared on arXiv (from its id), else the year of the post that listed it."""
    m = _NEW_ID.match(paper.arxiv_id)
    return f"20{m.group(1)}" if m else paper.date[:4]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def surname_first(name: str) -> str:
    """"Ada Lovelace" -> "Lovelace, Ada"; a name already written "Last, First" or of one word stays."""
    name = " ".join(name.split())
    if "," in name or " " not in name:
        return name
    first, last = name.rsplit(" ", 1)
    return f"{last}, {first}"


def cite_key(paper: Paper) -> str:
    """lovelace2024gaussian: the first author's surname, the year and the title's first long word, in
    ASCII; the arXiv id when there is neither author nor title word."""
    surname = _WORD.findall(_ascii(surname_first(paper.authors[0]).split(",")[0])) if paper.authors else []
    words = [w for w in _WORD.findall(_ascii(paper.title)) if len(w) > 3] or _WORD.findall(_ascii(paper.title))
    key = "".join(surname).lower() + year(paper) + (words[0].lower() if words else "")
    return key if surname or words else "arxiv" + re.sub(r"\W", "", paper.arxiv_id)


def _bib(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def bibtex(papers: list[Paper]) -> str:
    """One @misc entry a paper, arXiv's own style (eprint, archivePrefix), keys unique within the file."""
    out, seen = [], set[str]()
    for paper in papers:
        key, n = cite_key(paper), 1
        while key in seen:  # two papers by the same author, year and first word
            n += 1
            key = f"{cite_key(paper)}{chr(ord('a') + n - 2)}" if n <= 27 else f"{cite_key(paper)}{n}"
        seen.add(key)
        fields = [("title", "{" + _bib(paper.title) + "}"),
                  ("author", " and ".join(_bib(surname_first(a)) for a in paper.authors)),
                  ("year", year(paper)), ("eprint", paper.arxiv_id), ("archivePrefix", "arXiv"),
                  ("url", paper.abs_url), ("note", _bib(paper.comment))]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        out.append(f"@misc{{{key},\n{body}\n}}\n")
    return "\n".join(out)


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def ris(papers: list[Paper]) -> str:
    """RIS records (TY UNPB: an unpublished work, as a preprint is), one a paper, CRLF line ends."""
    lines: list[str] = []
    for paper in papers:
        lines.append(_ris_line("TY", "UNPB"))
        lines.append(_ris_line("TI", paper.title))
        lines += [_ris_line("AU", surname_first(a)) for a in paper.authors]
        lines.append(_ris_line("PY", year(paper)))
        if paper.date:
            lines.append(_ris_line("DA", paper.date.replace("-", "/")))
        if paper.abstract:
            lines.append(_ris_line("AB", paper.abstract))
        lines.append(_ris_line("UR", paper.abs_url))
        if paper.links.get("pdf"):
            lines.append(_ris_line("L1", paper.links["pdf"]))
        lines.append(_ris_line("AN", f"arXiv:{paper.arxiv_id}"))
        lines.append(_ris_line("DB", "arXiv"))
        if paper.comment:
            lines.append(_ris_line("N1", paper.comment))
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


def export(papers: list[Paper], fmt: str) -> str:
    """The papers in `fmt` (one of FORMATS)."""
    if fmt == "bibtex":
        return bibtex(papers)
    if fmt == "ris":
        return ris(papers)
    raise ValueError(f"export format {fmt!r}: one of {', '.join(FORMATS)}")
