"""Upgrading a database an older Paperboy made: build it with the early migrations only (as that
Paperboy left it), put rows in with the SQL of that time, then open it with this code."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from jobs.models import Paper, ParsedPost
from jobs.sources.base import Fetched, PostRef
from jobs.store import SCHEMA_VERSION, Store
from jobs.store.migrate import MIGRATIONS
from jobs.store.rows import fts_row, j, pack_body

OKAPI = Paper(arxiv_id="2401.00001", version=1, title="Okapi splatting", authors=["Ada Lovelace"],
              abstract="We splat.", summary="高斯泼溅方法。", takeaways=["第一条。", "斑马条纹。"],
              links={"abs": "https://arxiv.org/abs/2401.00001", "code": "https://github.com/a/okapi"},
              topic="3DGS", date="2024-05-06")


def old_post(conn: sqlite3.Connection, post_id: int, path: str, topic: str, date: str) -> None:
    conn.execute("INSERT OR IGNORE INTO sources (id, name, kind, format, location) VALUES (1, 'k', 'directory', "
                 "'kedreamix', '/x')")
    conn.execute("INSERT INTO posts (id, source_id, path, version, status, topic, post_date, paper_count, "
                 "fetched_at) VALUES (?, 1, ?, 'v1', 'ok', ?, ?, 1, '2024-05-06T00:00:00Z')",
                 (post_id, path, topic, date))


def old_paper(conn: sqlite3.Connection, paper_id: int, post_id: int, p: Paper, version: int = 11) -> None:
    """A paper, its index row and its appearance as Paperboy wrote them at schema `version` (up to
    11 the text in plain columns, from 12 packed in `body`)."""
    if version >= 12:
        conn.execute("INSERT INTO papers (id, arxiv_id, version, title, authors, body, comment, images, flags, "
                     "first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1714953600)",
                     (paper_id, p.arxiv_id, p.version, p.title, j(p.authors), pack_body(p), p.comment,
                      j(p.images), j(p.flags)))
    else:
        conn.execute("INSERT INTO papers (id, arxiv_id, version, title, authors, abstract, summary, takeaways, "
                     "comment, links, images, flags, first_seen) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '2024-05-06T00:00:00.250000Z')",
                     (paper_id, p.arxiv_id, p.version, p.title, j(p.authors), p.abstract, p.summary,
                      j(p.takeaways), p.comment, j(p.links), j(p.images), j(p.flags)))
    conn.execute("INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)", fts_row(paper_id, p))
    conn.execute("INSERT INTO appearances (paper_id, post_id, topic, post_date, position) VALUES (?, ?, ?, ?, 0)",
                 (paper_id, post_id, p.topic, p.date))


def old_rows(db: Path, version: int) -> None:
    """Rows as the Paperboy of schema `version` wrote them."""
    with closing(sqlite3.connect(db)) as conn, conn:
        old_post(conn, 1, "a.md", "3DGS", "2024-05-06")
        old_paper(conn, 1, 1, OKAPI, version)
        if version >= 2:
            conn.execute("INSERT INTO cycles (id, trigger, started_at) VALUES (1, 'test', '2024-05-06T00:00:00Z')")
            conn.execute("INSERT INTO feeds (guild_id, channel_id, topic, cursor, created_at) "
                         "VALUES (5, 50, '3DGS', 1, '2024-05-06T00:00:00Z')")
            conn.execute("INSERT INTO outbox (id, cycle_id, kind, target_id, guild_id, feed_id, payload, created_at) "
                         "VALUES (1, 1, 'channel', 50, 5, 1, '{\"papers\": [\"2401.00001\"]}', "
                         "'2024-05-06T00:00:00Z')")
            conn.execute("INSERT INTO delivered VALUES ('channel', 50, 1, 1)")
            conn.execute("INSERT INTO meta VALUES ('dm_cursor', '7')")
        if version >= 4:
            conn.execute("INSERT INTO subscriptions (user_id, kind, value, folded, paper_cursor, created_at) "
                         "VALUES (9, 'topic', '3DGS', '3dgs', 0, '2024-05-06T00:00:00Z')")
            conn.execute("INSERT INTO dm_users (user_id, dm_channel_id) VALUES (9, 90)")


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_an_older_database_upgrades_with_its_data(tmp_path: Path, version: int) -> None:
    db = tmp_path / "old.db"
    async with await Store.open(db, schema=version) as s:
        assert await s.schema_version() == version
    old_rows(db, version)

    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION
        got = await s.get_paper("2401.00001")
        assert got is not None and (got.title, got.topic, got.date) == ("Okapi splatting", "3DGS", "2024-05-06")
        assert (got.abstract, got.summary, got.takeaways, got.links) == (
            OKAPI.abstract, OKAPI.summary, OKAPI.takeaways, OKAPI.links)
        for query in ('"okapi"', '"splat"', '"高斯"', '"斑马"', '"lovelace"', '"2401.00001"'):
            assert (await s.search(query, limit=5))[1] == 1, query
        if version >= 2:
            assert [(f.channel_id, f.topic, f.cursor) for f in await s.feeds()] == [(50, "3DGS", 1)]
            # A feed made before styles keeps the cards it had; a new one is a digest.
            assert [f.style for f in await s.feeds()] == ["cards"]
            new, _ = await s.add_feed(5, 51, "3DGS", [], None)
            assert new.style == "digest"
            assert [i.payload for i in await s.pending()] == [{"papers": ["2401.00001"]}]
            assert await s.get_meta("dm_cursor") == "7"
            assert await s.delivered_papers("channel", [50], [1]) == {(50, 1)}
        if version >= 4:
            assert [(x.user_id, x.value) for x in await s.subscriptions()] == [(9, "3DGS")]
            assert (await s.dm_state(9)).dm_channel_id == 90
        # Everything after works on the upgraded file: a newer copy of the paper replaces its index row.
        await s.record_post(1, PostRef("b.md", "v"), Fetched(b""), ParsedPost(
            papers=[Paper(arxiv_id="2401.00001", version=2, title="Zebra splatting")], topic="3DGS",
            date="2024-05-07"))
        assert (await s.search('"zebra"', limit=5))[1] == 1 and (await s.search('"okapi"', limit=5))[1] == 0
        async with s.transaction() as conn, conn.execute(
            "INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')"
        ):
            pass


def test_migrations_are_numbered_sql_files_split_into_statements() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))
    assert all(m.name.endswith(".sql") for m in MIGRATIONS)
    first = MIGRATIONS[0].statements()
    assert len(first) == 7 and first[-1].startswith("CREATE VIRTUAL TABLE papers_fts")
    assert not any(s.lstrip().startswith("--") for m in MIGRATIONS for s in m.statements())


def sample_papers(count: int) -> list[Paper]:
    """Papers with every field in use, some words shared, so that searches rank and tie."""
    return [Paper(arxiv_id=f"2401.{n:05d}", version=1, title=f"Okapi Gaussian splatting {n}" if n % 3 else f"Other {n}",
                  authors=["Ada Lovelace"] if n % 5 == 0 else ["Alan Turing"],
                  abstract="We splat Gaussians. " * (n % 7 + 1), summary="高斯泼溅方法。" * (n % 4),
                  takeaways=["要点", "斑马条纹。"] if n % 2 else [], comment="CVPR 2024" if n % 4 else "",
                  links={"abs": f"https://arxiv.org/abs/2401.{n:05d}", "pdf": f"https://arxiv.org/pdf/2401.{n:05d}v1"},
                  images=[f"https://img/{n}.png"] if n % 6 == 0 else [], flags=["summary_lossy"] if n == 7 else [],
                  topic="3DGS" if n % 2 else "NeRF", date=f"2024-05-{n % 28 + 1:02d}") for n in range(count)]


async def fill_old(db: Path, version: int, papers: list[Paper], page_size: int = 16384) -> None:
    """The file the Paperboy of schema `version` left, holding `papers` (one post each)."""
    with closing(sqlite3.connect(db)) as conn:  # the page size the Paperboy of that time made files with
        for statement in (f"PRAGMA page_size = {page_size}", "CREATE TABLE x (a)", "DROP TABLE x"):
            conn.execute(statement)
    async with await Store.open(db, schema=version):
        pass
    with closing(sqlite3.connect(db)) as conn, conn:
        for n, p in enumerate(papers, start=1):
            old_post(conn, n, f"{n}.md", p.topic, p.date)
            old_paper(conn, n, n, p)


async def fresh_answers(db: Path, papers: list[Paper], queries: list[str]) -> dict[str, tuple[list[str], int]]:
    """What a database this Paperboy made from the same posts answers."""
    async with await Store.open(db) as s:
        sid = await s.upsert_source("k", "directory", "kedreamix", "/x")
        for n, p in enumerate(papers, start=1):
            await s.record_post(sid, PostRef(f"{n}.md", "v"), Fetched(b""), ParsedPost([p], p.topic, p.date))
        return await answers(s, queries)


async def answers(s: Store, queries: list[str]) -> dict[str, tuple[list[str], int]]:
    out = {}
    for q in queries:
        hits, total = await s.search(q, limit=10)
        out[q] = ([h.paper.arxiv_id for h in hits], total)
    return out


QUERIES = ['"gauss"*', '"splatting"', '"高斯" AND "泼溅"', '"斑马"', '"lovelace"', '"2401.00007"', '"okapi"* AND "we"']


async def test_a_database_of_schema_six_gets_the_lean_index_and_answers_the_same(tmp_path: Path) -> None:
    papers = sample_papers(120)
    lean = next(m.version for m in MIGRATIONS if m.name.endswith("_lean_search_index.sql"))
    db = tmp_path / "six.db"
    await fill_old(db, lean - 1, papers, page_size=4096)  # the previous Paperboy's file: 4 KiB pages
    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION
        after = await answers(s, QUERIES)
        page_size = await s._one("PRAGMA page_size")
        fts_sql = await s._one("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'")
        free_pages = await s._one("PRAGMA freelist_count")  # the dropped index's pages were given back
    expected = await fresh_answers(tmp_path / "fresh.db", papers, QUERIES)
    assert all(total > 0 for _, total in expected.values())
    assert after == expected
    assert page_size == 16384 and "prefix" not in fts_sql and free_pages == 0


async def test_a_database_of_schema_eleven_gets_compressed_text_and_reads_the_same(tmp_path: Path) -> None:
    papers = sample_papers(120)
    compact = next(m.version for m in MIGRATIONS if m.name.endswith("_compact_papers.sql"))
    db = tmp_path / "eleven.db"
    await fill_old(db, compact - 1, papers)
    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION
        got = {p.arxiv_id: await s.get_paper(p.arxiv_id) for p in papers}
        after = await answers(s, QUERIES)
        # Appearances survived the rebuilt table (an implicit DELETE would have cascaded to them).
        assert await s.counts() == {"sources": 1, "posts": 120, "papers": 120, "appearances": 120,
                                    "failed_posts": 0}
        assert await s._all("PRAGMA foreign_key_check") == [] and await s._one("PRAGMA foreign_keys") == 1
        assert await s._one("SELECT DISTINCT first_seen FROM papers") == 1714953600
        assert await s._one("PRAGMA freelist_count") == 0  # the old table's pages were given back
        # Merging a newer copy forgets the index row as the migration left it.
        await s.record_post(1, PostRef("new.md", "v"), Fetched(b""), ParsedPost(
            [Paper(arxiv_id="2401.00001", version=2, title="Quagga", abstract="Zebroid stripes.")], "3DGS",
            "2024-07-01"))
        assert (await s.search('"quagga"', limit=5))[1] == 1 and (await s.search('"zebroid"', limit=5))[1] == 1
        assert "2401.00001" not in [h.paper.arxiv_id for h in (await s.search('"okapi"', limit=200))[0]]
        async with s.transaction() as conn, conn.execute(
            "INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')"
        ):
            pass
    for p in papers:
        moved = got[p.arxiv_id]
        assert moved is not None
        want = p.to_json()
        want.update(source="k", path=f"{papers.index(p) + 1}.md")
        assert moved.to_json() == want, p.arxiv_id
    assert after == await fresh_answers(tmp_path / "fresh.db", papers, QUERIES)
