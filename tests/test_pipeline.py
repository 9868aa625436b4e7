"""Ingest end to end: sources -> formats -> store, and the `ingest` / `parse` / `run --dry-run` commands."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.cli import main
from jobs.config import SourceConfig
from jobs.pipeline import ingest
from jobs.store import Store
from tests.conftest import SHARED_DIGESTS
from tests.postgen import Entry, daily_arxiv_line, entries, kedreamix, write_kedreamix


def local(posts: Path, fmt: str = "kedreamix") -> list[SourceConfig]:
    return [SourceConfig(name="local", kind="directory", format=fmt, path=str(posts))]


def dump(db: Path) -> list[list[tuple]]:
    with sqlite3.connect(db) as conn:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("papers", "appearances")]


async def test_ingest_is_idempotent_and_counts_posts_and_papers(tmp_path: Path, posts_dir: Path) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    write_kedreamix(posts_dir, "NeRF", "2024-05-06", entries("6", 1) + entries("9", 2))  # one repeat
    db = tmp_path / "p.db"
    async with await Store.open(db) as store:
        first = await ingest(store, local(posts_dir))
        before = dump(db)
        second = await ingest(store, local(posts_dir))
    (rep,) = first.sources
    assert (rep.posts_new, rep.posts_changed, rep.posts_failed, rep.papers_new) == (2, 0, 0, 5)
    (again,) = second.sources
    assert (again.posts_new, again.posts_changed, again.posts_unchanged, again.papers_new) == (0, 0, 2, 0)
    assert dump(db) == before


async def test_changed_post_is_reingested_and_broken_posts_do_not_stop_the_run(tmp_path: Path,
                                                                             posts_dir: Path) -> None:
    post = write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    async with await Store.open(tmp_path / "p.db") as store:
        await ingest(store, local(posts_dir))
        post.write_text(kedreamix("3DGS", "2024-05-06", entries("6", 3)), encoding="utf-8")
        (posts_dir / "2024-05-07").mkdir()
        (posts_dir / "2024-05-07" / "empty.md").write_bytes(b"")
        (posts_dir / "2024-05-07" / "binary.md").write_bytes(bytes(range(256)) * 4)
        (posts_dir / "2024-05-07" / "truncated.md").write_text(
            kedreamix("NeRF", "2024-05-07", entries("7", 1))[:150], encoding="utf-8")
        write_kedreamix(posts_dir, "NeRF", "2024-05-08", entries("8", 1))
        report = await ingest(store, local(posts_dir))
        failed = await store.failed_posts()
    (rep,) = report.sources
    # A new post that fails counts as failed, not as new.
    assert (rep.posts_new, rep.posts_changed, rep.posts_failed, rep.papers_new) == (1, 1, 3, 2)
    reasons = {path: reason for _, path, reason in failed}
    assert set(reasons) == {"2024-05-07/empty.md", "2024-05-07/binary.md", "2024-05-07/truncated.md"}
    assert "empty" in reasons["2024-05-07/empty.md"]
    assert "binary" in reasons["2024-05-07/binary.md"]
    assert reasons["2024-05-07/truncated.md"]


async def test_daily_arxiv_jsonl_topics_are_primary_categories(tmp_path: Path, posts_dir: Path) -> None:
    lines = [daily_arxiv_line(Entry("2606.00001", "A vision paper")),
             daily_arxiv_line(Entry("2606.00002", "A language paper"), category="cs.CL"), "{broken json"]
    (posts_dir / "2026-06-30_AI_enhanced_Chinese.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (posts_dir / "2026-06-30.jsonl").write_text("not the enhanced file", encoding="utf-8")  # not included
    async with await Store.open(tmp_path / "p.db") as store:
        report = await ingest(store, local(posts_dir, "daily-arxiv"))
        topics = {t.topic: t.papers for t in await store.topics()}
        paper = await store.get_paper("2606.00002")
    assert report.sources[0].papers_new == 2 and report.sources[0].posts_failed == 0
    assert topics == {"cs.CV": 1, "cs.CL": 1}
    assert paper is not None and paper.date == "2026-06-30" and paper.takeaways[-1] == "结论。"


def github(httpserver: HTTPServer, files: dict[str, bytes]) -> SourceConfig:
    """A local server answering like GitHub's trees API (with ETags) and raw file host."""
    def sha(b: bytes) -> str:
        return hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()

    def tree(request: Request) -> Response:
        body = json.dumps({"sha": "t", "truncated": False, "tree": [
            {"path": f"data/{name}", "mode": "100644", "type": "blob", "sha": sha(data), "size": len(data)}
            for name, data in files.items()]})
        etag = '"' + hashlib.md5(body.encode()).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag, "Content-Type": "application/json"})

    def raw(request: Request) -> Response:
        name = request.path.rsplit("/", 1)[-1]
        return Response(files[name]) if name in files else Response("404: Not Found", status=404)

    httpserver.expect_request("/repos/o/r/git/trees/data").respond_with_handler(tree)
    httpserver.expect_request(__import__("re").compile(r"^/o/r/data/data/.*")).respond_with_handler(raw)
    base = httpserver.url_for("").rstrip("/")
    return SourceConfig(name="gh", kind="github", format="daily-arxiv", path="data", repo="o/r", branch="data",
                        api_url=base, raw_url=base)


