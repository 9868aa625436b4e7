"""The one fold (jobs.fold): its rules, that stored subscription values still match, and that
feeds, subscriptions and search fold alike."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.fold import fold, fold_char, fold_with_index
from jobs.matching import matching_keyword, paper_text
from jobs.models import Paper
from jobs.search.query import build_query, resolve_topic
from jobs.search.snippet import snippet
from jobs.store import Store
from jobs.subscriptions import MAX_SUBSCRIPTIONS, SubscriptionIndex, folded_value


def legacy_folded_value(kind: str, value: str) -> str:
    """What `subscriptions.folded` held before the fold had one home (jobs.matching.fold + collapse)."""
    decomposed = unicodedata.normalize("NFKD", value)
    folded = " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())
    if kind == "author":
        folded = " ".join(folded.replace(".", " ").replace("-", " ").split())
    return folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NeRF", "nerf"),
        ("José  Müller", "jose muller"),  # accents go, whitespace collapses
        ("Straße", "strasse"),  # casefold, not lower
        ("ＮｅＲＦ　３Ｄ", "nerf 3d"),  # full-width letters and the ideographic space
        ("ﬁne-tuning", "fine-tuning"),  # ligature
        ("Talking\nHeads\u00a0", "talking heads"),  # line wraps, NBSP, ends trimmed
        ("高斯 泼溅", "高斯 泼溅"),  # Chinese unchanged
        ("Ångström", "angstrom"),
        ("", ""),
    ],
)
def test_fold_rules(text: str, expected: str) -> None:
    assert fold(text) == expected


@given(st.sampled_from(["topic", "keyword", "author"]), st.text())
def test_stored_values_are_unchanged(kind: str, value: str) -> None:
    assert folded_value(kind, value) == legacy_folded_value(kind, value)


@given(st.text())
def test_fold_is_idempotent_and_the_indexed_fold_agrees(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    folded, index = fold_with_index(text)
    assert folded == "".join(map(fold_char, text))
    assert " ".join(folded.split()) == fold(text)
    if index is None:
        assert len(folded) == len(text)
    else:
        assert len(index) == len(folded)
        assert all(fold_char(text[i]).count(c) for i, c in zip(index, folded, strict=True))


async def test_a_subscription_stored_before_still_matches(tmp_path: Path) -> None:
    """A row written with the old fold (as an existing database holds it) is found as a duplicate and
    matches a new paper."""
    store = await Store.open(tmp_path / "paperboy.db")
    try:
        old = legacy_folded_value("author", "José García-Pérez")
        await store.add_subscription(7, "author", "José García-Pérez", old, MAX_SUBSCRIPTIONS)
        _, status = await store.add_subscription(
            7, "author", "JOSE GARCIA PEREZ", folded_value("author", "JOSE GARCIA PEREZ"), MAX_SUBSCRIPTIONS
        )
        assert status == "duplicate"
        paper = Paper(arxiv_id="2410.18355", version=1, title="t", authors=["Jose Garcia-Perez"])
        found = SubscriptionIndex(await store.subscriptions()).matches(1, paper, [])
        assert [(m.user_id, m.label) for m in found] == [(7, "author: Jose Garcia-Perez")]
    finally:
        await store.close()


def test_feeds_subscriptions_and_search_fold_alike() -> None:
    paper = Paper(
        arxiv_id="2410.18355", version=1, title="Straße Scenes", abstract="Ｇａｕｓｓｉａｎ splatting by José",
        topic="Talking Head Generation",
    )
    # a feed keyword filter
    assert matching_keyword(paper, ["strasse"]) == "strasse"
    assert matching_keyword(paper, ["gaussian"]) == "gaussian"
    # a keyword subscription
    sub_value = folded_value("keyword", "JOSÉ")
    assert sub_value in paper_text(paper)
    # a topic subscription and /search's topic option name the topic the same way
    assert folded_value("topic", "talking  HEAD generation") == fold(paper.topic)
    assert resolve_topic("Tálking Head Generation", ["NeRF", paper.topic]) == paper.topic
    # search highlights what the fold finds
    assert "**José**" in snippet(paper, build_query("jose").terms)
    assert "**Ｇａｕｓｓｉａｎ**" in snippet(paper, build_query("gauss").terms)
