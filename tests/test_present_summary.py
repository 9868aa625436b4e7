"""One-line summaries and list-safe text."""

from __future__ import annotations

import pytest

from jobs.present.summary import (
    chinese_one_liner,
    english_one_liner,
    english_sentences,
    plain_list_text,
)

ABSTRACT = (
    "Neural fields, e.g. NeRF and 3D Gaussian splatting (3DGS), reconstruct scenes from posed images,\n"
    "as shown by Mildenhall et al. in Fig. 2 of their paper. We present SplatFlow, which is 3.5x faster\n"
    "than prior work vs. the baseline. It reaches 31.2 dB PSNR on i.e. standard scenes. Code will be released."
)


def test_sentences_are_not_cut_at_abbreviations_or_decimals() -> None:
    assert english_sentences(ABSTRACT) == [
        "Neural fields, e.g. NeRF and 3D Gaussian splatting (3DGS), reconstruct scenes from posed images, "
        "as shown by Mildenhall et al. in Fig. 2 of their paper.",
        "We present SplatFlow, which is 3.5x faster than prior work vs. the baseline.",
        "It reaches 31.2 dB PSNR on i.e. standard scenes.",
        "Code will be released.",
    ]


def test_one_liner_is_the_first_sentence_when_it_is_long() -> None:
    assert english_one_liner(ABSTRACT) == english_sentences(ABSTRACT)[0]


def test_short_first_sentence_brings_the_second() -> None:
    text = "Avatars matter. We present a method that animates them from one photo. It is fast."
    assert english_one_liner(text) == "Avatars matter. We present a method that animates them from one photo."


def test_second_sentence_only_when_both_fit() -> None:
    text = "Avatars matter. " + "We present a very long sentence " * 20 + "here."
    assert english_one_liner(text, limit=200) == "Avatars matter."


def test_overlong_sentence_is_cut_at_a_word() -> None:
    line = english_one_liner("word " * 200, limit=50)
    assert line.endswith("…") and len(line) <= 50 and "wor…" not in line


def test_other_sentence_ends() -> None:
    text = "Can splats move? Yes: we show how. More follows."
    assert english_one_liner(text, limit=50) == "Can splats move? Yes: we show how."
    assert english_sentences("A quote ends here.\" Then (more) text.") == ["A quote ends here.\"", "Then (more) text."]
    assert english_one_liner("") == ""


def test_chinese_one_liner() -> None:
    summary = "本文提出高斯头像方法。\n它在单张图片上也能工作！实验表明效果很好？后续还有更多。"
    assert chinese_one_liner(summary, 100) == "本文提出高斯头像方法。它在单张图片上也能工作！"
    assert chinese_one_liner("这是一个非常长的句子" * 20 + "。", 30) == ("这是一个非常长的句子" * 3)[:29] + "…"
    assert chinese_one_liner("没有句号的摘要", 100) == "没有句号的摘要"


@pytest.mark.parametrize(("text", "safe"), [
    ("1) 构建数据集；2) 训练模型", "1\\) 构建数据集；2) 训练模型"),
    ("1. 构建数据集\n2. 训练模型", "1\\. 构建数据集\n2\\. 训练模型"),
    ("- 第一点\n* 第二点\n+ 第三点", "\\- 第一点\n\\* 第二点\n\\+ 第三点"),
    ("# 标题", "\\# 标题"),
    ("> 引用", "\\> 引用"),
    ("(1) 构建；(2) 训练", "(1) 构建；(2) 训练"),
    ("3.5 倍加速", "3.5 倍加速"),
    ("2024. 年度", "2024\\. 年度"),
    ("-1 is negative", "-1 is negative"),
])
def test_plain_list_text(text: str, safe: str) -> None:
    assert plain_list_text(text) == safe


def test_plain_list_text_does_not_nest_lists_when_rendered() -> None:
    """Through the CommonMark renderer that SimCord's preview uses: a numbered takeaway whose text
    starts "1)" is one list item showing "1)", not a list inside the item."""
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (a dev dependency) is not installed")
    md = markdown_it.MarkdownIt("default")
    method = "1) 构建数据集；2) 训练模型"
    assert "<li><ol>" in md.render(f"1. 动机\n2. {method}").replace("\n", "")  # the problem
    html = md.render(f"1. 动机\n2. {plain_list_text(method)}").replace("\n", "")
    assert html == "<ol><li>动机</li><li>1) 构建数据集；2) 训练模型</li></ol>"
