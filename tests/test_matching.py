"""Keyword and author matching, as feeds and subscriptions use it."""

from __future__ import annotations

import pytest

from jobs.fold import fold
from jobs.matching import (
    contains_keyword,
    excluded_by,
    excludes_everything,
    matching_keyword,
    paper_text,
    split_keywords,
)
from jobs.models import Paper
from jobs.records import Subscription
from jobs.subscriptions import SubscriptionIndex, folded_value


def paper(**kw: object) -> Paper:
    return Paper(arxiv_id="2405.00001", version=1, title=str(kw.pop("title", "3D-Gaussian Avatars")), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "keyword", "found"),
    [
        ("3d-gaussian avatars", "gauss", True),  # a word start, after punctuation
        ("nerfs in the wild", "nerf", True),  # prefix of a word
        ("a project to detect", "ct", False),  # not inside a word
        ("ct scans", "ct", True),
        ("本文提出高斯泼溅", "高斯", True),  # Chinese: anywhere
        ("talking head generation", "talking head", True),
        ("", "x", False),
    ],
)
def test_contains_keyword_starts_at_a_word(text: str, keyword: str, found: bool) -> None:
    assert contains_keyword(text, keyword) is found


def test_matching_keyword_looks_in_title_abstract_summary_and_takeaways() -> None:
    p = paper(abstract="We study   Talking\nHeads.", summary="说话人头像", takeaways=["Uses CT scans"])
    assert matching_keyword(p, []) == ""  # no keywords: everything matches
    assert matching_keyword(p, ["nothing", "gaussian"]) == "gaussian"
    assert matching_keyword(p, ["talking heads"]) == "talking heads"  # arXiv line wraps are folded
    assert matching_keyword(p, ["头像"]) == "头像"
    assert matching_keyword(p, ["ct"]) == "ct"
    assert matching_keyword(paper(title="A project"), ["ct"]) is None


def matching_author(p: Paper, query: str) -> str | None:
    """The author a subscription to `query` matches, through the index the fan-out uses."""
    sub = Subscription(1, 7, "author", query, folded_value("author", query), paper_cursor=0)
    found = SubscriptionIndex([sub]).matches(1, p, [])
    return found[0].label.removeprefix("author: ") if found else None


def test_authors_match_whole_words_without_case_or_accents() -> None:
    p = paper(authors=["José García-Pérez", "Li Wei"])
    assert matching_author(p, "jose garcia") == "José García-Pérez"
    assert matching_author(p, "GARCIA PEREZ") == "José García-Pérez"
    assert matching_author(p, "wei") == "Li Wei"
    assert matching_author(p, "gar") is None
    assert fold("Müller") == "muller"


def test_split_keywords() -> None:
    assert split_keywords("gaussian, Talking  Head ,NeRF，gaussian,, ") == ["gaussian", "Talking Head", "NeRF"]


def test_exclusions_are_found_as_keywords_are_and_one_in_every_keyword_excludes_everything() -> None:
    text = paper_text(Paper("2405.00001", 1, "A Survey of NeRFs", summary="关于辐射场的综述"))
    assert excluded_by(text, ["benchmark", "SURVEY"]) == "SURVEY"
    assert excluded_by(text, ["综述"]) == "综述" and excluded_by(text, ["urvey"]) is None  # from a word's start
    assert excludes_everything(["NeRF"], ["nerf"]) == "nerf"
    assert excludes_everything(["gaussian splatting"], ["splat"]) == "splat"
    assert excludes_everything(["nerf", "gaussian"], ["nerf"]) is None  # "gaussian" papers still get through
    assert excludes_everything([], ["survey"]) is None
