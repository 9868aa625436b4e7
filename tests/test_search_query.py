"""Turning user input into safe FTS5 queries, checking dates and ids, and cutting snippets (no store)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jobs.arxiv_id import normalize_arxiv_id
from jobs.fold import fold_with_index
from jobs.models import Paper
from jobs.search.bigrams import CJK, TOKEN, index_text, is_cjk_token
from jobs.search.query import (
    MAX_QUERY_CHARS,
    QueryError,
    SearchQuery,
    build_query,
    check_date_range,
    parse_date,
    resolve_topic,
)
from jobs.search.snippet import _term_regex, snippet

FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE papers_fts USING fts5 (title, authors, abstract, summary, takeaways, ids, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
)


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute(FTS_SCHEMA)
    conn.execute(
        "INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) VALUES "
        "(1, 'Gaussian Splatting for Avatars', 'José Ramón, Ada Lovelace', 'We splat 3D Gaussians.', ?, ?, "
        "'2410.18355 241018355 arxiv2410.18355')",
        (index_text("本文提出了一种高斯泼溅方法。"), index_text("实时渲染")),
    )
    yield conn
    conn.close()


def run(conn: sqlite3.Connection, q: SearchQuery) -> list[int]:
    assert q.match is not None
    return [r[0] for r in conn.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", (q.match,))]


# ---- building queries ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("gauss", '"gauss"*'),
        ("Gaussian splatting", '"Gaussian"* AND "splatting"*'),
        ('"gaussian splatting"', '"gaussian splatting"'),
        ('"gaussian splatting" avatar', '"gaussian splatting" AND "avatar"*'),
        ("高斯泼溅", '"高斯 斯泼 泼溅"'),
        ("高斯", '"高斯"'),
        ("3D高斯", '"3D" AND "高斯"'),
        ("AI agents", '"AI" AND "agents"*'),  # two letters: a whole word
        ("“高斯泼溅”", '"高斯 斯泼 泼溅"'),
        ("ＧＡＵＳＳ", '"GAUSS"*'),  # full-width letters
        ("gauss gauss GAUSS", '"gauss"*'),  # repeated words once
        ("gaussian AND splatting", '"gaussian"* AND "splatting"*'),
        ("gaussian OR nerf", '"gaussian"* AND "nerf"*'),
        ("x ray", '"x" AND "ray"*'),  # one letter: a whole word, not a prefix of everything
        ("the", '"the"'),
    ],
)
def test_build_query(text: str, match: str) -> None:
    q = build_query(text)
    assert q.match == match
    assert q.arxiv_id is None


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ('"gaussian splatting" NeRF', ("gaussian splatting", "NeRF")),
        ("3D高斯泼溅", ("3D", "高斯泼溅")),
    ],
)
def test_terms_for_highlighting(text: str, terms: tuple[str, ...]) -> None:
    assert build_query(text).terms == terms


def test_stop_words_and_lone_chinese_characters_are_reported_as_ignored() -> None:
    q = build_query("the gaussian of 高 splat")
    assert q.match == '"gaussian"* AND "splat"*'
    assert q.ignored == ("the", "of", "高")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty query"),
        ("   \n\t", "empty query"),
        (None, "empty query"),
        ("a", "too short: type at least 2 characters"),
        ("高", "too short: type at least 2 characters"),
        ("  a!  ", "too short: type at least 2 characters"),
        ('"x"', "too short: type at least 2 characters"),
        ("高 斯", "a Chinese word needs 2"),
        ("x" * (MAX_QUERY_CHARS + 1), f"too long: at most {MAX_QUERY_CHARS} characters"),
        ("🙂🎉", "nothing to search for"),
        ("?!*-^:()", "nothing to search for"),
        ('""', "nothing to search for"),
        (" ".join(f"w{i:02d}" for i in range(40)), "too many words"),
    ],
)
def test_bad_input_gets_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(")):
        build_query(text)


@pytest.mark.parametrize(
    "text",
    [
        '"gaussian',  # unbalanced quote
        'gaussian" splatting"',
        "gauss*",
        "-gaussian",
        "^gaussian",
        "title:gaussian",
        "NEAR(gaussian splatting)",
        "gaussian NOT splatting",
        "(gaussian OR",
        "gaussian AND",
        "'; DROP TABLE papers; --",
        "gaussian 🙂 splatting",
        "SELECT * FROM papers WHERE 1=1",
        "{ids}: 2410",
        "José",
        "gaussian\x00splatting",
    ],
)
def test_fts_syntax_is_plain_text(fts: sqlite3.Connection, text: str) -> None:
    q = build_query(text)
    run(fts, q)  # no sqlite3.OperationalError


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("gauss", True),
        ("GAUSSIAN splat", True),
        ('"gaussian splatting"', True),
        ('"splatting gaussian"', False),
        ("高斯", True),
        ("泼溅", True),
        ("斯泼", True),  # any two characters inside a word: the bigram approach
        ("高斯泼溅方法", True),
        ("泼溅高斯", False),
        ("Jose", True),  # accents removed both ways
        ("jose ramon", True),
        ("lovelace", True),
        ("2410.1835", True),  # not a whole id: prefix of the id's parts
        ("gaussian NOT", False),  # "not" is a stop word, dropped
        ("turing", False),
    ],
)
def test_queries_find_what_they_should(fts: sqlite3.Connection, text: str, found: bool) -> None:
    q = build_query(text)
    if "NOT" in text:
        assert q.ignored == ("NOT",)
        found = True
    assert (run(fts, q) == [1]) is found


# ---- the fuzz: anything in, a valid FTS query or a QueryError out ----------------------------------

_alphabet = st.one_of(
    st.characters(),  # anything, incl. surrogates and control characters
    st.sampled_from([*'"*-^:()+{}[]. ,\'“”「」\\/_', "AND", "OR", "NOT", "NEAR", "高", "斯", "泼", "é", "🙂"]),
    st.sampled_from(["gauss", "2410.18355", "arxiv:", "v2", "https://arxiv.org/abs/", " ", "\u0301"]),
)
_queries = st.lists(_alphabet, max_size=60).map("".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=250), _queries))
def test_fuzz_any_string_is_a_valid_query_or_a_query_error(fts: sqlite3.Connection, text: str) -> None:
    try:
        q = build_query(text)
    except QueryError as exc:
        assert str(exc)
        assert len(str(exc)) <= 200
        return
    assert isinstance(q, SearchQuery)
    if q.arxiv_id is not None:
        assert q.match is None
        assert normalize_arxiv_id(q.arxiv_id) == q.arxiv_id
        return
    assert q.match
    assert q.terms
    fts.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", (q.match,)).fetchall()
    # ... and snippets never fail on it either.
    paper = Paper(arxiv_id="2410.18355", version=1, title="t", abstract=text, summary="高斯泼溅" + text)
    snippet(paper, q.terms)


# ---- arXiv ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2410.18355",
        "2410.18355v2",
        "arXiv:2410.18355",
        "arxiv: 2410.18355v12",
        "ARXIV:2410.18355",
        "https://arxiv.org/abs/2410.18355v1",
        "http://arxiv.org/abs/2410.18355",
        "http://arxiv.org/pdf/2410.18355.pdf",
        "https://arxiv.org/pdf/2410.18355v3",
        "https://arxiv.org/html/2410.18355v1",
        "https://www.arxiv.org/abs/2410.18355",
        "arxiv.org/abs/2410.18355",
        "https://export.arxiv.org/abs/2410.18355",
        "https://huggingface.co/papers/2410.18355",
        "https://arxiv.org/abs/2410.18355/",
        "https://arxiv.org/abs/2410.18355?context=cs",
        "  <https://arxiv.org/abs/2410.18355>  ",
    ],
)
def test_arxiv_ids_in_every_form(text: str) -> None:
    assert normalize_arxiv_id(text) == "2410.18355"
    q = build_query(text)
    assert q.arxiv_id == "2410.18355"
    assert q.match is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1501.00001", "1501.00001"),
        ("1412.1234", "1412.1234"),  # before 2015: 4-digit numbers
        ("0704.0001v1", "0704.0001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136"),
        ("2410.1835", None),  # too few digits for 2024
        ("1412.12345", None),  # too many for 2014
        ("2413.18355", None),  # month 13
        ("0612.1234", None),  # before new-style ids
        ("2410.18355 gaussian", None),
        ("https://example.org/abs/2410.18355", None),
        ("", None),
        ("gaussian", None),
    ],
)
def test_normalize_arxiv_id(text: str, expected: str | None) -> None:
    assert normalize_arxiv_id(text) == expected


# ---- dates and topics ---------------------------------------------------------------------------------


def test_parse_date() -> None:
    assert parse_date("2024-05-06") == "2024-05-06"
    assert parse_date(" 2024-5-6 ") == "2024-05-06"
    assert parse_date("2024/05/06") == "2024-05-06"
    for bad in ["yesterday", "2024-13-01", "2024-02-30", "06-05-2024", "", "2024-05-06T10:00"]:
        with pytest.raises(QueryError, match=r"after: use YYYY-MM-DD, e\.g\. 2024-05-06"):
            parse_date(bad)
    with pytest.raises(QueryError, match=r"^before: use YYYY-MM-DD"):
        parse_date("soon", "before")


def test_check_date_range() -> None:
    assert check_date_range(None, None) == (None, None)
    assert check_date_range("2024-05-06", "2024-05-06") == ("2024-05-06", "2024-05-06")
    assert check_date_range("2024-5-1", None) == ("2024-05-01", None)
    with pytest.raises(QueryError, match=r"after \(2024-06-01\) is later than before \(2024-05-01\)"):
        check_date_range("2024-06-01", "2024-05-01")
    with pytest.raises(QueryError, match=r"^before:"):
        check_date_range("2024-06-01", "June")


def test_resolve_topic() -> None:
    known = ["3DGS", "Diffusion Models", "Talking Head Generation", "元宇宙/虚拟人"]
    assert resolve_topic("3DGS", known) == "3DGS"
    assert resolve_topic("3dgs", known) == "3DGS"
    assert resolve_topic("diffusion  models", known) == "Diffusion Models"
    assert resolve_topic("元宇宙/虚拟人", known) == "元宇宙/虚拟人"
    with pytest.raises(QueryError, match="did you mean: Diffusion Models"):
        resolve_topic("diffusion", known)
    with pytest.raises(QueryError, match="unknown topic 'Robots'; known topics: 3DGS"):
        resolve_topic("Robots", known)


# ---- snippets -----------------------------------------------------------------------------------------

ABSTRACT = (
    "Recent advances in neural rendering have shown impressive results. However, existing methods are slow. "
    "We present a new Gaussian Splatting method for real-time rendering of dynamic human avatars with "
    "high fidelity and low memory, and we evaluate it on several benchmarks where it outperforms prior "
    "work by a large margin while running at 200 frames per second."
)


def make_paper(**kw: object) -> Paper:
    fields: dict = {
        "arxiv_id": "2410.18355",
        "version": 1,
        "title": "Avatars",
        "abstract": ABSTRACT,
        "summary": "本文提出了一种基于三维高斯泼溅的实时数字人渲染方法，在多个基准上取得了领先的效果。",
        "takeaways": ["使用高斯泼溅表示人体。", "渲染速度达到每秒200帧。"],
    }
    fields.update(kw)
    return Paper(**fields)  # type: ignore[arg-type]


def _one_regex(term: str) -> re.Pattern[str] | None:
    """A term as one regex with its edges inside (lookbehind and suffix classes holding the CJK ranges): what
    snippets compiled per term before, 3-6 ms a term; the reference the shared edge checks must agree with."""
    word_not_cjk = rf"[^\W_{CJK}]"
    tokens = TOKEN.findall(fold_with_index(term)[0])
    if not tokens:
        return None
    pattern = "" if is_cjk_token(tokens[0]) else rf"(?<!{word_not_cjk})"
    for i, token in enumerate(tokens):
        if i:
            pattern += r"[\W_]+" if not is_cjk_token(tokens[i - 1]) and not is_cjk_token(token) else r"[\W_]*"
        pattern += re.escape(token)
    if not is_cjk_token(tokens[-1]):
        pattern += f"{word_not_cjk}*"
    return re.compile(pattern)


_EDGE_TEXT = st.text(alphabet="ab_1 -.éÉ模型高斯ｇΩ\u0301", max_size=30)


@settings(max_examples=400, deadline=None)
@example(term="模型", text="模型模型")  # matches back to back
@example(term="é", text="éeÉ_é")  # an edge inside a run of word characters
@given(term=st.text(alphabet="ab 1模型高é-", min_size=1, max_size=6), text=_EDGE_TEXT)
def test_a_terms_matches_are_those_of_one_regex_with_its_edges_inside(term: str, text: str) -> None:
    """Snippets find a term's matches with its tokens' pattern and two edge checks compiled once; the matches are
    exactly those of the one regex per term they compiled before (its CJK classes cost 2 ms each to compile)."""
    found, reference = _term_regex(term), _one_regex(term)
    assert (found is None) == (reference is None)
    if found is not None and reference is not None:
        folded = fold_with_index(text)[0]
        assert list(found.spans(folded)) == [m.span() for m in reference.finditer(folded) if m.end() > m.start()]


def test_snippet_bolds_the_whole_word_of_a_prefix_match_and_cuts_with_ellipses() -> None:
    s = snippet(make_paper(), ["gauss"], width=80)
    assert "**Gaussian**" in s
    assert s.startswith("…") and s.endswith("…")
    assert len(s.replace("**", "")) <= 80 + 2


def test_snippet_phrase_and_several_terms() -> None:
    s = snippet(make_paper(), ["gaussian splatting", "avatars"], width=160)
    assert "**Gaussian Splatting**" in s
    assert "**avatars**" in s


def test_snippet_chinese_word_in_summary() -> None:
    s = snippet(make_paper(), ["泼溅"], width=30)
    assert "**泼溅**" in s
    assert "高斯**泼溅**" in s


def test_snippet_chinese_only_in_takeaways() -> None:
    s = snippet(make_paper(), ["每秒"], width=40)
    assert "**每秒**" in s


def test_snippet_accent_insensitive() -> None:
    paper = make_paper(abstract="Work by the group of José Müller on café lighting.")
    assert "**José**" in snippet(paper, ["jose"])
    assert "**café**" in snippet(paper, ["CAFE"])


def test_snippet_falls_back_to_the_summary_start() -> None:
    paper = make_paper()
    s = snippet(paper, ["avatars2"], width=20)
    assert s == paper.summary[:20] + "…"
    # A summary that could not be recovered is not shown: the abstract's start instead.
    s = snippet(make_paper(flags=["summary_lossy"]), ["nothing"], width=40)
    assert s.startswith("Recent advances in neural rendering") and s.endswith("…")


def test_snippet_prefers_the_field_with_more_terms() -> None:
    paper = make_paper(abstract="Gaussian things. " * 20 + "Gaussian avatars here.")
    s = snippet(paper, ["gaussian", "avatars"], width=60)
    assert "**Gaussian avatars**" in s  # neighbouring matches are bolded as one


def test_snippet_keeps_separate_matches_separate() -> None:
    paper = make_paper(abstract="Talking head generation; the head talking.")
    assert snippet(paper, ["talking", "head"]) == "**Talking head** generation; the **head talking**."
    assert snippet(paper, ["generation", "the"]) == "Talking head **generation**; **the** head talking."


def test_snippet_escapes_markdown_and_collapses_whitespace() -> None:
    paper = make_paper(abstract="The loss *L_2* uses\n  `code` and a|b near Gaussian terms.")
    s = snippet(paper, ["gaussian"])
    assert "\\*L\\_2\\*" in s and "\\`code\\`" in s and "a\\|b" in s
    assert "\n" not in s and "  " not in s
    assert "**Gaussian**" in s


def test_snippet_whole_short_text_has_no_ellipses() -> None:
    paper = make_paper(abstract="Short Gaussian abstract.")
    assert snippet(paper, ["gaussian"]) == "Short **Gaussian** abstract."


def test_snippet_word_boundaries() -> None:
    paper = make_paper(abstract="Non-Gaussian and degaussing and gaussian.")
    s = snippet(paper, ["gauss"])
    assert s == "Non-**Gaussian** and degaussing and **gaussian**."
