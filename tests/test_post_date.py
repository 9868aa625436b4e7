"""The one path-date rule (jobs.post_date): the date a record gets and the date the lookback filter
skips by are the same."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jobs.config import SourceConfig
from jobs.formats import parse_post
from jobs.post_date import date_from_path, post_date
from jobs.sources import DirectorySource
from tests.postgen import daily_arxiv_line, entries, kedreamix

CASES = [
    # Kedreamix: the folder
    ("Paper/2024-10-27/Topic.md", "2024-10-27"),
    ("2024-01-24/元宇宙_虚拟人.md", "2024-01-24"),
    ("2024-10-27\\Talking Head Generation.md", "2024-10-27"),  # Windows separators
    # daily-arXiv: the file name
    ("data/2026-06-30_AI_enhanced_Chinese.jsonl", "2026-06-30"),
    ("2026-06-30.md", "2026-06-30"),
    ("data/2026-06-30.jsonl", "2026-06-30"),
    # the nearest part wins; a date inside a name counts
    ("2024-01-01/2024-01-05.md", "2024-01-05"),
    ("archive/2023-12-31/digest-2024-01-02.md", "2024-01-02"),
    ("2024-01-01/v2024-13-45.md", "2024-01-01"),  # not a real date: look further out
    ("2024-02-30/x.md", ""),
    # no date
    ("README.md", ""),
    ("Paper/NeRF.md", ""),
    ("120240-01-01.md", ""),  # inside a longer number
    ("2024-01-011.md", ""),
    ("", ""),
]


@pytest.mark.parametrize(("path", "expected"), CASES)
def test_post_date(path: str, expected: str) -> None:
    assert date_from_path(path) == expected
    assert post_date(path) == (date.fromisoformat(expected) if expected else None)


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("2024-02-10/2024-02-21.md", kedreamix("NeRF", "2024-02-10", entries("6", 1, start=611))),
        ("notes/digest-2024-02-21.md", kedreamix("NeRF", "2024-02-21", entries("6", 1, start=621))),
        ("data/2024-02-21_AI_enhanced_English.jsonl", daily_arxiv_line(entries("6", 1, start=631)[0]) + "\n"),
    ],
)
async def test_the_lookback_filter_and_the_record_agree(tmp_path: Path, path: str, content: str) -> None:
    """Before the rules were one, the first post was kept by the filter as 2024-02-21 and stored as
    2024-02-10, and the second was kept but stored undated."""
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(content, encoding="utf-8")
    cfg = SourceConfig(name="local", kind="directory", format="auto", path=str(tmp_path), lookback_days=2,
                       include=["*.md", "*.jsonl"])
    source = DirectorySource(cfg, today=lambda: date(2024, 2, 23))
    listing = await source.list_posts()
    assert [ref.path for ref in listing.refs or []] == [path]
    parsed = parse_post((tmp_path / path).read_bytes(), path)
    assert parsed.date == "2024-02-21"
    assert {p.date for p in parsed.papers} == {"2024-02-21"}
    later = DirectorySource(cfg, today=lambda: date(2024, 2, 24))  # the cutoff passes the post's date
    assert (await later.list_posts()).refs == []
