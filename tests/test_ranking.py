"""A member's ranking (jobs.plan.personal): papers like the liked ones first, unlike the disliked ones last, a
liked paper named as why; no ratings keeps the day's order; Chinese summaries count through bigrams."""

from __future__ import annotations

from jobs.models import Paper
from jobs.plan.personal import rank


def paper(arxiv_id: str, title: str, summary: str = "") -> Paper:
    return Paper(arxiv_id, 1, title, summary=summary)


def test_liked_first_disliked_last_and_why() -> None:
    rated = [paper("1", "Neural radiance fields for faces"), paper("2", "Gaussian splatting SLAM")]
    day = [paper("a", "Gaussian splatting avatars"), paper("b", "Protein folding"),
           paper("c", "Radiance fields outdoors")]
    ranked = rank(day, {"1": "up", "2": "down"}, rated)
    assert ranked is not None and ranked.order == [2, 1, 0]
    assert ranked.why == {2: "1"}  # nothing explains the unrelated paper
    assert rank(day, {}, []) is None  # cold start: the caller keeps the day's order


def test_chinese_summaries_rank_through_bigrams() -> None:
    rated = [paper("1", "A", "本文研究神经辐射场的加速。")]
    day = [paper("a", "B", "蛋白质结构预测。"), paper("b", "C", "一种更快的神经辐射场。")]
    ranked = rank(day, {"1": "saved"}, rated)
    assert ranked is not None and ranked.order == [1, 0] and ranked.why == {1: "1"}


def test_not_interested_puts_the_topic_last() -> None:
    rated = [Paper("1", 1, "Talking head video synthesis", topic="Talking Head"),
             Paper("2", 1, "Gaussian splatting heads", topic="3DGS")]
    day = [Paper("a", 1, "Gaussian splatting heads again", topic="3DGS"),
           Paper("b", 1, "Protein folding", topic="Biology"),
           Paper("c", 1, "Talking head video synthesis, faster", topic="Talking Head")]
    ranked = rank(day, {"1": "up", "2": "hide"}, rated)
    assert ranked is not None and ranked.order == [2, 1, 0]  # 3DGS last, below even the unrelated paper
