"""daily-arXiv's AI parts with their labels: 动机 / 方法 / 结果 / 结论 or Motivation / Method / …

The daily-arXiv adapter stores the tldr as the summary and motivation, method, result and conclusion
as unlabelled takeaways (blank ones dropped), and nothing on a Paper says so today: `source` is the
configured source's name, and `path` and `topic` are those of the paper's latest appearance, while the
takeaways are those a reader saw first (the store keeps them across posts), so neither tells reliably.

Assumption (for the wiring to add): the adapter marks its papers with the flag
``ai_parts=motivation,method,result,conclusion``: the names of the parts present, in the order of
the takeaways. The store keeps it with the takeaways it keeps. Until then, a paper without the flag
is read as daily-arXiv when its latest post is a daily-arXiv file and it has exactly four takeaways.
"""

from __future__ import annotations

import re

from jobs.models import Paper
from jobs.present.i18n import t

AI_PARTS: tuple[str, ...] = ("motivation", "method", "result", "conclusion")
AI_PARTS_FLAG = "ai_parts="
_DAILY_ARXIV_FILE_RE = re.compile(r"(?:^|/)\d{4}-\d{2}-\d{2}(?:_AI_enhanced_[A-Za-z]+)?\.(?:jsonl|md)$")


def ai_parts_flag(present: list[str]) -> str:
    """The flag the adapter should add: ``ai_parts=motivation,method,conclusion``."""
    return AI_PARTS_FLAG + ",".join(present)


def part_names(paper: Paper) -> list[str] | None:
    """The part each takeaway is, or None when the takeaways are not daily-arXiv's parts."""
    for flag in paper.flags:
        if flag.startswith(AI_PARTS_FLAG):
            names = [n for n in flag[len(AI_PARTS_FLAG):].split(",") if n]
            if len(names) == len(paper.takeaways) and all(n in AI_PARTS for n in names):
                return names
            return None  # a stale flag: the takeaways came from elsewhere
    if len(paper.takeaways) == len(AI_PARTS) and _DAILY_ARXIV_FILE_RE.search(paper.path.replace("\\", "/")):
        return list(AI_PARTS)
    return None


def labelled_parts(paper: Paper, lang: str | None = "zh-CN") -> list[tuple[str, str]]:
    """[(label, text)] for a daily-arXiv paper's parts, labelled in `lang`; [] for other papers
    (their takeaways stay a plain list). Texts are as stored: pass them through
    `summary.plain_list_text` before putting them after a list number."""
    names = part_names(paper)
    if names is None:
        return []
    return [(t(f"part.{name}", lang), text) for name, text in zip(names, paper.takeaways, strict=True)]
