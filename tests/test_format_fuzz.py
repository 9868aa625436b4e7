"""Any input gives papers or a FormatError, nothing else; the records it gives are always clean."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.formats import FORMAT_NAMES, parse_post
from jobs.models import FormatError, Paper, ParsedPost
from jobs.text import HTML_TAG_RE

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
SAMPLES = {
    "kedreamix/2024-10-27/Talking Head Generation.md": "kedreamix",
    "kedreamix/2024-01-24/元宇宙_虚拟人.md": "kedreamix",
    "kedreamix/2024-12-09/Talking Head Generation.md": "kedreamix",
    "kedreamix-mojibake/2024-06-14/元宇宙_虚拟人.md": "kedreamix",
    "daily-arxiv/2026-06-30_AI_enhanced_Chinese.jsonl": "daily-arxiv",
    "daily-arxiv/2026-06-30.md": "daily-arxiv",
}
RAW = {rel: (FIXTURES / rel).read_bytes() for rel in SAMPLES}
PATHS = st.sampled_from(["2024-10-27/NeRF.md", "2026-06-30_AI_enhanced_Chinese.jsonl", "2026-06-30.md", "", "x"])
FORMATS = st.sampled_from(FORMAT_NAMES)
_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})$")

# Lines that mean something to one of the parsers, to build inputs that get past the first checks.
FRAGMENTS = [
    "",
    "---",
    "title: NeRF",
    "title: 元宇宙/虚拟人",
    "date: 2024-10-27 13:48:00",
    "cover: None",
    "# 2024-10-27 更新",
    "## A Paper Title",
    "##",
    "## ",
    "**Authors:A, B**",
    "**Authors:**",
    "An English abstract.",
    "[PDF](http://arxiv.org/abs/2410.18355v1) comment https://x.github.io/p/",
    "[PDF](http://arxiv.org/abs/hep-th/9901001)",
    "[PDF]()",
    "[PDF](http://example.org/a.pdf)",
    "**Summary**",
    "**摘要：**",
    "**Summary**：文本",
    "**Key Takeaways**",
    "**要点**",
    "1. 要点一",
    "- 要点二",
    "• 三",
    "* four",
    "**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**",
    "5. Urls: https://github.com/a/b",
    "<ol><li>链接：<https://github.com/c/d></li>",
    "<details>",
    "<summary>点此查看论文截图</summary>",
    '<img src="https://pic1.zhimg.com/v2-a.jpg" align="middle">',
    '<img src="./crop_x.jpg">',
    "</details>",
    ">⚠️ 以下所有内容",
    ">翻译",
    "**论文及项目相关链接**",
    "æ–¹å‘ï¼Œè¦ç‚¹",
    "\u200b",
    "\ufffd",
    "&amp; &lt;p&gt;",
    "<p>",
    "$E^{3}$Gen",
    '{"id": "2606.28729", "title": "T", "authors": ["A"], "categories": ["cs.CV"], "AI": {"tldr": "x"}}',
    '{"id": "2606.28729", "title": "T", "AI": null, "authors": "A, B", "categories": "cs.CV"}',
    '{"id": 5, "title": ["x"], "summary": {"a": 1}, "comment": 3, "AI": {"tldr": ["x"]}}',
    '{"id": "2606.28729"',
    "[1, 2]",
    "null",
    "<div id=toc></div>",
    "# Table of Contents",
    "### [1] [A Title](https://arxiv.org/abs/2606.28371)",
    "### [2] [T](https://arxiv.org/abs/bad)",
    "*Di Hu,Xia Yuan*",
    "Main category: cs.CV",
    "TL;DR: 摘要",
    "Motivation: 动机",
    "Abstract: text",
    "Conclusion:",
    "\r",
    "\t",
    "\x0c",
]


def check(post: ParsedPost) -> None:
    assert isinstance(post, ParsedPost)
    assert isinstance(post.papers, list) and isinstance(post.problems, list)
    ids = [p.arxiv_id for p in post.papers]
    assert len(ids) == len(set(ids))
    for paper in post.papers:
        assert isinstance(paper, Paper)
        assert _ID.match(paper.arxiv_id), paper.arxiv_id
        assert paper.version is None or paper.version >= 0
        assert isinstance(paper.authors, list) and isinstance(paper.takeaways, list)
        assert set(paper.links) <= {"abs", "pdf", "code", "project"}
        assert paper.links["abs"] == f"https://arxiv.org/abs/{paper.arxiv_id}"
        assert all(img.startswith(("http://", "https://")) for img in paper.images)
        for text in [paper.title, paper.abstract, paper.summary, paper.comment, *paper.authors, *paper.takeaways]:
            assert isinstance(text, str)
            assert "\u200b" not in text and "\ufffd" not in text
            assert not HTML_TAG_RE.search(text), text


def run(content: bytes | str, path: str, fmt: str) -> None:
    try:
        post = parse_post(content, path, fmt)
    except FormatError as err:
        assert str(err)  # a reason a person can read
        return
    check(post)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(), PATHS, FORMATS)
def test_any_text(text: str, path: str, fmt: str) -> None:
    run(text, path, fmt)


@FUZZ
@given(st.binary(), PATHS, FORMATS)
def test_any_bytes(data: bytes, path: str, fmt: str) -> None:
    run(data, path, fmt)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=60), PATHS, FORMATS)
def test_structured_lines(lines: list[str], path: str, fmt: str) -> None:
    run("\n".join(lines), path, fmt)


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.floats(0, 1), FORMATS)
def test_fixture_truncated_anywhere(rel: str, where: float, fmt: str) -> None:
    raw = RAW[rel]
    run(raw[: int(len(raw) * where)], rel, fmt)


@FUZZ
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.binary(max_size=12)), min_size=1, max_size=8),
)
def test_fixture_mutated(rel: str, edits: list[tuple[float, int, bytes]]) -> None:
    data = bytearray(RAW[rel])
    for where, delete, insert in edits:
        at = int(len(data) * where)
        data[at : at + delete] = insert
    run(bytes(data), rel, SAMPLES[rel])


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.randoms(use_true_random=False))
def test_fixture_lines_shuffled(rel: str, rnd) -> None:
    lines = RAW[rel].decode("utf-8").split("\n")
    rnd.shuffle(lines)
    run("\n".join(lines), rel, SAMPLES[rel])


def test_truncation_at_every_line_of_a_fixture() -> None:
    for rel, fmt in SAMPLES.items():
        raw = RAW[rel]
        for at in [m.start() for m in re.finditer(b"\n", raw)][::3]:
            run(raw[:at], rel, fmt)
