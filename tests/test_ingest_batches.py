"""Ingest stores posts a batch at a time (one transaction per batch): a batch is stored whole or not
at all, and an ingest killed at any point converges to what an uninterrupted one stores."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs.models import ParsedPost
from jobs.pipeline import STORE_BATCH_POSTS
from jobs.sources.base import Fetched, PostRef
from jobs.store import Store
from tests.postgen import Entry, write_kedreamix

ROOT = Path(__file__).resolve().parents[1]
TOPICS = ["3DGS", "NeRF", "LLM", "GAN", "Diffusion Models"]


def write_archive(root: Path, days: int) -> int:
    """`days` days of posts, 5 topics a day, 6 papers a post; every third paper of a day is listed
    again the next day under another topic with a newer version (a merge). Returns the post count."""
    posts = 0
    for d in range(days):
        date = f"2024-{1 + d // 28:02d}-{1 + d % 28:02d}"
        for t, topic in enumerate(TOPICS):
            listed = [Entry(arxiv_id=f"2405.{d:03d}{t}{i}", title=f"Paper {d}-{t}-{i} on {topic}")
                      for i in range(6)]
            if d:
                listed += [Entry(arxiv_id=f"2405.{d - 1:03d}{(t + 1) % 5}{i}", title=f"Paper {d}-{t}-{i} again",
                                 abstract="A longer abstract of the second version.") for i in (0, 3)]
            write_kedreamix(root, topic, date, listed)
            posts += 1
    return posts


def config(tmp: Path, posts: Path, db: Path) -> Path:
    cfg = tmp / f"{db.stem}.yaml"
    cfg.write_text(f"database:\n  path: {db}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    return cfg


def ingest(cfg: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "--config", str(cfg), "ingest"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def contents(db: Path) -> tuple[list[tuple], list[tuple], list[tuple], int]:
    """What a reader sees, without timestamps and row ids: posts, papers, appearances, and how many
    papers the full-text index finds."""
    with sqlite3.connect(db) as conn:
        posts = conn.execute("SELECT path, version, status, topic, post_date, paper_count FROM posts "
                             "ORDER BY path").fetchall()
        papers = conn.execute("SELECT arxiv_id, version, title, authors, comment, images, flags, body "
                              "FROM papers ORDER BY arxiv_id").fetchall()
        appearances = conn.execute(
            "SELECT p.arxiv_id, po.path, a.topic, a.post_date, a.position FROM appearances a "
            "JOIN papers p ON p.id = a.paper_id JOIN posts po ON po.id = a.post_id ORDER BY 1, 2").fetchall()
        indexed = conn.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'paper'").fetchone()[0]
        conn.execute("INSERT INTO papers_fts (papers_fts) VALUES ('integrity-check')")
    return posts, papers, appearances, indexed


def stored_posts(db: Path) -> int:
    try:
        with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM posts").fetchone()[0])
    except sqlite3.Error:  # not created yet
        return 0


def test_an_ingest_killed_mid_run_converges_to_an_uninterrupted_one(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    total = write_archive(posts, days=120)
    clean_db, killed_db = tmp_path / "clean.db", tmp_path / "killed.db"
    assert ingest(config(tmp_path, posts, clean_db)).wait(timeout=300) == 0

    proc = ingest(config(tmp_path, posts, killed_db))
    try:
        deadline = time.monotonic() + 120
        while stored_posts(killed_db) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)  # at the first committed batch: the rest is in flight
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    assert 0 < stored_posts(killed_db) < total  # some batches committed, not all
    with sqlite3.connect(killed_db) as conn:
        assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] % STORE_BATCH_POSTS == 0, \
            "a batch stored in part"

    assert ingest(config(tmp_path, posts, killed_db)).wait(timeout=300) == 0
    again = contents(killed_db)
    assert again == contents(clean_db)
    assert len(again[0]) == total and again[3] == len(again[1])


async def test_a_batch_of_posts_is_stored_whole_or_not_at_all(tmp_path: Path) -> None:
    from jobs.formats import parse_post
    from tests.postgen import entries, kedreamix

    good = parse_post(kedreamix("3DGS", "2024-05-06", entries("1", 3)).encode(), "2024-05-06/3DGS.md")
    broken = parse_post(kedreamix("NeRF", "2024-05-06", entries("2", 3)).encode(), "2024-05-06/NeRF.md")
    broken.papers[1].authors = [object()]  # type: ignore[list-item]  # cannot be stored: fails mid-batch
    async with await Store.open(tmp_path / "p.db") as store:
        sid = await store.upsert_source("local", "directory", "kedreamix", str(tmp_path))
        batch = [(PostRef("2024-05-06/3DGS.md", "v1"), Fetched(b""), good),
                 (PostRef("2024-05-06/NeRF.md", "v1"), Fetched(b""), broken)]
        with pytest.raises(TypeError):
            await store.record_posts(sid, batch)
        assert await store.post_states(sid) == {}
        assert (await store.counts())["papers"] == 0
        outcomes = await store.record_posts(sid, [batch[0], (batch[1][0], batch[1][1], ParsedPost([]))])
        assert [o.new_papers for o in outcomes] == [3, 0]
        assert (await store.counts())["papers"] == 3
