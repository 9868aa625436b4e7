"""Upgrading a database an older Paperboy made: build it with the early migrations only (as that
Paperboy left it), put rows in with the SQL of that time, then open it with this code."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from jobs.models import Paper, ParsedPost
from jobs.sources.base import Fetched, PostRef
from jobs.store import SCHEMA_VERSION, Store
from jobs.store.migrate import MIGRATIONS
from jobs.store.rows import fts_row


def old_rows(db: Path, version: int) -> None:
    """Rows as the Paperboy of schema `version` wrote them."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("INSERT INTO sources (id, name, kind, format, location) VALUES (1, 'k', 'directory', "
                     "'kedreamix', '/x')")
        conn.execute("INSERT INTO posts (id, source_id, path, version, status, topic, post_date, paper_count, "
                     "fetched_at) VALUES (1, 1, 'a.md', 'v1', 'ok', '3DGS', '2024-05-06', 1, '2024-05-06T00:00:00Z')")
        paper = Paper(arxiv_id="2401.00001", version=1, title="Okapi splatting", authors=["Ada Lovelace"],
                      abstract="We splat.", summary="高斯泼溅方法。", takeaways=["要点"])
        conn.execute("INSERT INTO papers (id, arxiv_id, version, title, authors, abstract, summary, takeaways, "
                     "first_seen) VALUES (1, ?, 1, ?, ?, ?, ?, ?, '2024-05-06T00:00:00Z')",
                     (paper.arxiv_id, paper.title, json.dumps(paper.authors), paper.abstract, paper.summary,
                      json.dumps(paper.takeaways, ensure_ascii=False)))
        conn.execute("INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", fts_row(1, paper))
        conn.execute("INSERT INTO appearances (paper_id, post_id, topic, post_date, position) "
                     "VALUES (1, 1, '3DGS', '2024-05-06', 0)")
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
        for query in ('"okapi"', '"高斯"', '"lovelace"', '"2401.00001"'):
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



async def test_a_database_of_the_previous_schema_gets_the_lean_index_and_answers_the_same(tmp_path: Path) -> None:
    db = tmp_path / "six.db"
    with closing(sqlite3.connect(db)) as conn:  # the previous Paperboy's file: 4 KiB pages
        for statement in ("PRAGMA page_size = 4096", "CREATE TABLE x (a)", "DROP TABLE x"):
            conn.execute(statement)
    queries = ['"gauss"*', '"splatting"', '"高斯" AND "泼溅"', '"lovelace"', '"2401.00007"', '"okapi"* AND "we"']
    lean = next(m.version for m in MIGRATIONS if m.name.endswith("_lean_search_index.sql"))
    async with await Store.open(db, schema=lean - 1) as s:  # the schema before the lean index
        for n in range(120):
            await s.record_post(1 if n else await s.upsert_source("k", "directory", "kedreamix", "/x"),
                                PostRef(f"{n}.md", "v"), Fetched(b""), ParsedPost(papers=[Paper(
                                    arxiv_id=f"2401.{n:05d}", version=1,
                                    title=f"Okapi Gaussian splatting {n}" if n % 3 else f"Other {n}",
                                    authors=["Ada Lovelace"] if n % 5 == 0 else ["Alan Turing"],
                                    abstract="We splat Gaussians. " * (n % 7 + 1), summary="高斯泼溅方法。" * (n % 4),
                                    takeaways=["要点"])], topic="3DGS", date=f"2024-05-{n % 28 + 1:02d}"))
        before = {q: await s.search(q, limit=10) for q in queries}
    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION
        after = {q: await s.search(q, limit=10) for q in queries}
        page_size = await s._one("PRAGMA page_size")
        fts_sql = await s._one("SELECT sql FROM sqlite_master WHERE name = 'papers_fts'")
        free_pages = await s._one("PRAGMA freelist_count")  # the dropped index's pages were given back
    assert all(before[q][1] > 0 for q in queries)
    assert {q: ([h.paper.arxiv_id for h in hits], n) for q, (hits, n) in after.items()} == {
        q: ([h.paper.arxiv_id for h in hits], n) for q, (hits, n) in before.items()}
    assert page_size == 16384 and "prefix" not in fts_sql and free_pages == 0
