"""The formats: config and command-line `format` name -> the adapter that parses such a post and the
files a source reads by default. The config validator, `parse_post` and the CLI's `--format` all take
their names from here; "auto" (detect per post) is the one extra name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jobs.formats import daily_arxiv, kedreamix
from jobs.models import ParsedPost

__all__ = ["AUTO", "FORMATS", "FORMAT_NAMES", "Format", "default_include"]

Parser = Callable[..., ParsedPost]  # (text, path, *, source, problems) -> ParsedPost


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    parse: Parser
    include: tuple[str, ...]  # file-name globs a source of this format reads when the config names none


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("kedreamix", kedreamix.parse, ("*.md",)),
        Format("daily-arxiv", daily_arxiv.parse, ("*_AI_enhanced_*.jsonl",)),
    )
}
AUTO = "auto"
FORMAT_NAMES: tuple[str, ...] = (*FORMATS, AUTO)


def default_include(fmt: str) -> list[str]:
    """The globs for a format name; "auto" reads what every format reads."""
    if fmt == AUTO:
        return list(dict.fromkeys(g for f in FORMATS.values() for g in f.include))
    return list(FORMATS[fmt].include)
