"""What one post or one source may cost: a deadline per request and per source run, a size cap per
answer and per post. Exceeding one fails that post (or that source) with a reason naming the URL and the
config key, and the others go on. Real SQLite files; a local HTTP server that trickles, stalls, or
streams without end.

Before: a server trickling one byte every few seconds was waited on forever (only a per-read timeout),
a stalled one cost 4 x 30 s, an answer of any size was read into memory, and a post of any size was
parsed on the event loop.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.config import Limits, SourceConfig
from jobs.pipeline import ingest
from jobs.store import Store
from tests.postgen import Entry, daily_arxiv_line, entries, write_kedreamix

GOOD = daily_arxiv_line(Entry("2606.00001", "Good paper")).encode()
HOSTILE = daily_arxiv_line(Entry("2606.00002", "Hostile paper")).encode()


def _sha(b: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at teardown: lets every stalled or trickling handler thread of the server finish."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def httpserver(release: threading.Event) -> Iterator[HTTPServer]:
    """A server that answers requests side by side, as GitHub does: with pytest-httpserver's default
    one-at-a-time server, a trickling answer held back the good post's request until its deadline."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    release.set()  # the stalled handlers finish, so the server can stop
    server.clear()
    server.stop()


def github(httpserver: HTTPServer, files: dict[str, Callable[[Request], Response] | bytes],
           tree: Callable[[Request], Response] | None = None, **limits: float) -> SourceConfig:
    """A local GitHub (trees API + raw host) whose files are bytes or handlers."""
    def listing(request: Request) -> Response:
        return Response(json.dumps({"sha": "t", "truncated": False, "tree": [
            {"path": f"data/{name}", "mode": "100644", "type": "blob",
             "sha": _sha(data) if isinstance(data, bytes) else _sha(HOSTILE)}
            for name, data in files.items()]}), content_type="application/json")

    def raw(request: Request) -> Response:
        data = files[request.path.rsplit("/", 1)[-1]]
        return Response(data) if isinstance(data, bytes) else data(request)

    httpserver.expect_request("/repos/o/r/git/trees/data").respond_with_handler(tree or listing)
    httpserver.expect_request(re.compile(r"^/o/r/data/data/.*")).respond_with_handler(raw)
    base = httpserver.url_for("").rstrip("/")
    return SourceConfig(name="gh", kind="github", format="daily-arxiv", path="data", repo="o/r", branch="data",
                        api_url=base, raw_url=base, limits=Limits(**limits))


