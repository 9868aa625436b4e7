"""The store on both engines (store_url): dedupe by arXiv id, idempotent re-ingest, the merge rule,
pruning; and on SQLite files alone: WAL, migrations, FTS rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jobs.models import Paper, ParsedPost
from jobs.plan.feeds import plan_feed
from jobs.sources.base import Fetched, PostRef
from jobs.store import SCHEMA_VERSION, Store
from tests.engines import open_store


def paper(arxiv_id: str, topic: str = "3DGS", date: str = "2024-05-06", **kw: object) -> Paper:
    fields: dict = {
        "version": 1,
        "title": f"Paper {arxiv_id}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "abstract": "We splat Gaussians.",
        "summary": "本文提出了一种高斯泼溅方法。",
        "takeaways": ["要点一", "要点二"],
        "links": {"abs": f"https://arxiv.org/abs/{arxiv_id}"},
    }
    fields.update(kw)
    return Paper(arxiv_id=arxiv_id, topic=topic, date=date, **fields)  # type: ignore[arg-type]


def post(*papers: Paper, topic: str = "3DGS", date: str = "2024-05-06") -> ParsedPost:
    return ParsedPost(papers=list(papers), topic=topic, date=date)


def table(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def rows(store: Store, sql: str) -> list[tuple]:
    """A query's rows on either engine (SQL both speak)."""
    return [tuple(r) for r in await store._all(sql)]


async def age_the_outbox(store: Store) -> None:
    async with store.transaction() as db:
        await db.execute("UPDATE outbox SET created_at = '2000-01-01T00:00:00.000000Z'")


@pytest.fixture
async def store(store_url: str):  # type: ignore[no-untyped-def]
    s = await open_store(store_url)
    yield s
    await s.close()


@pytest.fixture
async def lite_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = await Store.open(tmp_path / "paperboy.db")
    yield s
    await s.close()


async def test_new_database_is_wal_and_migrated(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "p.db"
    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION
    assert table(db, "PRAGMA journal_mode") == [("wal",)]
    # Reopening does not re-run migrations.
    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION


async def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(RuntimeError, match="newer than this Paperboy"):
        await Store.open(db)


async def test_same_paper_in_two_posts_is_one_paper_two_appearances(store: Store, tmp_path: Path) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    a = await store.record_post(sid, PostRef("d1/3DGS.md", "v1"), Fetched(b""), post(paper("2401.00001"),
                                                                                      paper("2401.00002")))
    b = await store.record_post(
        sid, PostRef("d1/NeRF.md", "v1"), Fetched(b""),
        post(paper("2401.00002", topic="NeRF"), paper("2401.00003", topic="NeRF"), topic="NeRF"),
    )
    assert (a.new_papers, b.new_papers) == (2, 1)
    assert await rows(store, "SELECT count(*) FROM papers") == [(3,)]
    by_topic = await rows(store, "SELECT topic, count(*) FROM appearances GROUP BY topic")
    assert sorted(by_topic) == [("3DGS", 2), ("NeRF", 2)]
    got = await store.get_paper("2401.00002")
    assert got is not None and got.topic == "NeRF" and got.authors == ["Ada Lovelace", "Alan Turing"]
    topics = {t.topic: t.papers for t in await store.topics()}
    assert topics == {"3DGS": 2, "NeRF": 2}
    # several at once: in the order asked, each once, with its latest appearance; unknown ids left out
    many = await store.get_papers(["2401.00003", "2401.09999", "2401.00001", "2401.00003", "2401.00002"])
    assert [(i, p.topic) for i, p in many.items()] == [("2401.00003", "NeRF"), ("2401.00001", "3DGS"),
                                                      ("2401.00002", "NeRF")]
    assert await store.get_papers([]) == {} and await store.get_papers(["2401.09999"]) == {}


async def test_recording_the_same_post_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    ref, parsed = PostRef("d1/3DGS.md", "v1"), post(paper("2401.00001"), paper("2401.00002"))
    await store.record_post(sid, ref, Fetched(b"", etag='"e1"'), parsed)
    before = [await rows(store, f"SELECT * FROM {t} ORDER BY id") for t in ("papers", "appearances")]
    again = await store.record_post(sid, ref, Fetched(b"", etag='"e1"'), parsed)
    assert again.new_papers == 0
    assert [await rows(store, f"SELECT * FROM {t} ORDER BY id") for t in ("papers", "appearances")] == before
    assert await rows(store, "SELECT count(*) FROM papers_fts") == [(2,)]


async def test_changed_post_adds_new_papers_and_drops_removed_appearances(store: Store, tmp_path: Path) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("p.md", "v1"), Fetched(b""), post(paper("2401.00001"), paper("2401.00002")))
    first_ids = dict(await rows(store, "SELECT p.arxiv_id, a.id FROM appearances a JOIN papers p ON p.id = a.paper_id"))
    out = await store.record_post(sid, PostRef("p.md", "v2"), Fetched(b""), post(paper("2401.00001"),
                                                                              paper("2401.00009")))
    assert out.new_papers == 1
    now = dict(await rows(store, "SELECT p.arxiv_id, a.id FROM appearances a JOIN papers p ON p.id = a.paper_id"))
    assert set(now) == {"2401.00001", "2401.00009"}
    assert now["2401.00001"] == first_ids["2401.00001"]  # an appearance keeps its id: not "new" again
    assert now["2401.00009"] > max(first_ids.values())
    assert await rows(store, "SELECT count(*) FROM papers") == [(3,)]  # the dropped paper is kept


