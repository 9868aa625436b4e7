"""daily-arXiv papers label their parts; other papers keep a plain list."""

from __future__ import annotations

from jobs.formats import parse_post
from jobs.models import Paper
from jobs.present.parts import ai_parts_flag, labelled_parts
from tests.postgen import Entry, daily_arxiv_line, kedreamix


def daily_arxiv_paper(path: str = "data/2025-06-30_AI_enhanced_Chinese.jsonl") -> Paper:
    entry = Entry("2506.00001", "Splats in Motion", takeaways=["现有方法难以处理动态场景。"])
    return parse_post(daily_arxiv_line(entry), path, "daily-arxiv").papers[0]


def test_daily_arxiv_parts_are_labelled_in_chinese_and_english() -> None:
    paper = daily_arxiv_paper()
    assert labelled_parts(paper, "zh-CN") == [
        ("动机", "现有方法难以处理动态场景。"), ("方法", "方法。"), ("结果", "结果。"), ("结论", "结论。"),
    ]
    assert [label for label, _ in labelled_parts(paper, "zh-TW")] == ["動機", "方法", "結果", "結論"]
    assert [label for label, _ in labelled_parts(paper, "en-US")] == ["Motivation", "Method", "Result", "Conclusion"]


def test_rendered_daily_arxiv_day_is_labelled_too() -> None:
    assert len(labelled_parts(daily_arxiv_paper("2025-06-30.md"), "en")) == 4


def test_kedreamix_takeaways_stay_a_plain_list() -> None:
    post = kedreamix("3DGS", "2025-06-30", [Entry("2506.00002", "Four Points", takeaways=["一", "二", "三", "四"])])
    paper = parse_post(post, "2025-06-30/3DGS.md", "kedreamix").papers[0]
    assert len(paper.takeaways) == 4
    assert labelled_parts(paper, "zh-CN") == []


def test_flag_names_the_parts_present() -> None:
    """With the adapter's flag a missing part does not shift the labels, whatever the path."""
    paper = Paper("2506.00003", 1, "T", takeaways=["动机文本", "结论文本"],
                  flags=[ai_parts_flag(["motivation", "conclusion"])], path="elsewhere/x.md")
    assert labelled_parts(paper, "zh-CN") == [("动机", "动机文本"), ("结论", "结论文本")]


def test_stale_flag_labels_nothing() -> None:
    """Takeaways that no longer match the flag (kept from another post) are not mislabelled."""
    paper = Paper("2506.00004", 1, "T", takeaways=["一", "二", "三"], flags=[ai_parts_flag(["motivation"])],
                  path="2025-06-30_AI_enhanced_Chinese.jsonl")
    assert labelled_parts(paper, "en") == []


def test_three_parts_without_flag_are_not_guessed() -> None:
    paper = daily_arxiv_paper()
    paper.takeaways = paper.takeaways[:3]
    assert labelled_parts(paper, "en") == []
