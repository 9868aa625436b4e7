"""The date of a post from its path: one rule for the records the adapters make and for the sources'
lookback filter, so a post is never dated one way when stored and another when skipped.

The rule: look at the path's parts from the file name outward (file name, its folder, that folder's
folder, ...); the first part holding a real YYYY-MM-DD date that is not inside a longer number gives the
date. So Kedreamix's ``Paper/2024-10-27/Topic.md`` is dated by its folder, daily-arXiv's
``data/2026-06-30_AI_enhanced_Chinese.jsonl`` and ``2026-06-30.md`` by their names, and a file whose
name carries a date inside a dated folder by its own name. ``/`` and ``\\`` both separate parts.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["date_from_path", "post_date"]

_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def post_date(path: str) -> date | None:
    """The post's date by the rule above, or None when no part of the path holds one."""
    if not path:
        return None
    for part in reversed(path.replace("\\", "/").split("/")):
        for m in _DATE_RE.finditer(part):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:  # 2024-13-45: not a date, look further
                continue
    return None


def date_from_path(path: str) -> str:
    """`post_date` as YYYY-MM-DD for a record, '' when there is none."""
    found = post_date(path)
    return found.isoformat() if found else ""
