"""Plain records shared by formats, sources, the store and the bot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def arxiv_abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


@dataclass(slots=True)
class Paper:
    """One paper as one digest post presents it.

    `flags` names fields whose text could not be fully recovered (e.g. "summary_lossy",
    "takeaways_lossy") so that display can fall back to the English abstract.
    """

    arxiv_id: str  # without version, e.g. "2410.18605"
    version: int | None
    title: str
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    summary: str = ""
    takeaways: list[str] = field(default_factory=list)
    comment: str = ""
    links: dict[str, str] = field(default_factory=dict)  # abs, pdf, code, project
    images: list[str] = field(default_factory=list)
    topic: str = ""
    date: str = ""  # the post's date, YYYY-MM-DD
    source: str = ""
    path: str = ""
    flags: list[str] = field(default_factory=list)

    @property
    def abs_url(self) -> str:
        """The paper's arXiv page: the link its post gave, else the canonical one."""
        return self.links.get("abs") or arxiv_abs_url(self.arxiv_id)

    def to_json(self) -> dict[str, Any]:
        """What dataclasses.asdict gives (fields in order, containers copied), written out: asdict's
        generic deep copy was a fifth of `python -m bot parse --json`."""
        return {
            "arxiv_id": self.arxiv_id, "version": self.version, "title": self.title, "authors": list(self.authors),
            "abstract": self.abstract, "summary": self.summary, "takeaways": list(self.takeaways),
            "comment": self.comment, "links": dict(self.links), "images": list(self.images), "topic": self.topic,
            "date": self.date, "source": self.source, "path": self.path, "flags": list(self.flags),
        }


@dataclass(slots=True)
class ParsedPost:
    """What a format adapter returns for one post: its papers and any non-fatal problems."""

    papers: list[Paper]
    topic: str = ""
    date: str = ""
    problems: list[str] = field(default_factory=list)


class FormatError(ValueError):
    """A post that cannot be parsed at all (empty, binary, truncated, not this format)."""
