"""The last fidelity gaps in Kedreamix posts (issue 23, item 3): a bold summary line without a label, a
paper listed twice with different takeaways, and a post that went through GBK or Latin-1 upstream.

Small posts are written here (tests.postgen); the tests over the real posts in ../shared/digests skip
when the folder is absent."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from jobs.formats import parse_post
from jobs.models import ParsedPost
from jobs.sources.base import Fetched, PostRef
from jobs.store import Store
from jobs.text import repair_mojibake
from tests.postgen import Entry, entries, kedreamix

SHARED = Path(__file__).resolve().parents[2] / "shared" / "digests"
REAL = sorted((SHARED / "kedreamix").glob("*/*.md")) if SHARED.is_dir() else []
needs_real = pytest.mark.skipif(not REAL, reason=f"no shared digests at {SHARED}")

SUMMARY = "本文提出了一种基于三维高斯的新方法，在标准基准上效果很好。"


def parse(text: str, path: str = "2024-05-06/3DGS.md") -> ParsedPost:
    return parse_post(text.encode("utf-8"), path, "kedreamix")


# --- a summary written as a bold line ---------------------------------------------------------------------


def test_a_bold_summary_line_without_a_label_is_the_summary() -> None:
    post = kedreamix("3DGS", "2024-05-06", entries("1", 1, summary=SUMMARY))
    bold = post.replace(f"**Summary**\n{SUMMARY}", f"**{SUMMARY}**")
    assert "**Summary**" not in bold
    paper = parse(bold).papers[0]
    assert paper.summary == SUMMARY
    assert paper.takeaways == ["提出新方法。", "效果很好。"]


def test_a_short_bold_summary_under_a_label_or_none_is_kept() -> None:
    short = "一种新方法。"  # as short as a label: the full stop makes it a sentence
    post = kedreamix("3DGS", "2024-05-06", entries("1", 2, summary=short))
    first, second = post.split("## Paper 1-2")
    text = first.replace(f"**Summary**\n{short}", f"**{short}**") + "## Paper 1-2" + second.replace(
        f"**Summary**\n{short}", f"**Summary**\n**{short}**"
    )
    assert [p.summary for p in parse(text).papers] == [short, short]


def test_a_bold_label_is_not_taken_for_a_summary() -> None:
    post = kedreamix("3DGS", "2024-05-06", entries("1", 1, summary=SUMMARY))
    labelled = post.replace(f"**Summary**\n{SUMMARY}", "**论文及项目相关链接**\n**链接**：")
    assert parse(labelled).papers[0].summary == ""


@needs_real
def test_real_posts_with_their_summaries_written_as_bold_lines_read_the_same() -> None:
    """Every real summary label dropped and its paragraph made one bold line: the same summaries."""
    label = re.compile(r"^\*\*(?:Summary|摘要|概述)\s*[:：]?\*\*[ \t]*\n(?:[ \t]*\n)?([^\n*][^\n]*)$", re.M)
    changed = 0
    for path in REAL:
        text = path.read_text(encoding="utf-8")
        bold, n = label.subn(lambda m: f"**{m.group(1).strip()}**", text)
        if not n:
            continue
        changed += n
        want = [(p.arxiv_id, p.summary) for p in parse(text, str(path)).papers]
        assert [(p.arxiv_id, p.summary) for p in parse(bold, str(path)).papers] == want, path
    assert changed > 400


# --- a paper listed twice in one post ---------------------------------------------------------------------


def test_a_paper_listed_twice_keeps_both_sets_of_takeaways_without_repeats() -> None:
    first = Entry(arxiv_id="2405.00001", title="One paper", takeaways=["提出新方法。", "效果很好。"])
    second = Entry(arxiv_id="2405.00001", title="One paper", takeaways=["效果很好", "代码已开源。"])
    post = parse(kedreamix("3DGS", "2024-05-06", [first, second]))
    assert len(post.papers) == 1
    # the earlier listing's lines first; '效果很好' differs only by its full stop, so it is not repeated
    assert post.papers[0].takeaways == ["提出新方法。", "效果很好。", "代码已开源。"]
    assert any("repeated inside the post" in p for p in post.problems)


async def test_takeaways_join_only_inside_one_post_and_the_store_keeps_them(tmp_path: Path) -> None:
    """The same merge rule in the store: a post's joined takeaways are stored; a later post's different
    takeaways do not join (the ones a reader saw first stay)."""
    first = Entry(arxiv_id="2405.00001", title="One paper", takeaways=["提出新方法。"])
    second = Entry(arxiv_id="2405.00001", title="One paper", takeaways=["代码已开源。"])
    later = Entry(arxiv_id="2405.00001", title="One paper", takeaways=["另一个主题的要点。"])
    one = parse(kedreamix("3DGS", "2024-05-06", [first, second]), "2024-05-06/3DGS.md")
    other = parse(kedreamix("NeRF", "2024-05-07", [later]), "2024-05-07/NeRF.md")
    async with await Store.open(tmp_path / "p.db") as store:
        sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
        await store.record_post(sid, PostRef("2024-05-06/3DGS.md", "v"), Fetched(b""), one)
        await store.record_post(sid, PostRef("2024-05-07/NeRF.md", "v"), Fetched(b""), other)
        got = await store.get_paper("2405.00001")
    assert got is not None
    assert got.takeaways == ["提出新方法。", "代码已开源。"]


@needs_real
def test_real_repeated_papers_have_no_repeated_takeaway_lines() -> None:
    """Real repeats carry the same takeaways twice: they are kept once (a line an LLM itself wrote twice
    in one listing is that listing's, and is left alone)."""
    repeated = 0
    for path in REAL:
        text = path.read_text(encoding="utf-8")
        ids = re.findall(r"\[PDF\]\(https?://arxiv\.org/abs/(\d{4}\.\d{4,5})", text)
        twice = {i for i in ids if ids.count(i) > 1}
        for paper in parse(text, str(path)).papers:
            if paper.arxiv_id in twice:
                repeated += 1
                assert len(paper.takeaways) == len(set(paper.takeaways)), (path, paper.arxiv_id)
    assert repeated >= 10


# --- mojibake from GBK and Latin-1 ------------------------------------------------------------------------


def mojibake(text: str, how: str) -> str:
    """What an upstream tool does: the post's UTF-8 bytes decoded in another encoding, its errors handled
    as Python's decoders (and iconv -c, for 'ignore') handle them; the result saved as UTF-8 again."""
    codec, _, errors = how.partition(":")
    return text.encode("utf-8").decode(codec, errors=errors or "strict")


HOW = ["gbk:replace", "gbk:ignore", "gb18030:replace", "latin-1", "cp1252:ignore", "cp1252:replace"]


def flat(post: ParsedPost) -> str:
    """What a reader sees of a post's papers, as one text."""
    return "\n".join(
        "\n".join([p.arxiv_id, p.title, ", ".join(p.authors), p.abstract, p.summary, *p.takeaways, p.comment])
        for p in post.papers
    )


def similarity(clean: str, damaged: str, path: str) -> float:
    """difflib's ratio over the two parses, paper by paper (one SequenceMatcher over a whole post takes
    minutes): 2 * matching characters / all characters."""
    a, b = parse(clean, path).papers, parse(damaged, path).papers
    assert [p.arxiv_id for p in a] == [p.arxiv_id for p in b]
    matched = total = 0
    for x, y in zip(a, b, strict=True):
        fx, fy = flat(ParsedPost(papers=[x])), flat(ParsedPost(papers=[y]))
        matched += sum(m.size for m in difflib.SequenceMatcher(None, fx, fy, autojunk=False).get_matching_blocks())
        total += len(fx) + len(fy)
    return 2 * matched / total if total else 1.0  # an empty post stays empty


CLEAN = kedreamix(
    "元宇宙/虚拟人",
    "2024-05-06",
    entries("2", 4, summary=SUMMARY, takeaways=["提出新方法A。", "效果很好，速度快。", "代码开源：见项目主页。"]),
)


@pytest.mark.parametrize("how", HOW)
def test_a_mojibake_post_is_repaired_to_near_the_clean_post(how: str) -> None:
    damaged = mojibake(CLEAN, how)
    assert damaged != CLEAN
    assert similarity(CLEAN, damaged, "2024-05-06/元宇宙_虚拟人.md") >= 0.95
    post = parse(damaged, "2024-05-06/元宇宙_虚拟人.md")
    # GBK loses the odd byte before '/': the damaged title gives way to the file name
    assert post.topic in ("元宇宙/虚拟人", "元宇宙_虚拟人")
    assert all(p.summary and p.takeaways for p in post.papers)


def test_a_byte_replaced_in_a_cp1252_copy_costs_one_character() -> None:
    """cp1252 leaves 0x81 0x8D 0x8F 0x90 0x9D undefined; a copy that replaced them with U+FFFD lost one byte of
    a character: that character is lost (one U+FFFD, flagged), not it and the rest of its bytes, so a heading
    such as '**摘要**' (要 is E8 A6 81) is still found and the summary under it kept."""
    damaged = mojibake("**摘要**\n本文提出新方法。", "cp1252:replace")
    # 提 (E6 8F 90) had two such bytes: it is lost too, once
    assert repair_mojibake(damaged, mark_lost=True) == ("**摘\ufffd**\n本文\ufffd出新方法。", True)
    post = CLEAN.replace("**Summary**", "**摘要**")
    paper = parse(mojibake(post, "cp1252:replace"), "2024-05-06/元宇宙_虚拟人.md").papers[0]
    assert paper.summary and "summary_lossy" in paper.flags


def test_gbk_repair_says_so_and_flags_what_it_lost() -> None:
    post = parse(mojibake(CLEAN, "gbk:replace"))
    assert any("UTF-8 read as GBK" in p for p in post.problems)
    # a character whose byte the decoder replaced is gone, and the field says so; the rest reads right
    for paper in post.papers:
        assert "summary_lossy" in paper.flags
        assert difflib.SequenceMatcher(None, paper.summary, SUMMARY).ratio() >= 0.85
        assert len(paper.takeaways) == 3


def test_gbk_mojibake_past_the_first_megabyte_is_found() -> None:
    """The markers are searched a megabyte at a time (a worker thread lets the GIL go between): mojibake that
    starts after a megabyte of ASCII is repaired as one at the top is."""
    post = parse("<!-- " + "x" * (1 << 20) + " -->\n" + mojibake(CLEAN, "gbk:replace"))
    assert any("UTF-8 read as GBK" in p for p in post.problems)
    assert len(post.papers) == 4


def test_clean_chinese_is_not_taken_for_gbk_mojibake() -> None:
    post = parse(CLEAN)
    assert not any("mojibake" in p for p in post.problems)
    assert [p.summary for p in post.papers] == [SUMMARY] * 4


@needs_real
@pytest.mark.parametrize("how", ["gbk:replace", "latin-1", "cp1252:replace"])
def test_real_posts_made_mojibake_are_repaired_to_095(how: str) -> None:
    worst = 1.0
    for path in REAL:
        text = path.read_text(encoding="utf-8")
        worst = min(worst, similarity(text, mojibake(text, how), str(path)))
    assert worst >= 0.95


@needs_real
def test_real_clean_posts_are_not_repaired() -> None:
    for path in REAL:
        assert not any("mojibake" in p for p in parse(path.read_text(encoding="utf-8"), str(path)).problems), path