async def test_failed_post_keeps_its_earlier_papers(store: Store, tmp_path: Path) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("p.md", "v1"), Fetched(b""), post(paper("2401.00001")))
    await store.record_failed_post(sid, PostRef("p.md", "v2"), "truncated JSON on line 3")
    states = await store.post_states(sid)
    assert states["p.md"].status == "failed" and states["p.md"].version == "v2"
    assert await store.failed_posts() == [("k", "p.md", "truncated JSON on line 3")]
    assert await rows(store, "SELECT count(*) FROM appearances") == [(1,)]


async def test_a_later_version_updates_metadata_but_keeps_the_first_summary(store: Store) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(paper("2401.00001", summary="第一个摘要")))
    await store.record_post(
        sid, PostRef("b.md", "v"), Fetched(b""),
        post(paper("2401.00001", version=3, title="Better title", summary="第二个摘要",
                   links={"code": "https://github.com/a/b"})),
    )
    got = await store.get_paper("2401.00001")
    assert got is not None
    assert (got.version, got.title, got.summary) == (3, "Better title", "第一个摘要")
    assert got.links == {"abs": "https://arxiv.org/abs/2401.00001", "code": "https://github.com/a/b"}


async def test_lossy_summary_is_replaced_by_a_clean_copy(store: Store) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""),
                            post(paper("2401.00001", summary="æ–¹ broken", flags=["summary_lossy"])))
    got = await store.get_paper("2401.00001")
    assert got is not None and got.flags == ["summary_lossy"]
    await store.record_post(sid, PostRef("b.md", "v"), Fetched(b""), post(paper("2401.00001", summary="干净的摘要")))
    got = await store.get_paper("2401.00001")
    assert got is not None and (got.summary, got.flags) == ("干净的摘要", [])


async def test_fts_rows_index_chinese_as_bigrams(lite_store: Store) -> None:
    sid = await lite_store.upsert_source("k", "directory", "kedreamix", "/x")
    await lite_store.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(paper("2401.00001")))
    found = await rows(lite_store, "SELECT rowid FROM papers_fts WHERE papers_fts MATCH '\"高斯\"'")
    assert found == [(1,)]


async def test_a_merged_paper_is_found_by_its_new_text_only(store: Store) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""),
                                 post(paper("2401.00001", title="Zebra stripes", summary="斑马条纹。")))
    await store.record_post(sid, PostRef("b.md", "v"), Fetched(b""),
                                 post(paper("2401.00001", version=2, title="Okapi patterns")))
    hits, _ = await store.search('"okapi"', limit=5)
    assert [h.paper.arxiv_id for h in hits] == ["2401.00001"]
    assert (await store.search('"zebra"', limit=5))[1] == 0
    assert (await store.search('"斑马"', limit=5))[1] == 1  # the first summary is kept, and still found


async def test_a_paper_updated_twice_is_found_by_its_newest_text_only(store: Store) -> None:
    # Each update forgets the index row as it was stored (the text read back from its compressed
    # form): a wrong one would leave the old words behind in the contentless index.
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    for n, (word, takeaway) in enumerate((("zebra", "斑马"), ("okapi", "霍加狓"), ("quagga", "斑驴"))):
        await store.record_post(sid, PostRef(f"{n}.md", "v"), Fetched(b""), post(paper(
            "2401.00001", version=n + 1, abstract=f"We study the {word} in the wild.",
            authors=[f"Ada {word.title()}"], takeaways=[f"{takeaway}。"])))
    got = await store.get_paper("2401.00001")
    assert got is not None and (got.version, got.abstract) == (3, "We study the quagga in the wild.")
    assert got.takeaways == ["斑马。"]  # what a reader saw first stays (jobs.merge)
    for query, found in (('"quagga"', 1), ('"zebra"', 0), ('"okapi"', 0), ('"斑马"', 1), ('"wild"', 1)):
        assert (await store.search(query, limit=5))[1] == found, query
    if isinstance(store, Store):  # FTS5's own check of its contentless index
        async with store.transaction() as db, db.execute(
                "INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')"):
            pass


