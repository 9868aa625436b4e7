"""One-line summaries and list-safe text."""

from __future__ import annotations

import pytest

from jobs.present.summary import (
    chinese_one_liner,
    english_one_liner,
    english_sentences,
    english_takeaways,
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


def test_one_liner_is_the_contribution_sentence_not_the_background() -> None:
    assert english_one_liner(ABSTRACT, limit=100) == \
        "We present SplatFlow, which is 3.5x faster than prior work vs. the baseline."
    # a short contribution sentence brings the next along, as a short first sentence did
    assert english_one_liner(ABSTRACT) == \
        "We present SplatFlow, which is 3.5x faster than prior work vs. the baseline. " \
        "It reaches 31.2 dB PSNR on i.e. standard scenes."


BACKGROUND_THEN_PROPOSE = (
    "Recent advancements in audio-driven talking head generation have enabled lifelike avatars for film, games "
    "and telepresence. However, existing methods struggle with lip sync under fast speech, e.g. in rap. "
    "We propose SyncTalker, a diffusion model that aligns lips to phonemes. Specifically, we use a phoneme "
    "encoder to condition each frame. The avatars look great. Experiments show that SyncTalker outperforms "
    "prior work by 12% in lip-sync error. Code is available at https://github.com/x/synctalker."
)


def test_background_opener_then_we_propose() -> None:
    assert english_one_liner(BACKGROUND_THEN_PROPOSE, limit=150) == \
        "We propose SyncTalker, a diffusion model that aligns lips to phonemes."


@pytest.mark.parametrize(("abstract", "line"), [
    ("Neural fields are popular. They are slow. In this paper, we make them fast with hashing. It works.",
     "In this paper, we make them fast with hashing."),
    ("Avatars are everywhere in modern games and films today. Existing avatars are stiff and look unreal. "
     "This work animates them from one photo. Results are good.", "This work animates them from one photo."),
    ("Video generation has advanced quickly over the past two years of research. Motion is hard. "
     "To address this, we add a motion prior to each frame. It helps.",
     "To address this, we add a motion prior to each frame."),
    ("Talking heads need good lip sync for dubbing and for telepresence in meetings. "
     "GaussTalk, a 3D Gaussian avatar, syncs lips in real time. It runs at 100 FPS.",
     "GaussTalk, a 3D Gaussian avatar, syncs lips in real time."),
    ("Diffusion models generate images from text, e.g. Stable Diffusion and DALL-E 2 among others. "
     "Here we study how they memorise faces. We find they do.", "Here we study how they memorise faces."),
    ("Lung cancer kills many people. Purpose: This study investigated how nodules are segmented in lung CT. "
     "Methods: We trained a U-Net.", "Purpose: This study investigated how nodules are segmented in lung CT."),
])
def test_contribution_patterns(abstract: str, line: str) -> None:
    assert english_one_liner(abstract, limit=80) == line


def test_no_contribution_falls_back_to_the_first_sentence() -> None:
    text = ("Gaussian splatting renders scenes in real time on consumer hardware, e.g. on laptops. "
            "Previous methods are slow. Many were proposed in 2023.")
    assert english_one_liner(text, limit=100) == \
        "Gaussian splatting renders scenes in real time on consumer hardware, e.g. on laptops."


def test_short_first_sentence_brings_the_second() -> None:
    text = "We present Avatars. They animate from one photo. It is fast."
    assert english_one_liner(text) == "We present Avatars. They animate from one photo."
    assert english_one_liner("Avatars matter. Faces move a lot. More.") == "Avatars matter. Faces move a lot."


def test_second_sentence_only_when_both_fit() -> None:
    text = "Avatars matter. " + "Faces move in a very long sentence " * 20 + "here."
    assert english_one_liner(text, limit=200) == "Avatars matter."


def test_english_takeaways_are_method_and_result_sentences_in_order() -> None:
    assert english_takeaways(BACKGROUND_THEN_PROPOSE, limit=150) == [
        "Specifically, we use a phoneme encoder to condition each frame.",
        "Experiments show that SyncTalker outperforms prior work by 12% in lip-sync error.",
    ]
    assert english_takeaways(BACKGROUND_THEN_PROPOSE, n=1, limit=150) == [
        "Experiments show that SyncTalker outperforms prior work by 12% in lip-sync error.",
    ]


def test_english_takeaways_keep_a_result_and_never_repeat_the_lead() -> None:
    text = ("We propose XNet. We use A to do this. We leverage B as well. We employ C too. We design D also. "
            "XNet achieves state-of-the-art results on three benchmarks.")
    lead = english_one_liner(text)
    assert lead == "We propose XNet. We use A to do this."  # short: the next sentence comes along
    takeaways = english_takeaways(text)
    assert takeaways == ["We leverage B as well.", "We employ C too.",
                         "XNet achieves state-of-the-art results on three benchmarks."]
    assert not any(t in lead for t in takeaways)
    assert english_takeaways("") == [] and english_takeaways("Only background here.") == []


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
