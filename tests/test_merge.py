"""One merge rule for two copies of a paper, whether they are repeats inside one post (the format's
dedupe) or the same paper in two posts (the store): both paths give the same paper."""

from __future__ import annotations

from pathlib import Path

from jobs.formats import parse_post
from jobs.models import Paper
from jobs.sources.base import Fetched, PostRef
from jobs.store import Store
from tests.postgen import Entry, daily_arxiv_line

# The first copy: version 1, a summary damaged beyond repair (a dropped byte), a comment.
FIRST = Entry(arxiv_id="2405.00001v1", title="Old title", summary="本文提出\ufffd了一种方法。",
              comment="Accepted at CVPR")
# The second: version 2 with a new title and a clean summary, no comment.
SECOND = Entry(arxiv_id="2405.00001v2", title="New title", summary="本文提出了一种更好的方法。",
               authors=["Ada Lovelace"])


def check(p: Paper) -> None:
    assert p.version == 2
    assert p.title == "New title"  # metadata from the newer version
    assert p.authors == ["Ada Lovelace"]
    assert p.comment == "Accepted at CVPR"  # the newer copy had none: filled from the older
    assert p.summary == "本文提出了一种更好的方法。"  # the clean copy replaces an unrecoverable one
    assert "summary_lossy" not in p.flags
    assert p.links["pdf"].endswith("2405.00001v2")


def test_repeats_inside_one_post_merge_by_the_rule() -> None:
    post = parse_post("\n".join([daily_arxiv_line(FIRST), daily_arxiv_line(SECOND)]) + "\n",
                      "data/2024-05-06.jsonl", "daily-arxiv")
    assert len(post.papers) == 1
    check(post.papers[0])


async def test_the_same_paper_in_two_posts_merges_by_the_same_rule(tmp_path: Path) -> None:
    first = parse_post(daily_arxiv_line(FIRST) + "\n", "data/2024-05-06.jsonl", "daily-arxiv")
    second = parse_post(daily_arxiv_line(SECOND) + "\n", "data/2024-05-07.jsonl", "daily-arxiv")
    assert "summary_lossy" in first.papers[0].flags
    async with await Store.open(tmp_path / "p.db") as store:
        sid = await store.upsert_source("d", "directory", "daily-arxiv", "/x")
        await store.record_post(sid, PostRef("data/2024-05-06.jsonl", "v"), Fetched(b""), first)
        await store.record_post(sid, PostRef("data/2024-05-07.jsonl", "v"), Fetched(b""), second)
        got = await store.get_paper("2405.00001")
    assert got is not None
    check(got)


async def test_a_clean_summary_seen_first_stays_in_both_paths(tmp_path: Path) -> None:
    clean_first = Entry(arxiv_id="2405.00002v1", title="T", summary="第一个摘要。")
    later = Entry(arxiv_id="2405.00002v2", title="T2", summary="第二个摘要。")
    in_post = parse_post(daily_arxiv_line(clean_first) + "\n" + daily_arxiv_line(later) + "\n",
                         "data/2024-05-06.jsonl", "daily-arxiv").papers[0]
    async with await Store.open(tmp_path / "p.db") as store:
        sid = await store.upsert_source("d", "directory", "daily-arxiv", "/x")
        for i, e in enumerate((clean_first, later)):
            await store.record_post(sid, PostRef(f"{i}.jsonl", "v"), Fetched(b""),
                                    parse_post(daily_arxiv_line(e) + "\n", f"data/2024-05-0{i + 6}.jsonl",
                                               "daily-arxiv"))
        across = await store.get_paper("2405.00002")
    assert across is not None
    assert (in_post.summary, in_post.title) == (across.summary, across.title) == ("第一个摘要。", "T2")


def test_the_ai_parts_flag_goes_with_the_takeaways_kept() -> None:
    """daily-arXiv names its parts with a flag; a merge keeps the flag of the copy whose takeaways it
    keeps (the earlier copy's), never both copies' flags."""
    from jobs.merge import merge
    from jobs.present.parts import part_names

    first = Paper(arxiv_id="2405.00001", version=1, title="T", takeaways=["动机。", "结论。"],
                  flags=["ai_parts=motivation,conclusion"])
    second = Paper(arxiv_id="2405.00001", version=2, title="T", takeaways=["一。", "二。", "三。"], flags=[])
    kept = merge(first, second)
    assert kept.takeaways == ["动机。", "结论。"] and kept.flags == ["ai_parts=motivation,conclusion"]
    assert part_names(kept) == ["motivation", "conclusion"]
    # An earlier copy with no takeaways gives way to the later one's, and its parts flag with them.
    empty = Paper(arxiv_id="2405.00001", version=1, title="T", flags=["ai_parts=motivation"])
    later = Paper(arxiv_id="2405.00001", version=1, title="T", takeaways=["动机。", "方法。"],
                  flags=["ai_parts=motivation,method"])
    assert merge(empty, later).flags == ["ai_parts=motivation,method"]