def trickle(release: threading.Event, every: float = 0.4) -> Callable[[Request], Response]:
    """One byte every `every` seconds, for up to a minute: no single read ever times out."""
    def handler(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for byte in HOSTILE:
                if release.wait(every):
                    return
                yield bytes([byte])
        return Response(body())
    return handler


def endless(request: Request) -> Response:
    def body() -> Iterator[bytes]:
        chunk = b"x" * 65536
        for _ in range(100_000):  # 6.5 GB: "without end" for the client
            yield chunk
    return Response(body())


def stall(release: threading.Event) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        release.wait(60)
        return Response("{}")
    return handler


def good_files() -> dict[str, Callable[[Request], Response] | bytes]:
    return {"2026-06-30_AI_enhanced_Chinese.jsonl": GOOD}


async def run(tmp_path: Path, sources: list[SourceConfig]):
    async with await Store.open(tmp_path / "p.db") as store:
        start = time.perf_counter()
        report = await ingest(store, sources)
        took = time.perf_counter() - start
        return report, took, await store.failed_posts(), (await store.counts())["papers"]


async def test_a_trickling_post_fails_at_the_request_deadline_and_the_others_are_stored(
    tmp_path: Path, httpserver: HTTPServer, release: threading.Event
) -> None:
    files = {**good_files(), "2026-07-01_AI_enhanced_Chinese.jsonl": trickle(release)}
    # Deadlines roomy enough for the good post on a loaded machine; the trickle would take a minute.
    report, took, _, papers = await run(tmp_path, [github(httpserver, files, request_timeout_s=5.0)])
    (rep,) = report.sources
    assert took < 20, took
    assert papers == 1 and rep.papers_new == 1 and rep.posts_failed == 1
    ((path, reason),) = rep.failures
    assert path == "2026-07-01_AI_enhanced_Chinese.jsonl"
    assert "/o/r/data/data/2026-07-01_AI_enhanced_Chinese.jsonl" in reason
    assert "5 s limit (limits.request_timeout_s)" in reason


async def test_a_stalled_listing_fails_that_source_and_the_next_source_goes_on(
    tmp_path: Path, httpserver: HTTPServer, release: threading.Event, posts_dir: Path
) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    stalled = github(httpserver, good_files(), tree=stall(release), request_timeout_s=1.0)
    local = SourceConfig(name="local", kind="directory", format="kedreamix", path=str(posts_dir))
    report, took, _, papers = await run(tmp_path, [stalled, local])
    assert took < 10, took
    assert report.sources[0].error is not None
    assert "/repos/o/r/git/trees/data" in report.sources[0].error
    assert "limits.request_timeout_s" in report.sources[0].error
    assert report.sources[1].papers_new == 2 and papers == 2


async def test_an_endless_post_is_cut_at_the_post_limit_and_recorded_failed(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    files = {**good_files(), "2026-07-01_AI_enhanced_Chinese.jsonl": endless}
    cfg = github(httpserver, files, max_post_mb=0.5)
    report, took, failed, papers = await run(tmp_path, [cfg])
    (rep,) = report.sources
    assert papers == 1 and rep.posts_failed == 1 and took < 10
    ((_, path, reason),) = failed  # recorded: the same version is not downloaded again next run
    assert path == "2026-07-01_AI_enhanced_Chinese.jsonl"
    assert "/o/r/data/data/2026-07-01_AI_enhanced_Chinese.jsonl" in reason
    assert "0.5 MB limit (limits.max_post_mb)" in reason


async def test_an_endless_listing_is_cut_at_the_response_limit(tmp_path: Path, httpserver: HTTPServer) -> None:
    cfg = github(httpserver, good_files(), tree=endless, max_response_mb=1.0)
    report, took, _, papers = await run(tmp_path, [cfg])
    (rep,) = report.sources
    assert papers == 0 and took < 10
    assert rep.error is not None and "/repos/o/r/git/trees/data" in rep.error
    assert "1 MB limit (limits.max_response_mb)" in rep.error


async def test_a_source_run_stops_at_its_deadline_and_keeps_what_it_stored(
    tmp_path: Path, httpserver: HTTPServer, release: threading.Event
) -> None:
    files = {**good_files(), **{f"2026-07-0{i}_AI_enhanced_Chinese.jsonl": trickle(release) for i in range(1, 4)}}
    cfg = github(httpserver, files, request_timeout_s=30.0, source_timeout_s=5.0)
    report, took, _, papers = await run(tmp_path, [cfg])
    (rep,) = report.sources
    assert took < 20, took
    assert papers == 1 and rep.posts_failed == 3
    assert all("limits.source_timeout_s" in reason for _, reason in rep.failures)


async def test_a_local_post_over_the_size_limit_is_failed_unread_and_the_others_are_stored(
    tmp_path: Path, posts_dir: Path
) -> None:
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    big = posts_dir / "2024-05-07" / "big.md"
    big.parent.mkdir()
    big.write_bytes(b"## x\n" * 10_000)  # 50 KB
    cfg = SourceConfig(name="local", kind="directory", format="kedreamix", path=str(posts_dir),
                       limits=Limits(max_post_mb=0.02))
    report, _, failed, papers = await run(tmp_path, [cfg])
    assert papers == 2 and report.sources[0].posts_failed == 1
    ((_, path, reason),) = failed
    assert path == "2024-05-07/big.md" and "0.02 MB limit (limits.max_post_mb)" in reason


async def test_a_nul_byte_or_bad_utf8_costs_only_its_field_not_the_post(tmp_path: Path, posts_dir: Path) -> None:
    post = write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    data = post.read_bytes()
    data = data.replace(b"Paper 6-1 on", b"Paper 6-1\x00 on", 1).replace(b"Paper 6-2 on", b"Paper 6-2\xff on", 1)
    data = data.replace(b"abs/2405.60003v1", b"abs/2405.6\x000003v1", 1)  # the third paper's own id is broken
    post.write_bytes(data)
    async with await Store.open(tmp_path / "p.db") as store:
        report = await ingest(store, [SourceConfig(name="local", kind="directory", format="kedreamix",
                                                   path=str(posts_dir))])
        one, two = await store.get_paper("2405.60001"), await store.get_paper("2405.60002")
        three = await store.get_paper("2405.60003")
    assert report.sources[0].posts_failed == 0 and report.sources[0].papers_new == 2
    assert one is not None and one.title == "Paper 6-1 on Gaussian splatting" and "title_lossy" in one.flags
    assert two is not None and two.title == "Paper 6-2 on Gaussian splatting" and "title_lossy" in two.flags
    assert three is None
