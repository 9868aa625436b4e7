"""The formats: config and command-line `format` name -> the adapter that parses such a post, the files a
source reads by default, and how a post of it is recognised. The config validator, `parse_post` and the CLI's
`--format` all take their names from here; "auto" (detect per post: `detect`) is the one extra name."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from jobs.formats import arxiv_listing, daily_arxiv, kedreamix
from jobs.models import ParsedPost

__all__ = ["AUTO", "FORMATS", "FORMAT_NAMES", "Format", "default_include", "detect"]

Parser = Callable[..., ParsedPost]  # (text, path, *, source, problems) -> ParsedPost


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    parse: Parser
    include: tuple[str, ...]  # file-name globs a source of this format reads when the config names none
    looks_like: Callable[[str], bool]  # the post's text (decoded, Markdown) is of this format
    named_like: Callable[[str], bool]  # the file name (lower case) suggests it when no text says


_DAILY_MD_NAME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\.md$")

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("kedreamix", kedreamix.parse, ("*.md",), kedreamix.looks_like,
               lambda name: name.endswith((".md", ".markdown"))),
        Format("daily-arxiv", daily_arxiv.parse, ("*_AI_enhanced_*.jsonl",), daily_arxiv.looks_like,
               lambda name: name.endswith(".jsonl") or _DAILY_MD_NAME_RE.match(name) is not None),
        # arXiv's own category listing (RSS or Atom), read by `kind: arxiv`; a folder of them names its globs.
        Format("arxiv", arxiv_listing.parse, (), arxiv_listing.looks_like, lambda name: False),
    )
}
AUTO = "auto"
FORMAT_NAMES: tuple[str, ...] = (*FORMATS, AUTO)
# The order formats are asked in: the narrower signature first (an arXiv listing is XML in arXiv's namespace;
# a daily-arXiv day also holds the '[PDF](' links a Kedreamix post is known by; a '2026-06-30.md' is a
# daily-arXiv day, though it ends in '.md').
_DETECTION_ORDER = ("arxiv", "daily-arxiv", "kedreamix")


def detect(text: str, path: str) -> str | None:
    """The format a post is in, from its text (each format's `looks_like`), else from its file name
    (`named_like`); None when neither says."""
    order = [FORMATS[name] for name in _DETECTION_ORDER]
    for fmt in order:
        if fmt.looks_like(text):
            return fmt.name
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for fmt in order:
        if fmt.named_like(name):
            return fmt.name
    return None


def default_include(fmt: str) -> list[str]:
    """The globs for a format name; "auto" reads what every format reads."""
    if fmt == AUTO:
        return list(dict.fromkeys(g for f in FORMATS.values() for g in f.include))
    return list(FORMATS[fmt].include)
