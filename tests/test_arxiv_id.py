"""The one arXiv id parser (jobs.arxiv_id): every form the digests and the people searching use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.arxiv_id import ArxivId, normalize_arxiv_id, parse_arxiv_id
from jobs.formats import parse_post
from jobs.search.query import build_query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # new style, bare and with a version
        ("2410.18355", ("2410.18355", None)),
        ("2410.18355v2", ("2410.18355", 2)),
        ("2410.18355V12", ("2410.18355", 12)),
        ("1412.1234", ("1412.1234", None)),  # before 2015: four digits
        ("0704.0001v1", ("0704.0001", 1)),  # the first new-style id
        ("1501.00001", ("1501.00001", None)),  # five digits since January 2015
        # prefixes
        ("arXiv:2410.18355", ("2410.18355", None)),
        ("ARXIV:2410.18355v3", ("2410.18355", 3)),
        ("arxiv: 2410.18355", ("2410.18355", None)),
        ("arXiv 2410.18355", ("2410.18355", None)),
        ("arXiv：2410.18355", ("2410.18355", None)),  # full-width colon
        # URLs
        ("https://arxiv.org/abs/2410.18355", ("2410.18355", None)),
        ("http://arxiv.org/abs/2410.18355v1", ("2410.18355", 1)),
        ("https://arxiv.org/pdf/2410.18355v2", ("2410.18355", 2)),
        ("http://arxiv.org/pdf/2410.18355.pdf", ("2410.18355", None)),
        ("https://arxiv.org/pdf/2410.18355v2.pdf", ("2410.18355", 2)),
        ("https://arxiv.org/html/2410.18355v1", ("2410.18355", 1)),
        ("https://export.arxiv.org/abs/2410.18355", ("2410.18355", None)),
        ("http://export.arxiv.org/pdf/2410.18355v4", ("2410.18355", 4)),
        ("https://www.arxiv.org/abs/2410.18355", ("2410.18355", None)),
        ("HTTPS://ARXIV.ORG/ABS/2410.18355", ("2410.18355", None)),
        ("arxiv.org/abs/2410.18355", ("2410.18355", None)),
        ("https://arxiv.org/abs/2410.18355/", ("2410.18355", None)),
        ("https://arxiv.org/abs/2410.18355?context=cs", ("2410.18355", None)),
        ("https://arxiv.org/abs/2410.18355v2#section", ("2410.18355", 2)),
        ("https://huggingface.co/papers/2410.18355", ("2410.18355", None)),
        # old style
        ("hep-th/9901001", ("hep-th/9901001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("HEP-TH/9901001", ("hep-th/9901001", None)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("math.gt/0309136", ("math.GT/0309136", None)),
        ("cond-mat/0207270v1", ("cond-mat/0207270", 1)),
        ("arXiv:hep-th/9901001", ("hep-th/9901001", None)),
        ("https://arxiv.org/abs/math.GT/0309136", ("math.GT/0309136", None)),
        ("http://arxiv.org/pdf/hep-th/9901001v3.pdf", ("hep-th/9901001", 3)),
        # surroundings
        ("  2410.18355v2 \n", ("2410.18355", 2)),
        ("<https://arxiv.org/abs/2410.18355>", ("2410.18355", None)),
        ("  < https://arxiv.org/abs/2410.18355 >  ", ("2410.18355", None)),
    ],
)
def test_every_form_gives_the_id_and_version(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == ArxivId(*expected)
    assert normalize_arxiv_id(text) == expected[0]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "gaussian",
        "2410.18355 gaussian",  # trailing words
        "see 2410.18355",
        "2413.18355",  # month 13
        "2400.18355",  # month 0
        "0612.1234",  # before new-style ids (April 2007)
        "2410.1835",  # four digits after 2014: a partial id, searched as text
        "1412.12345",  # five digits before 2015
        "2410.183555",
        "241.18355",
        "2410.18355v0",  # versions start at 1
        "2410.18355v",
        "2410-18355",
        "hep-th/990100",  # six digits
        "hep-th/9913001",  # month 13
        "hep_th/9901001",
        "/9901001",
        "https://example.org/abs/2410.18355",
        "https://arxiv.org/list/2410.18355",
        "ftp://arxiv.org/abs/2410.18355",
        "arxiv:",
        "2410.18355.pdf.exe",
    ],
)
def test_junk_is_not_an_id(text: str) -> None:
    assert parse_arxiv_id(text) is None
    assert normalize_arxiv_id(text) is None


_new_ids = st.builds(
    lambda yy, mm, num: f"{yy:02d}{mm:02d}.{num:0{5 if yy >= 15 else 4}d}",
    st.integers(8, 99),  # 0801..9912 (0704-0712 is covered by the table)
    st.integers(1, 12),
    st.integers(0, 9999),
)
_old_ids = st.builds(
    lambda arch, sub, yy, mm, n: f"{arch}{'.' + sub if sub else ''}/{yy:02d}{mm:02d}{n:03d}",
    st.sampled_from(["hep-th", "math", "cond-mat", "astro-ph", "cs", "q-bio"]),
    st.sampled_from(["", "GT", "AI", "LG"]),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 999),
)
_forms = st.sampled_from(
    [
        "{id}{v}",
        "arXiv:{id}{v}",
        "https://arxiv.org/abs/{id}{v}",
        "http://export.arxiv.org/pdf/{id}{v}.pdf",
        "https://www.arxiv.org/html/{id}{v}/",
        "  {id}{v}  ",
    ]
)


@given(st.one_of(_new_ids, _old_ids), st.one_of(st.none(), st.integers(1, 40)), _forms, st.booleans())
def test_round_trip(aid: str, version: int | None, form: str, upper: bool) -> None:
    text = form.format(id=aid, v=f"v{version}" if version else "")
    if upper:
        text = text.upper()
    assert parse_arxiv_id(text) == (aid, version)
    # ... and the parsed id is a fixed point: written back in any form, it parses to itself.
    assert parse_arxiv_id(f"arXiv:{aid}v{version or 1}") == (aid, version or 1)


def test_digests_and_search_agree_on_an_id() -> None:
    """The same link read from a post and typed into search gives the same id."""
    link = "https://arxiv.org/abs/hep-th/9901001v2"
    post = f"### [1] [A Title]({link})\n*Author One*\n\nMain category: hep-th\n"
    papers = parse_post(post.encode(), "2026-06-30.md", "daily-arxiv").papers
    assert [(p.arxiv_id, p.version) for p in papers] == [("hep-th/9901001", 2)]
    assert build_query(link).arxiv_id == "hep-th/9901001"
