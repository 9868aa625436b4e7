"""Small digest posts written by the tests, in the real formats (Kedreamix markdown, daily-arXiv jsonl)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    arxiv_id: str
    title: str
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace", "Alan Turing"])
    abstract: str = "We present a method. It works well on standard benchmarks."
    summary: str = "本文提出了一种新方法，在标准基准上效果很好。"
    takeaways: list[str] = field(default_factory=lambda: ["提出新方法。", "效果很好。"])
    comment: str = ""
    image: str = ""


def kedreamix(topic: str, date: str, entries: list[Entry]) -> str:
    out = [
        "",
        "---",
        f"title: {topic}",
        f"date: {date} 13:48:00",
        "cover: None",
        "tags:",
        f"    - {topic}",
        f"description: {topic} 方向最新论文已更新",
        "---",
        "",
        ">⚠️ 以下所有内容总结都来自于 Google的大语言模型的能力，如有错误，仅供参考，谨慎使用",
        "",
        f"# {date} 更新",
        "",
    ]
    for e in entries:
        out += [
            f"## {e.title}",
            "",
            f"**Authors:{', '.join(e.authors)}**",
            "",
            e.abstract,
            "",
            f"[PDF](http://arxiv.org/abs/{e.arxiv_id}v1) {e.comment}",
            "",
            "**Summary**",
            e.summary,
            "",
            "**Key Takeaways**",
            *[f"{i}. {t}" for i, t in enumerate(e.takeaways, 1)],
            "",
            "**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**",
            "",
            "1. Title: 标题",
            "",
        ]
        if e.image:
            out += ["<details>", "  <summary>点此查看论文截图</summary>", f'<img src="{e.image}" align="middle">',
                    "</details>", ""]
    return "\n".join(out)


def write_kedreamix(root: Path, topic: str, date: str, entries: list[Entry]) -> Path:
    path = root / date / f"{topic.replace('/', '_')}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kedreamix(topic, date, entries), encoding="utf-8")
    return path


def daily_arxiv_line(e: Entry, category: str = "cs.CV") -> str:
    return json.dumps({
        "id": e.arxiv_id, "categories": [category], "pdf": f"https://arxiv.org/pdf/{e.arxiv_id}",
        "abs": f"https://arxiv.org/abs/{e.arxiv_id}", "authors": e.authors, "title": e.title,
        "comment": e.comment or None, "summary": e.abstract,
        "AI": {"tldr": e.summary, "motivation": e.takeaways[0] if e.takeaways else "",
               "method": "方法。", "result": "结果。", "conclusion": "结论。"},
    }, ensure_ascii=False)


def entries(prefix: str, n: int, start: int = 1, **kw: object) -> list[Entry]:
    """n entries with ids 2405.{prefix}{i} (i zero-padded to the five digits a 2024 id has) and distinct
    titles."""
    width = 5 - len(prefix)
    return [Entry(arxiv_id=f"2405.{prefix}{i:0{width}d}", title=f"Paper {prefix}-{i} on Gaussian splatting", **kw)
            for i in range(start, start + n)]  # type: ignore[arg-type]
