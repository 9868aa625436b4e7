"""Whatever a post holds, the paper embed fits Discord's limits (GUIDE §2): a payload Discord refuses
(400, error 50035) is a paper nobody receives. Property tests over hostile text."""

from __future__ import annotations

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ui.embeds import _fit_lines, abstract_embed, paper_embed
from jobs.models import Paper

# Long runs of one character, combining marks, emoji (outside the BMP), CJK, newlines and list-ish
# punctuation: the shapes that trip trimming at boundaries.
_ALPHABET = st.sampled_from(
    ["a", " ", "\n", ".", "。", "！", "；", "…", "中", "文", "😀", "👩‍🔬", "\u0301", "\u200b", "*", "[", "]", "1. "]
)
_runs = st.builds(lambda c, n: c * n, _ALPHABET, st.integers(0, 5000))
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_ALPHABET, _runs), max_size=12).map("".join),
    st.builds(lambda c, n: c * n, _ALPHABET, st.integers(0, 12000)),
)
SHORT = st.one_of(st.text(max_size=40), _runs)

PAPERS = st.builds(
    Paper,
    arxiv_id=st.one_of(st.just("2405.06001"), SHORT),
    version=st.none(),
    title=TEXT,
    authors=st.lists(SHORT, max_size=30),
    abstract=TEXT,
    summary=TEXT,
    takeaways=st.lists(TEXT, max_size=12),
    comment=TEXT,
    links=st.dictionaries(st.sampled_from(["abs", "pdf", "code"]), SHORT, max_size=3),
    images=st.lists(SHORT, max_size=2),
    topic=SHORT,
    date=SHORT,
    flags=st.lists(st.sampled_from(["summary_lossy", "takeaways_lossy"]), max_size=2, unique=True),
)


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256
    assert len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    for field in embed.fields:
        assert 0 < len(field.name or "") <= 256
        assert (field.value or "").strip() and len(field.value or "") <= 1024
    assert len(embed.footer.text or "") <= 2048
    assert len(embed.author.name or "") <= 256
    for url in (embed.url, embed.image.url):
        assert url is None or (url.startswith(("https://", "http://")) and len(url) <= 2048 and " " not in url)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(paper=PAPERS, matched=st.one_of(st.none(), SHORT, TEXT), images=st.booleans())
def test_any_paper_makes_an_embed_within_discords_limits(paper: Paper, matched: str | None, images: bool) -> None:
    assert_within_limits(paper_embed(paper, images=images, matched=matched))
    assert_within_limits(abstract_embed(paper))


@settings(max_examples=300, deadline=None)
@given(items=st.lists(TEXT, max_size=15), limit=st.integers(0, 5000), hidden=st.integers(0, 20))
def test_a_cards_takeaways_never_exceed_their_limit(items: list[str], limit: int, hidden: int) -> None:
    assert len(_fit_lines(items, limit, hidden)) <= limit


def test_the_list_that_came_out_one_character_too_long() -> None:
    # Found in the wild (issue 9): items that fill the budget exactly, then the "+N more" line on top.
    items = ["x" * 97, "y" * 97, "z" * 97]
    for limit in range(0, 330):
        for hidden in (0, 1, 9, 10):
            assert len(_fit_lines(items, limit, hidden)) <= limit, (limit, hidden)
