"""Where text is cut (jobs/present/clip.py): after a sentence, else a clause, else between words; never inside
an English word or an open bracket; within the limit as characters or as screen columns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jobs.present.clip import clip, display_width


def test_a_chinese_summary_is_not_cut_inside_an_english_word() -> None:
    cut = clip("本文提出了一个新的数据集Alongside方法，用于评估模型的性能表现", 30, measure=display_width)
    assert cut == "本文提出了一个新的数据集…"


def test_an_open_bracket_goes_with_what_follows_it() -> None:
    cut = clip("本文提出一种方法（图注意力网络+变换器）来完成任务并取得了最好的结果", 36, measure=display_width)
    assert cut == "本文提出一种方法…"


def test_a_sentence_then_a_clause_then_a_word() -> None:
    assert clip("第一句话。第二句话很长很长很长很长很长。", 24, measure=display_width) == "第一句话。…"
    clause = clip("我们提出了一种新的方法，在三个数据集上验证了效果", 36, measure=display_width)
    assert clause == "我们提出了一种新的方法…"
    assert clip("We present a method for fast rendering of Gaussian splats on phones.", 40) == (
        "We present a method for fast rendering…")


def test_text_that_fits_is_untouched_and_tiny_limits_hold() -> None:
    assert clip("短", 10) == "短"
    assert clip("abc", 1) == "…" and clip("abc", 0) == ""
    assert clip("x" * 50, 10) == "x" * 9 + "…"  # one long word: a hard cut is all there is


@given(st.text(alphabet="ab 。，（）数据Alo", max_size=80), st.integers(min_value=0, max_value=60))
def test_never_longer_than_the_limit(text: str, limit: int) -> None:
    assert len(clip(text, limit)) <= limit
    assert display_width(clip(text, limit, measure=display_width)) <= max(limit, 0)


def test_vs_and_a_list_number_end_no_sentence() -> None:
    assert clip("We beat 47 to 49 of 50 tasks vs. the best prior method by far and more text here", 40) == (
        "We beat 47 to 49 of 50 tasks vs. the…")
    assert clip("First sentence ends here. Second one is long and keeps going on and on.", 40) == (
        "First sentence ends here.…")
    listed = clip("步骤如下：1. 第一步做这个；2. 第二步做那个然后继续做更多的事情直到结束为止还有更多", 60,
                  measure=display_width)
    assert listed == "步骤如下：1. 第一步做这个…"  # not "…；2.…"
