"""The order a feed shows papers in when a day has more than its cap."""

from __future__ import annotations

from jobs.models import Paper
from jobs.plan.rank import rank_for_cap


def paper(n: int, title: str = "A method", *, abstract: str = "", code: bool = False, comment: str = "") -> Paper:
    links = {"abs": f"https://arxiv.org/abs/2501.{n:05d}"}
    if code:
        links["code"] = f"https://github.com/lab/p{n}"
    return Paper(arxiv_id=f"2501.{n:05d}", version=1, title=title, abstract=abstract, links=links, comment=comment)


def ids(papers: list[Paper]) -> list[int]:
    return [int(p.arxiv_id.split(".")[1]) for p in papers]


def test_keyword_then_code_then_venue_then_post_order() -> None:
    day = [
        paper(1),
        paper(2, comment="Accepted to CVPR 2025"),
        paper(3, code=True),
        paper(4, "Fast Gaussian Splatting"),
        paper(5, abstract="We build on 3D Gaussian splatting."),
        paper(6, code=True, comment="ECCV'24"),
        paper(7),
        paper(8, comment="Under review at ICLR 2026"),  # submitted is no venue
    ]
    assert ids(rank_for_cap(day, ["gaussian"])) == [4, 5, 6, 3, 2, 1, 7, 8]


def test_no_keywords_ranks_by_code_and_venue_only() -> None:
    day = [paper(1), paper(2, comment="NeurIPS 2024"), paper(3, code=True), paper(4, code=True)]
    assert ids(rank_for_cap(day, [])) == [3, 4, 2, 1]


def test_keywords_fold_like_subscriptions() -> None:
    """Case and accents do not matter, and a keyword starts at a word ("ct" is not in "project")."""
    day = [paper(1, "A project on rendering"), paper(2, "NÉRF in the wild"), paper(3, "CT reconstruction")]
    assert ids(rank_for_cap(day, ["nerf", "ct"])) == [2, 3, 1]


def test_chinese_keywords_match_anywhere() -> None:
    day = [paper(1), Paper(arxiv_id="2501.00002", version=1, title="Avatars", summary="基于高斯泼溅的数字人")]
    assert ids(rank_for_cap(day, ["高斯"])) == [2, 1]


def test_input_is_left_alone_and_all_papers_kept() -> None:
    day = [paper(i, code=i % 2 == 0) for i in range(1, 30)]
    before = list(day)
    ranked = rank_for_cap(day, [])
    assert day == before
    assert sorted(ids(ranked)) == list(range(1, 30))
    assert ids(ranked) == [i for i in range(1, 30) if i % 2 == 0] + [i for i in range(1, 30) if i % 2]
