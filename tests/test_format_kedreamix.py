"""The Kedreamix adapter on hand-written posts covering every variant of GUIDE 1.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.formats import detect_format, parse_post
from jobs.models import FormatError, Paper, ParsedPost
from jobs.text import HTML_TAG_RE, has_mojibake

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
MARKDOWN = "kedreamix/2024-10-27/Talking Head Generation.md"  # markdown ChatPaperFree, repeats
HTML = "kedreamix/2024-01-24/元宇宙_虚拟人.md"  # HTML ChatPaperFree, every heading variant
EMPTY = "kedreamix/2024-05-06/3DGS.md"
DECEMBER = "kedreamix/2024-12-09/Talking Head Generation.md"
CLEAN = "kedreamix/2024-06-14/元宇宙_虚拟人.md"
MOJIBAKE = "kedreamix-mojibake/2024-06-14/元宇宙_虚拟人.md"


def parse(rel: str, path: str | None = None) -> ParsedPost:
    return parse_post((FIXTURES / rel).read_bytes(), rel if path is None else path, "kedreamix", source="kd")


def by_id(post: ParsedPost) -> dict[str, Paper]:
    return {p.arxiv_id: p for p in post.papers}


def assert_clean(paper: Paper) -> None:
    for name, value in paper.to_json().items():
        texts = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        for text in texts:
            if isinstance(text, str):
                assert not HTML_TAG_RE.search(text), (name, text)
                assert "\u200b" not in text, name
                assert not has_mojibake(text), (name, text)


def test_standard_markdown_entry() -> None:
    post = parse(MARKDOWN)
    assert post.topic == "Talking Head Generation"
    assert post.date == "2024-10-27"
    p = by_id(post)["2410.00001"]
    assert p.version == 2
    assert p.title == "$E^{3}$Gen: Efficient, Expressive and Editable Avatars Generation"
    assert p.authors == ["Alice Zhang", "Bob Li", "Carol Wang"]
    assert p.abstract == "We present $E^{3}$Gen, an avatar generator. Code is at https://github.com/alice/E3Gen."
    assert p.summary == "提出E3Gen，一种高效、可表达、可编辑的虚拟人生成方法。"
    # numbering removed; a wrapped CJK bullet is joined without a space
    assert p.takeaways == ["提出E3Gen方法。", "支持表情编辑，并且可以跨身份迁移。", "代码已开源。"]
    assert p.comment == "Accepted by ACM MM 2024. Project page: https://alice.github.io/E3Gen/."
    assert p.links == {
        "abs": "https://arxiv.org/abs/2410.00001",
        "pdf": "https://arxiv.org/pdf/2410.00001v2",
        "code": "https://github.com/alice/E3Gen",  # the abstract's, before the generated Urls line
        "project": "https://alice.github.io/E3Gen/",  # trailing '.' stripped
    }
    # deduplicated, in order, the relative ./crop_ path skipped
    assert p.images == ["https://pic1.zhimg.com/v2-aaaa.jpg", "https://picx.zhimg.com/v2-bbbb.jpg"]
    assert (p.topic, p.date, p.source, p.path, p.flags) == ("Talking Head Generation", "2024-10-27", "kd", MARKDOWN, [])
    assert any("relative path" in problem and "./crop_" in problem for problem in post.problems)


def test_colon_headings_blank_lines_and_chatter_after_bullets() -> None:
    p = by_id(parse(MARKDOWN))["2410.00002"]
    assert p.summary == "本文研究了音频驱动的说话人脸生成。"
    assert p.takeaways == ["音频驱动人脸生成。", "提出新的数据集。"]  # '以上是关键要点…' is not one
    assert p.title == "Talking Faces from Audio: A Study"  # runs of spaces collapsed
    assert "code" not in p.links  # 'GitHub:None' is not a link


def test_paper_without_takeaways_and_summary_on_the_heading_line() -> None:
    p = by_id(parse(MARKDOWN))["2410.00003"]
    assert p.summary == "本文提出一个单样本姿态驱动的人脸动画平台。"
    assert p.takeaways == []
    assert p.comment == ""


def test_repeated_paper_appears_once_and_later_copy_fills_gaps() -> None:
    post = parse(MARKDOWN)
    assert [p.arxiv_id for p in post.papers] == ["2410.00001", "2410.00002", "2410.00003"]
    p = by_id(post)["2410.00002"]
    assert p.comment == "Accepted at ICASSP 2025"  # empty in the first copy, filled from the second
    # Both copies' images, the first copy's first (jobs.merge: the same rule as across posts).
    assert p.images == ["https://pica.zhimg.com/v2-cccc.jpg", "https://pica.zhimg.com/v2-eeee.jpg"]
    assert any("repeated" in problem for problem in post.problems)


def test_entry_without_pdf_link_is_not_a_paper() -> None:
    post = parse(MARKDOWN)
    assert all("Survey" not in p.title for p in post.papers)
    assert any("no [PDF]" in problem and "Survey" in problem for problem in post.problems)


def test_html_chatpaperfree_block_and_every_heading_variant() -> None:
    post = parse(HTML)
    assert post.topic == "元宇宙/虚拟人"  # front matter title, not the file name
    assert post.date == "2024-01-24"  # the folder wins over '# 2024-01-27 更新'
    papers = by_id(post)
    assert len(papers) == 10
    for p in post.papers:
        assert p.summary, p.title
        assert p.takeaways, p.title
        assert p.authors and p.abstract, p.title
        assert len(p.images) == 2, p.title
        assert_clean(p)
    first = papers["2401.10001"]
    assert first.summary == "虚拟人快速重建方法 & 高斯表示。"  # <b> stripped, &amp; unescaped
    assert first.takeaways == ["使用高斯表示虚拟人。", "训练只需 100 秒。", "渲染速度 100+ FPS。"]  # '• '
    # the only code link is on the generated section's links line, as an <autolink> inside an <li>
    assert first.links["code"] == "https://github.com/author1/avatar-code"
    second = papers["2401.10002"]  # 概述 / 主要要点, '* ' bullets, traditional characters
    assert second.summary == "本文提出可動畫的高斯虛擬人。"
    assert second.takeaways == ["姿態相關的高斯圖。", "基於 StyleGAN 的學習。"]
    assert second.links["code"] == "https://github.com/author2/AnimatableGaussians"
    assert second.links["project"] == "https://animatable.github.io/"
    assert papers["2401.10003"].summary == "神经渲染虚拟人。"  # **摘要：** then a blank line
    assert papers["2401.10004"].summary == "表达全身的三维人体化身。"  # '**Summary**  ' then indented text
    assert papers["2401.10004"].takeaways == ["单目视频学习。", "结合 SMPL-X。"]  # '**Key Takeaways**：', ' 1.'
    assert papers["2401.10005"].takeaways == ["文本驱动。", "编辑一致。"]  # 关键见解
    assert papers["2401.10006"].takeaways == ["重光照。"]  # 重要要点
    assert papers["2401.10007"].takeaways == ["压缩率高。"]  # 关键点
    assert papers["2401.10008"].takeaways == ["基准全面。"]  # 主要结论
    assert papers["2401.10009"].takeaways == ["头发建模。"]  # 主要内容
    assert papers["2401.20010"].summary == "語音驅動的虛擬人。"  # '**Summary:** text'
    assert papers["2401.20010"].takeaways == ["語音驅動。"]  # '**要点:**'
    assert post.problems == []


def test_runaway_line_in_generated_section_does_not_leak() -> None:
    p = by_id(parse(HTML))["2401.10001"]
    assert all(len(text) < 200 for text in [p.summary, *p.takeaways, p.abstract, p.comment])


def test_empty_post() -> None:
    post = parse(EMPTY)
    assert post.papers == []
    assert (post.topic, post.date) == ("3DGS", "2024-05-06")


def test_december_variant_with_translation_block() -> None:
    post = parse(DECEMBER)
    papers = by_id(post)
    p = papers["2411.13209"]
    # the '>' Chinese translation and '**论文及项目相关链接**' are not part of the English abstract
    assert p.abstract == (
        "This paper examines real-time talking-head generation for interviewer training. "
        "We replace conventional audio feature extraction with Whisper."
    )
    assert p.authors == ["Pegah Example", "Sajad Example", "Pål Halvorsen"]
    assert p.comment.startswith("16 pages, 6 figures, 3 tables. submitted to MDPI journal in as Big Data")
    assert p.summary.startswith("本论文探讨了")
    assert len(p.takeaways) == 3
    # images on other hosts are kept
    assert p.images == ["https://pica.zhimg.com/v2-215a.jpg", "https://example-images.org/shots/2411.13209/fig2.png"]
    old = papers["nucl-th/0512001"]  # an old-style identifier
    assert old.version == 3
    assert old.links["pdf"] == "https://arxiv.org/pdf/nucl-th/0512001v3"
    assert post.topic == "Talking Head Generation"


def test_mojibake_copy_keeps_what_is_readable_and_flags_the_rest() -> None:
    clean = by_id(parse(CLEAN))
    broken_post = parse(MOJIBAKE, path=CLEAN)
    broken = by_id(broken_post)
    assert broken.keys() == clean.keys()
    assert broken_post.topic == "元宇宙/虚拟人"  # every byte of the topic survived
    assert any("mojibake" in problem for problem in broken_post.problems)
    for aid, good in clean.items():
        bad = broken[aid]
        assert_clean(bad)
        # the English parts are intact
        assert (bad.title, bad.authors, bad.abstract, bad.comment, bad.links, bad.images) == (
            good.title,
            good.authors,
            good.abstract,
            good.comment,
            good.links,
            good.images,
        )
        assert "summary_lossy" in bad.flags and "takeaways_lossy" in bad.flags
        assert len(bad.takeaways) == len(good.takeaways)
        # what is left is in order and is a part of the real text
        assert set(bad.summary) <= set(good.summary)
    assert broken["2406.09999"].summary.startswith("本文")
    assert broken["2406.09999"].takeaways[2] == "效果优于现有方法。"  # no lost byte in this one


def test_date_falls_back_to_heading_then_front_matter() -> None:
    text = (FIXTURES / HTML).read_text(encoding="utf-8")
    assert parse_post(text, "posts/元宇宙_虚拟人.md").date == "2024-01-27"  # no date folder
    no_heading = text.replace("# 2024-01-27 更新", "")
    assert parse_post(no_heading, "posts/元宇宙_虚拟人.md", "kedreamix").date == "2024-01-24"


def test_topic_falls_back_to_file_stem() -> None:
    text = (FIXTURES / MARKDOWN).read_text(encoding="utf-8").replace("title: Talking Head Generation\n", "")
    assert parse_post(text, "x/2024-10-27/Talking Heads.md", "kedreamix").topic == "Talking Heads"


def test_crlf_bom_and_zero_width() -> None:
    raw = (FIXTURES / MARKDOWN).read_bytes()
    variant = b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n").replace(b"## ", "## \u200b".encode())
    a, b = parse_post(raw, MARKDOWN), parse_post(variant, MARKDOWN)
    assert [p.to_json() for p in a.papers] == [p.to_json() for p in b.papers]


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    raw = (FIXTURES / MARKDOWN).read_bytes().replace("提出E3Gen，".encode(), b"\xff\xfe E3Gen")
    post = parse_post(raw, MARKDOWN)
    p = by_id(post)["2410.00001"]
    assert "summary_lossy" in p.flags and "\ufffd" not in p.summary
    assert any("invalid UTF-8" in problem for problem in post.problems)


def test_detection() -> None:
    for rel in (MARKDOWN, HTML, EMPTY, DECEMBER, MOJIBAKE):
        assert detect_format((FIXTURES / rel).read_bytes(), rel) == "kedreamix"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty post"),
        (b"  \n\n\t ", "empty post"),
        ("\u200b\u200b".encode(), "empty post"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (bytes(range(1, 32)) * 50, "binary"),
        (b"just some notes\n## a heading\n", "no papers found"),
        (b"---\ntitle: NeRF\ndate: 2024-01-01\n---\n\n>\xe2\x9a\xa0\xef\xb8\x8f", "no papers found"),
    ],
)
def test_unparseable_posts_raise_format_error(content: bytes, reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        parse_post(content, "2024-01-01/NeRF.md", "kedreamix")


def test_truncated_post_keeps_the_complete_entries() -> None:
    raw = (FIXTURES / MARKDOWN).read_bytes()
    cut = raw[: raw.index(b"## Talking  Faces") + 40]
    post = parse_post(cut, MARKDOWN)
    assert [p.arxiv_id for p in post.papers] == ["2410.00001"]