async def test_prune_forgets_old_dm_records_but_keeps_channel_records_and_pending_rows(store: Store,
                                                                                       tmp_path: Path) -> None:
    from jobs.records import ALL_TOPICS, DmMessage

    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(paper("2401.00001"), paper("2401.00002")))
    cycle = await store.start_cycle("test")
    feed, _ = await store.add_feed(1, 10, ALL_TOPICS, [], None, "cards")
    await plan_feed(store, cycle, feed, 25)
    await store.plan_dm(cycle, 99, [DmMessage("hi", [(1, "2401.00001", "topic: 3DGS")])])
    await store.plan_dm(cycle, 98, [DmMessage("hi", [(2, "2401.00002", "topic: 3DGS")])])
    for item in await store.pending():
        if item.target_id != 98:  # user 98's DM stays pending
            await store.mark_sent(item.id, 1000 + item.id)
    await age_the_outbox(store)

    assert await store.prune(dm_cursor=2, keep_days=30) == (1, 4)  # user 99's record; 3 channel rows + 1 DM
    kinds = await rows(store, "SELECT kind, target_id FROM delivered ORDER BY kind, target_id")
    assert kinds == [("channel", 10), ("channel", 10), ("dm", 98)]
    assert [i.target_id for i in await store.pending()] == [98]
    assert await store.prune(dm_cursor=2, keep_days=30) == (0, 0)


async def test_planned_dms_record_only_papers_not_delivered_yet_and_count_them(store: Store) -> None:
    """The fan-out's write (on PostgreSQL by COPY, after reading which records are there): a paper delivered to
    a member before is not recorded again, a paper in two of one member's messages is recorded once, with
    the first, and what is returned is the number of papers queued."""
    from jobs.records import DmMessage

    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    ids = ["2401.00001", "2401.00002", "2401.00003"]
    await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(*(paper(i) for i in ids)))
    cycle = await store.start_cycle("test")
    one, two, three = ((n, arxiv_id, "topic: 3DGS") for n, arxiv_id in enumerate(ids, 1))
    assert await store.plan_dm(cycle, 99, [DmMessage("hi", [one])]) == 1
    queued = await store.plan_dms(cycle, [(99, [DmMessage("a", [one, two]), DmMessage("b", [two, three])]),
                                          (98, [DmMessage("c", [one])])])
    assert queued == 3  # member 99: papers 2 and 3 (1 was delivered before); member 98: paper 1
    first, a, b, c = (i.id for i in await store.pending())
    assert await rows(store, "SELECT target_id, paper_id, outbox_id FROM delivered ORDER BY target_id, paper_id") == [
        (98, 1, c), (99, 1, first), (99, 2, a), (99, 3, b)]
    # A message with no papers (plan_dm allows one) is queued and records nothing, on both engines alike.
    assert await store.plan_dms(cycle, [(97, [DmMessage("note", [])])]) == 0
    assert [i.target_id for i in await store.pending()][-1] == 97


async def test_prune_keeps_sent_digest_messages_rows(store: Store, tmp_path: Path) -> None:
    """A digest message's Prev / Next and menu read its papers from its outbox row, months later too."""
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(paper("2401.00001"), paper("2401.00002")))
    cycle = await store.start_cycle("test")
    feed, _ = await store.add_feed(1, 10, "3DGS", [], None)  # a digest
    await plan_feed(store, cycle, feed, 25)
    (item,) = await store.pending()
    await store.mark_sent(item.id, 1000)
    await age_the_outbox(store)
    assert await store.prune(dm_cursor=2, keep_days=30) == (0, 0)
    kept = await store.outbox_item(item.id)
    assert kept is not None and kept.payload["digest"]["papers"] == ["2401.00001", "2401.00002"]


async def test_a_paper_listed_twice_in_one_post_is_one_paper(store: Store, tmp_path: Path) -> None:
    sid = await store.upsert_source("k", "directory", "kedreamix", "/x")
    out = await store.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(
        paper("2401.00001", comment=""), paper("2401.00002"), paper("2401.00001", comment="CVPR 2024")))
    assert out.new_papers == 2
    got = await store.get_paper("2401.00001")
    assert got is not None and got.comment == "CVPR 2024"  # the second copy fills what the first lacked
    assert await rows(store, "SELECT count(*) FROM appearances") == [(2,)]
    # One appearance each, made in listing order, at the place it was last listed (both engines alike).
    assert await rows(store, "SELECT position FROM appearances ORDER BY id") == [(2,), (1,)]
