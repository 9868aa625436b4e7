"""Hostile posts for the linear-time tests: a long run of one character group inside one line of each post
shape, and a worker that times parse_post in a separate process (a regex that backtracks cannot be stopped
inside the test's own process; a process can be killed)."""

from __future__ import annotations

import contextlib
import json
import time

from jobs.formats import parse_post
from jobs.models import FormatError
from tests.postgen import Entry, daily_arxiv_line, kedreamix

# Runs that made, or could make, a pattern over post text backtrack.
UNITS = [
    " ", "  x", "\t", "\n", "\n>", "[", "]", "](", "[x](", "(", "*", "**", " *", "* ", "`", "```", "$", "$$",
    "<", ">", "<img ", "![", "<!--", "<details ", "</details ", "<a ", "&", "&#1", "#", "## ", "### [1] [",
    ":", "：", '"', "'", "[PDF]( ", "https://github.com/a/b ", "http://", "Ã© ", "æ–", "\u200b", "\ufffd",
]

_ENTRY = Entry("2410.18355", "A title", comment="code https://github.com/a/b, page https://a.github.io/p")


def kedreamix_lines() -> list[str]:
    post = kedreamix("NeRF", "2024-10-27", [_ENTRY, Entry("2410.18356", "Another")])
    extra = [
        "**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**",
        "5. Urls: https://github.com/c/d",
        "<details>",
        '<img src="https://pic1.zhimg.com/v2-a.jpg" align="middle">',
        "![x](https://pic1.zhimg.com/v2-b.jpg)",
        "</details>",
    ]
    return post.split("\n") + extra


def daily_md_lines() -> list[str]:
    return [
        "<div id=toc></div>", "", "# Table of Contents", "", "- [cs.CV](#cs.CV) [Total: 1]", "",
        "<div id='cs.CV'></div>", "", "# cs.CV [[Back]](#toc)", "",
        "### [1] [A Title](https://arxiv.org/abs/2606.10001)", "*Di Hu,Xia Yuan*", "", "Main category: cs.CV", "",
        "TL;DR: 本文提出一种方法。", "", "<details>", "  <summary>Details</summary>", "Motivation: 动机。", "",
        "Method: 方法。", "", "Result: 结果。", "", "Conclusion: 结论。", "",
        "Abstract: We localize things. Code: https://github.com/a/b.", "", "</details>", "",
    ]


def jsonl_lines() -> list[str]:
    return [daily_arxiv_line(_ENTRY), daily_arxiv_line(Entry("2410.18356", "Another"))]


SHAPES = {
    "kedreamix": ("2024-10-27/NeRF.md", kedreamix_lines),
    "daily-md": ("2026-06-30.md", daily_md_lines),
    "jsonl": ("2026-06-30_AI_enhanced_Chinese.jsonl", jsonl_lines),
}


def hostile_post(shape: str, line: int, unit: str, size: int, at: float = 0.5) -> tuple[str, str]:
    """(post text, path): `unit` repeated to `size` characters, inside line `line` (modulo the line count) at
    fraction `at` of it, then one 'x' so that a pattern wanting the line to end right after the run fails."""
    path, make = SHAPES[shape]
    lines = make()
    i = line % len(lines)  # a negative line counts from the end
    run = unit * max(1, size // len(unit)) + "x"
    if shape == "jsonl":  # inside a string value, where a JSON line can hold anything
        record = json.loads(lines[i])
        field = ["title", "summary", "comment"][line % 3]
        value = record[field] or ""
        cut = int(len(value) * at)
        record[field] = value[:cut] + run + value[cut:]
        lines[i] = json.dumps(record, ensure_ascii=False)
    else:
        cut = int(len(lines[i]) * at)
        lines[i] = lines[i][:cut] + run + lines[i][cut:]
    return "\n".join(lines), path


def timed_parse(text: str, path: str) -> float:
    """Seconds parse_post takes on the post (run in a worker process)."""
    content = text.encode("utf-8", errors="surrogatepass")
    start = time.perf_counter()
    with contextlib.suppress(FormatError):
        parse_post(content, path)
    return time.perf_counter() - start
