"""The daily-arXiv adapter: the AI-enhanced jsonl and the rendered markdown (GUIDE 1.2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.formats import detect_format, parse_post
from jobs.models import FormatError, Paper, ParsedPost

FIXTURES = Path(__file__).parent / "fixtures" / "formats" / "daily-arxiv"
JSONL = "2026-06-30_AI_enhanced_Chinese.jsonl"
MD = "2026-06-30.md"


def parse(name: str, fmt: str = "daily-arxiv") -> ParsedPost:
    return parse_post((FIXTURES / name).read_bytes(), f"data/{name}", fmt, source="daily")


def by_id(post: ParsedPost) -> dict[str, Paper]:
    return {p.arxiv_id: p for p in post.papers}


def test_jsonl_fields() -> None:
    post = parse(JSONL)
    assert post.date == "2026-06-30"
    p = by_id(post)["2606.10001"]
    assert p.version is None
    assert p.title == "GeoThing: Cross-View Geo-Localization"
    assert p.authors == ["Di Hu", "Xia Yuan", "Tomáš Gavenčiak"]
    assert p.abstract == (
        "We localize ground LiDAR in satellite images.\nWe will release the code at https://github.com/dihu/GeoThing."
    )
    assert p.summary == "本文提出GeoThing，用于跨视角定位。"
    assert p.takeaways == [
        "现有方法在大规模场景下表现不佳。",
        "构建实例语义森林。",
        "R@10 提升 13 倍。",
        "有效填补空白。",
    ]
    assert p.comment == ""  # null
    assert p.links == {
        "abs": "https://arxiv.org/abs/2606.10001",
        "pdf": "https://arxiv.org/pdf/2606.10001",
        "code": "https://github.com/dihu/GeoThing",
    }
    assert (p.topic, p.date, p.source, p.path, p.images, p.flags) == (
        "cs.CV",
        "2026-06-30",
        "daily",
        f"data/{JSONL}",
        [],
        ["ai_parts=motivation,method,result,conclusion"],  # so the card labels the parts
    )


def test_jsonl_empty_ai_fields_comment_links_and_code_url() -> None:
    papers = by_id(parse(JSONL))
    empty = papers["2606.10002"]
    assert (empty.summary, empty.takeaways) == ("", [])
    assert empty.title == "Predicting <EOS> Tokens with $x<y$ Constraints"  # not HTML: kept
    assert empty.links["project"] == "https://gptnt.github.io"
    assert "code" not in empty.links
    coded = papers["2606.10003"]
    assert coded.links["code"] == "https://github.com/cy/DynaSteer"  # the code_url field
    assert coded.comment == "Accepted by ICML'26"


def test_jsonl_old_style_id() -> None:
    p = by_id(parse(JSONL))["hep-th/9901001"]
    assert p.version == 2
    assert p.links["pdf"] == "https://arxiv.org/pdf/hep-th/9901001v2"
    assert p.topic == "hep-th"


def test_jsonl_bad_line_is_a_problem_and_duplicates_are_merged() -> None:
    post = parse(JSONL)
    assert [p.arxiv_id for p in post.papers] == ["2606.10001", "2606.10002", "2606.10003", "hep-th/9901001"]
    assert by_id(post)["2606.10001"].title == "GeoThing: Cross-View Geo-Localization"  # first copy wins
    assert any("truncated JSON on line 3" in problem for problem in post.problems)
    assert any("repeated" in problem for problem in post.problems)


def test_markdown_gives_the_same_papers_as_the_jsonl() -> None:
    from_jsonl, from_md = by_id(parse(JSONL)), by_id(parse(MD))
    assert from_md.keys() == from_jsonl.keys()
    for aid, a in from_jsonl.items():
        b = from_md[aid]
        for name in ("version", "title", "authors", "abstract", "summary", "takeaways", "topic", "date"):
            assert getattr(a, name) == getattr(b, name), (aid, name)
        assert b.comment == ""  # the markdown has no comment
    # an abstract line that starts like a label ('Conclusion: …') stays in the abstract
    assert from_md["2606.10002"].abstract.endswith("Conclusion: It works.")


def test_detection() -> None:
    assert detect_format((FIXTURES / JSONL).read_bytes(), JSONL) == "daily-arxiv"
    assert detect_format((FIXTURES / MD).read_bytes(), MD) == "daily-arxiv"
    assert parse(MD, "auto").date == parse(JSONL, "auto").date == "2026-06-30"


def test_raw_jsonl_without_ai_part() -> None:
    line = json.dumps(
        {
            "id": "2606.20000v3",
            "categories": ["cs.GR"],
            "authors": ["A"],
            "title": "T",
            "summary": "S",
            "comment": "5 pages",
        }
    )
    post = parse_post(line.encode(), "data/2026-07-01.jsonl")
    (p,) = post.papers
    assert (p.arxiv_id, p.version, p.summary, p.takeaways, p.topic, p.date) == (
        "2606.20000",
        3,
        "",
        [],
        "cs.GR",
        "2026-07-01",
    )
    assert p.links["pdf"] == "https://arxiv.org/pdf/2606.20000v3"


def test_jsonl_lines_that_are_not_papers() -> None:
    content = b'[1, 2]\n{"title": "no id"}\n{"id": "2606.20001", "title": "ok"}\n'
    post = parse_post(content, "2026-07-01.jsonl", "daily-arxiv")
    assert [p.arxiv_id for p in post.papers] == ["2606.20001"]
    assert len(post.problems) == 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"id": "2606.28729", "title": "Convertible Co', "truncated JSON on line 1"),
        (b"\n\n" + b'{"id": "2606.28729"\n', "truncated JSON on line 3"),
        (b"{not json}\n{also not}\n", "invalid JSON on line 1"),
        (b"", "empty post"),
    ],
)
def test_unparseable_jsonl_raises(content: bytes, reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        parse_post(content, "2026-07-01_AI_enhanced_Chinese.jsonl", "daily-arxiv")


def test_markdown_without_entries() -> None:
    assert parse_post(b"<div id=toc></div>\n\n# Table of Contents\n\n", "2026-07-01.md").papers == []
    with pytest.raises(FormatError, match="no papers found"):
        parse_post(b"# Some notes\n\nnothing here\n", "2026-07-01.md", "daily-arxiv")
    with pytest.raises(FormatError, match="no papers found"):
        parse_post(b"### [1] [A title](https://example.org/x)\n", "2026-07-01.md", "daily-arxiv")