async def test_github_source_end_to_end_with_conditional_listing(tmp_path: Path, httpserver: HTTPServer) -> None:
    files = {"2026-06-30_AI_enhanced_Chinese.jsonl": daily_arxiv_line(Entry("2606.00001", "One")).encode()}
    cfg = github(httpserver, files)
    async with await Store.open(tmp_path / "p.db") as store:
        first = await ingest(store, [cfg])
        second = await ingest(store, [cfg])  # 304 on the listing: no file is fetched
        files["2026-07-01_AI_enhanced_Chinese.jsonl"] = daily_arxiv_line(Entry("2607.00001", "Two")).encode()
        third = await ingest(store, [cfg])
    assert first.sources[0].papers_new == 1
    assert second.sources[0].posts_new == 0 and second.sources[0].error is None
    assert (third.sources[0].posts_new, third.sources[0].papers_new) == (1, 1)
    raw_fetches = [r for r, _ in httpserver.log if r.path.startswith("/o/r/")]
    assert len(raw_fetches) == 2  # each file once


async def test_unreachable_source_is_reported_and_others_go_on(tmp_path: Path, posts_dir: Path) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 1))
    sources = [SourceConfig(name="gone", kind="directory", format="kedreamix", path=str(tmp_path / "nope")),
               *local(posts_dir)]
    async with await Store.open(tmp_path / "p.db") as store:
        report = await ingest(store, sources)
    assert report.sources[0].error and "nope" in report.sources[0].error
    assert report.sources[1].papers_new == 1 and not report.ok


def write_config(tmp_path: Path, posts: Path) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'cli.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts}\nschedule:\n  time: '08:30'\n  timezone: UTC\n",
                   encoding="utf-8")
    return cfg


def test_ingest_command_prints_per_source_counts(tmp_path: Path, posts_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    (posts_dir / "bad.md").write_bytes(b"\x00\x01\x02")
    cfg = write_config(tmp_path, posts_dir)
    assert main(["--config", str(cfg), "ingest"]) == 0
    out = capsys.readouterr().out
    assert "local: posts new 1, changed 0, failed 1, unchanged 0; papers new 2" in out
    assert "failed bad.md: " in out
    assert main(["--config", str(cfg), "ingest"]) == 0
    assert "local: posts new 0, changed 0, failed 0, unchanged 2; papers new 0" in capsys.readouterr().out


def test_parse_command_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = write_kedreamix(tmp_path, "3DGS", "2024-05-06",
                           [Entry("2405.60001", "A   wrapped    title", comment="CVPR 2024, https://github.com/a/b")])
    assert main(["parse", str(post), str(tmp_path / "missing.md"), "--json"]) == 0
    out, err = capsys.readouterr()
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert set(record) >= {"arxiv_id", "version", "title", "authors", "abstract", "summary", "takeaways",
                           "comment", "links", "images", "topic", "date"}
    assert (record["arxiv_id"], record["version"], record["title"]) == ("2405.60001", 1, "A wrapped title")
    assert record["links"]["code"] == "https://github.com/a/b"
    assert (record["topic"], record["date"]) == ("3DGS", "2024-05-06")
    assert "missing.md: cannot read" in err
    assert main(["parse", str(tmp_path / "missing.md")]) == 1


def test_run_without_token_is_a_dry_run(tmp_path: Path, posts_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    cfg = write_config(tmp_path, posts_dir)
    assert main(["--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "No DISCORD_TOKEN" in out
    # The day as a new feed posts it: one digest message.
    assert "## 📰 3DGS · 2024-05-06 · 2 papers" in out
    assert "## 1. Paper 6-1 on Gaussian splatting  <https://arxiv.org/abs/2405.60001>" in out
    assert "## 2. Paper 6-2 on Gaussian splatting  <https://arxiv.org/abs/2405.60002>" in out
    assert "DISCORD_TOKEN=<the token>" in out
    assert "Run `bash scripts/run.sh run` again" in out  # a command that works from any shell
    assert main(["--config", str(cfg), "run", "--dry-run"]) == 0
    assert "No new papers since the last cycle" in capsys.readouterr().out


@pytest.mark.skipif(not SHARED_DIGESTS.is_dir(), reason="../shared/digests is not beside the repository")
async def test_shared_digests_ingest_twice_is_idempotent(tmp_path: Path) -> None:
    sources = [
        SourceConfig(name="k", kind="directory", format="kedreamix", path=str(SHARED_DIGESTS / "kedreamix")),
        SourceConfig(name="d", kind="directory", format="daily-arxiv", path=str(SHARED_DIGESTS / "daily-arxiv")),
    ]
    db = tmp_path / "shared.db"
    async with await Store.open(db) as store:
        first = await ingest(store, sources)
        before = dump(db)
        second = await ingest(store, sources)
        counts = await store.counts()
    assert [s.posts_failed for s in first.sources] == [0, 0]
    assert first.sources[0].posts_new == 53 and first.sources[1].posts_new == 2
    assert second.papers_new == 0 and dump(db) == before
    assert counts["papers"] == first.papers_new
