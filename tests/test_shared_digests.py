"""The issue's done-when criterion, over the real posts in ../shared/digests (skipped when absent).

Expectations are computed here from the raw text with simple, independent rules, not with the
adapters' own code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jobs.formats import parse_post
from jobs.models import Paper
from jobs.text import has_mojibake

SHARED = Path(__file__).resolve().parents[2] / "shared" / "digests"
KEDREAMIX = sorted((SHARED / "kedreamix").glob("*/*.md")) if SHARED.is_dir() else []
DAILY = SHARED / "daily-arxiv"
DAYS = sorted(p.name[:10] for p in DAILY.glob("*_AI_enhanced_*.jsonl")) if DAILY.is_dir() else []

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"no shared digests at {SHARED}")

_ENTRY_SPLIT = re.compile(r"^## ", re.M)
_PDF = re.compile(r"\[PDF\]\(https?://arxiv\.org/abs/([^)\s]+?)(?:v\d+)?\)(.*)")
_SUMMARY_HEADING = re.compile(r"^\*\*(?:Summary|摘要|概述)\s*[:：]?\*\*", re.M)
_TAKEAWAYS_HEADING = re.compile(
    r"^\*\*(?:Key Takeaways|要点|关键要点|主要要点|主要内容|关键见解|重要要点|关键点|主要结论)\s*[:：]?\*\*", re.M
)
_IMG = re.compile(r'<img src="https?://')
_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|li|ol|ul|img|details|summary|div|span|strong|em|b|i|a|code|pre|h[1-6]|blockquote|table|"
    r"tr|td)\b[^<>]*>",
    re.I,
)
_MOJIBAKE = re.compile("æ[–—‘’“”•€]|ï¼|å[–—‘’“”•€‡ˆ‰Š‹Œ]|Ã[©¨¤¶¼]|â€|\ufffd")


def _texts(paper: Paper) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, value in paper.to_json().items():
        values = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        out += [(name, v) for v in values if isinstance(v, str)]
    return out


def _assert_clean(paper: Paper, where: str) -> None:
    for name, text in _texts(paper):
        assert not _TAG.search(text), f"{where} {paper.arxiv_id} {name}: HTML tag in {text[:120]!r}"
        assert "\u200b" not in text, f"{where} {paper.arxiv_id} {name}: U+200B"
        assert not _MOJIBAKE.search(text), f"{where} {paper.arxiv_id} {name}: mojibake in {text[:120]!r}"
        assert not has_mojibake(text), f"{where} {paper.arxiv_id} {name}: mojibake in {text[:120]!r}"


def _expected_entries(text: str) -> dict[str, dict[str, bool]]:
    """arXiv id -> which fields some copy of its entry has, from the raw post."""
    expected: dict[str, dict[str, bool]] = {}
    for chunk in _ENTRY_SPLIT.split(text)[1:]:
        cut = chunk.find("[ChatPaperFree](")
        head = chunk if cut < 0 else chunk[:cut]
        m = _PDF.search(head)
        if m is None:
            continue
        before_pdf = head[: m.start()]
        has = {
            "authors": "**Authors:" in before_pdf,
            "abstract": any(line.strip() and not line.startswith(("**", ">")) for line in before_pdf.split("\n")[1:]),
            "comment": bool(m.group(2).strip()),
            "summary": bool(_SUMMARY_HEADING.search(head)),
            "takeaways": bool(_TAKEAWAYS_HEADING.search(head)),
            "images": bool(_IMG.search(chunk)),
        }
        seen = expected.setdefault(m.group(1), dict.fromkeys(has, False))
        for name, value in has.items():
            seen[name] = seen[name] or value
    return expected


@pytest.mark.parametrize("post", KEDREAMIX, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kedreamix_post(post: Path) -> None:
    raw = post.read_bytes()
    rel = post.relative_to(SHARED).as_posix()
    parsed = parse_post(raw, rel, "auto", source="kedreamix")
    expected = _expected_entries(raw.decode("utf-8"))
    papers = {p.arxiv_id: p for p in parsed.papers}
    assert len(parsed.papers) == len(papers) == len(expected)
    assert papers.keys() == expected.keys()
    assert parsed.date == post.parent.name
    for aid, has in expected.items():
        paper = papers[aid]
        assert paper.title, aid
        assert paper.date == post.parent.name and paper.path == rel and paper.source == "kedreamix"
        assert paper.links["abs"] == f"https://arxiv.org/abs/{aid}"
        assert paper.links["pdf"].startswith(f"https://arxiv.org/pdf/{aid}")
        for name, present in has.items():
            if present:
                assert getattr(paper, name), f"{rel} {aid}: {name} is in the post but empty in the record"
        _assert_clean(paper, rel)


def test_kedreamix_corpus_totals() -> None:
    if not KEDREAMIX:
        pytest.skip("no Kedreamix posts")
    total = sum(len(parse_post(p.read_bytes(), p.name, "kedreamix").papers) for p in KEDREAMIX)
    assert total == sum(len(_expected_entries(p.read_text(encoding="utf-8"))) for p in KEDREAMIX)


def _jsonl_ids(path: Path) -> list[str]:
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        ids.append(record["id"].split("v")[0] if re.fullmatch(r"\d{4}\.\d{4,5}v\d+", record["id"]) else record["id"])
    return ids


@pytest.mark.parametrize("day", DAYS)
def test_daily_arxiv_day(day: str) -> None:
    jsonl = next(DAILY.glob(f"{day}_AI_enhanced_*.jsonl"))
    from_jsonl = parse_post(jsonl.read_bytes(), jsonl.name, "auto", source="daily")
    ids = _jsonl_ids(jsonl)
    assert len(from_jsonl.papers) == len(set(ids))
    assert [p.arxiv_id for p in from_jsonl.papers] == list(dict.fromkeys(ids))
    for paper in from_jsonl.papers:
        assert paper.date == day and paper.title and paper.authors and paper.abstract and paper.topic
        _assert_clean(paper, jsonl.name)

    md = DAILY / f"{day}.md"
    if md.exists():
        from_md = parse_post(md.read_bytes(), md.name, "auto", source="daily")
        assert {p.arxiv_id for p in from_md.papers} == set(ids)
        for paper in from_md.papers:
            _assert_clean(paper, md.name)
