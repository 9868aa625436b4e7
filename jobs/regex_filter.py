"""Regex filters on subscriptions and feeds (issue 22 item 2), for power users: `regex: \\bNeRFs?\\b`
keeps only the papers whose title, abstract, summary or takeaways the pattern finds (any case).

The engine is google-re2: matching takes time linear in the text, whatever the pattern, so no pattern
can stall a cycle (catastrophic backtracking cannot happen). What RE2 cannot do (backreferences,
look-around) is refused with the reason, and so is a pattern whose compiled program would need more
than MAX_MEM or whose program has more than MAX_PROGRAM instructions (a large counted repetition such as
`(\\w+\\s){900}`: linear still, but about 100 times slower per paper than a plain pattern), or one that
matches every paper (it would filter nothing). No discord, no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import re2

from jobs.models import Paper

MAX_PATTERN = 200  # characters a pattern may have
MAX_MEM = 256 * 1024  # bytes RE2 may use to compile and run one pattern: past it, "too costly"
MAX_PROGRAM = 1000  # RE2 instructions: `\\bnerfs?\\b` has 14, `(\\w+\\s){100}` 1,404


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a pattern was refused: `reason` is a key of jobs/present/i18n.py (regex.*), `detail` RE2's words."""

    reason: str
    detail: str = ""


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = MAX_MEM
    options.log_errors = False  # RE2 would write each refused pattern to stderr
    return options


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re2._Regexp:
    return re2.compile(pattern, _options())


def check(pattern: str) -> Refusal | None:
    """None when `pattern` may filter papers; else why not."""
    if not pattern.strip():
        return Refusal("empty")
    if len(pattern) > MAX_PATTERN:
        return Refusal("too_long", str(MAX_PATTERN))
    try:
        compiled = _compiled(pattern)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "pattern too large" in detail or "bad repetition" in detail:
            return Refusal("too_costly", detail)
        if "invalid escape" in detail or "invalid perl operator" in detail or "missing argument" in detail:
            return Refusal("unsupported", detail)
        return Refusal("syntax", detail)
    if compiled.programsize > MAX_PROGRAM:
        return Refusal("too_costly", f"{compiled.programsize} instructions, at most {MAX_PROGRAM}")
    if compiled.search("") is not None:  # finds the empty string: every paper would pass
        return Refusal("everything")
    return None


def regex_text(paper: Paper) -> str:
    """What a pattern is matched against: title, abstract, summary and takeaways, one line each, with
    arXiv's line wraps undone (a phrase broken over two lines still matches)."""
    return "\n".join(" ".join(part.split()) for part in (paper.title, paper.abstract, paper.summary,
                                                           *paper.takeaways))


def finds(pattern: str | None, paper: Paper, text: str | None = None) -> bool:
    """Whether a filter `pattern` (already checked) lets the paper through; no pattern lets everything."""
    if not pattern:
        return True
    try:
        compiled = _compiled(pattern)
    except re2.error:  # stored before a stricter check: a pattern that no longer compiles lets nothing through
        return False
    return compiled.search(regex_text(paper) if text is None else text) is not None
