"""The `github` source and the HTTP helper against a real local server that answers like GitHub."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from urllib.parse import quote

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from jobs.config import SourceConfig
from jobs.sources import GitHubSource, PostRef, RateLimited, SourceError, build_source, make_client
from jobs.sources import http as http_module
from jobs.sources.http import RetryPolicy

OWNER, REPO, BRANCH = "Kedreamix", "MyBlog", "main"
FOLDER = "source/_posts/Paper"
TREE_URI = f"/repos/{OWNER}/{REPO}/git/trees/{BRANCH}"
RAW_PREFIX = f"/{OWNER}/{REPO}/{BRANCH}/"
FAST = RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0)

POSTS = {
    f"{FOLDER}/2024-01-24/元宇宙_虚拟人.md": "\n---\ntitle: 元宇宙/虚拟人\n---\n".encode(),
    f"{FOLDER}/2024-01-24/Talking Head Generation.md": b"\n---\ntitle: Talking Head Generation\n---\n",
    f"{FOLDER}/2024-10-27/3DGS.md": b"\n---\ntitle: 3DGS\n---\n",
    f"{FOLDER}/2024-10-27/cover.jpg": b"\xff\xd8 not a post",
    f"{FOLDER}/README.md": b"undated\n",
    "source/_posts/About.md": b"outside the folder\n",
    "README.md": b"repo readme\n",
}
# what the default source (kedreamix format: *.md under FOLDER) lists, in order
LISTED = [
    "2024-01-24/Talking Head Generation.md",
    "2024-01-24/元宇宙_虚拟人.md",
    "2024-10-27/3DGS.md",
    "README.md",
]


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob " + str(len(content)).encode() + b"\0" + content).hexdigest()


def tree_entries(files: dict[str, bytes], base: str = "") -> list[dict]:
    """Entries as GitHub's recursive tree lists them: folders as `tree`, files as `blob`."""
    folders: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    entries = [
        {"path": folder, "mode": "040000", "type": "tree", "sha": hashlib.sha1(folder.encode()).hexdigest(),
         "url": f"{base}/git/trees/x"}
        for folder in folders
    ]
    entries += [
        {"path": path, "mode": "100644", "type": "blob", "sha": blob_sha(content), "size": len(content),
         "url": f"{base}/git/blobs/{blob_sha(content)}"}
        for path, content in files.items()
    ]
    return sorted(entries, key=lambda entry: entry["path"])


class FakeGitHub:
    """Serves a repository's tree (with ETag / 304) and raw files (with ETag, Last-Modified / 304)."""

    def __init__(self, server: HTTPServer, files: dict[str, bytes]) -> None:
        self.server = server
        self.files = dict(files)
        self.truncated = False
        self.extra_entries: list[dict] = []
        server.expect_request(TREE_URI, query_string="recursive=1").respond_with_handler(self.tree)
        server.expect_request(re.compile("^" + re.escape(RAW_PREFIX))).respond_with_handler(self.raw)

    def tree_body(self) -> bytes:
        body = {
            "sha": "9fb037999f264ba9a7fc6274d15fa3ae2ab98312",
            "url": f"{self.server.url_for('')}repos/{OWNER}/{REPO}/git/trees/9fb0",
            "tree": tree_entries(self.files) + self.extra_entries,
            "truncated": self.truncated,
        }
        return json.dumps(body, ensure_ascii=False).encode()

    def tree(self, request: Request) -> Response:
        body = self.tree_body()
        etag = f'W/"{hashlib.sha1(body).hexdigest()}"'
        headers = {"ETag": etag, "x-ratelimit-limit": "60", "x-ratelimit-remaining": "59"}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        return Response(body, status=200, headers=headers, content_type="application/json; charset=utf-8")

    def raw(self, request: Request) -> Response:
        path = request.path[len(RAW_PREFIX):]
        if path not in self.files:
            return Response("404: Not Found", status=404, content_type="text/plain")
        content = self.files[path]
        headers = {"ETag": f'"{hashlib.sha256(content).hexdigest()}"',
                   "Last-Modified": "Sun, 27 Oct 2024 05:48:00 GMT"}
        if request.headers.get("If-None-Match") == headers["ETag"]:
            return Response(status=304, headers=headers)
        return Response(content, status=200, headers=headers, content_type="text/plain; charset=utf-8")


def requests_to(server: HTTPServer, prefix: str) -> list[Request]:
    return [request for request, _ in server.log if request.path.startswith(prefix)]


def config(server: HTTPServer, **kwargs) -> SourceConfig:
    kwargs.setdefault("path", FOLDER)
    return SourceConfig(
        name="kedreamix", kind="github", format="kedreamix", repo=f"{OWNER}/{REPO}", branch=BRANCH,
        api_url=server.url_for(""), raw_url=server.url_for(""), **kwargs,
    )


@pytest.fixture(autouse=True)
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(timeout=5.0) as c:
        yield c


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    return FakeGitHub(httpserver, POSTS)


def source_for(server: HTTPServer, client: httpx.AsyncClient, **kwargs) -> GitHubSource:
    source = build_source(config(server, **kwargs), client, retry=FAST)
    assert isinstance(source, GitHubSource)
    return source


# ---------------------------------------------------------------------------- listing


async def test_lists_blobs_under_the_folder(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    listing = await source_for(httpserver, client).list_posts()
    assert listing.refs == [PostRef(rel, blob_sha(POSTS[f"{FOLDER}/{rel}"])) for rel in LISTED]
    assert listing.etag and listing.etag.startswith('W/"')
    request = httpserver.log[0][0]
    assert len(httpserver.log) == 1
    assert request.path == TREE_URI and request.args["recursive"] == "1"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert "Authorization" not in request.headers
    assert request.headers["User-Agent"].startswith("Paperboy/0.1 (")


async def test_symlinks_and_submodules_are_not_posts(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    github.extra_entries = [
        {"path": f"{FOLDER}/link.md", "mode": "120000", "type": "blob", "sha": "a" * 40, "size": 9},
        {"path": f"{FOLDER}/vendor.md", "mode": "160000", "type": "commit", "sha": "b" * 40},
    ]
    listing = await source_for(httpserver, client).list_posts()
    assert [ref.path for ref in listing.refs or []] == LISTED


async def test_whole_repository_when_path_is_empty(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    listing = await source_for(httpserver, client, path="/").list_posts()
    paths = [ref.path for ref in listing.refs or []]
    assert paths == sorted(paths) and "README.md" in paths and "source/_posts/About.md" in paths
    assert f"{FOLDER}/2024-10-27/3DGS.md" in paths


async def test_etag_makes_an_unchanged_listing_a_304(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    source = source_for(httpserver, client)
    first = await source.list_posts()
    second = await source.list_posts(etag=first.etag)
    assert second.refs is None and second.etag == first.etag
    trees = requests_to(httpserver, "/repos/")
    assert len(trees) == 2
    assert "If-None-Match" not in trees[0].headers
    assert trees[1].headers["If-None-Match"] == first.etag
    assert httpserver.log[1][1].status_code == 304

    github.files[f"{FOLDER}/2024-11-27/NeRF.md"] = b"nerf\n"
    third = await source.list_posts(etag=first.etag)
    assert third.refs is not None and third.etag != first.etag
    assert "2024-11-27/NeRF.md" in [ref.path for ref in third.refs]


async def test_lookback_and_include(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    source = build_source(config(httpserver, lookback_days=30), client, retry=FAST)
    assert isinstance(source, GitHubSource)
    source.today = lambda: date(2024, 11, 20)  # cutoff 2024-10-21
    listing = await source.list_posts()
    assert [ref.path for ref in listing.refs or []] == ["2024-10-27/3DGS.md", "README.md"]

    listing = await source_for(httpserver, client, include=["*.jpg"]).list_posts()
    assert [ref.path for ref in listing.refs or []] == ["2024-10-27/cover.jpg"]


async def test_token_goes_to_the_api_only(
    httpserver: HTTPServer, github: FakeGitHub, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret123")
    source = source_for(httpserver, client)
    listing = await source.list_posts()
    await source.fetch(listing.refs[0])  # type: ignore[index]
    [tree] = requests_to(httpserver, "/repos/")
    [raw] = requests_to(httpserver, RAW_PREFIX)
    assert tree.headers["Authorization"] == "Bearer ghp_secret123"
    assert "Authorization" not in raw.headers


async def test_truncated_tree_is_listed_again_from_the_folder(
    httpserver: HTTPServer, github: FakeGitHub, client
) -> None:
    github.truncated = True
    folder_sha = next(e["sha"] for e in tree_entries(POSTS) if e["path"] == FOLDER)
    inside = {path[len(FOLDER) + 1:]: content for path, content in POSTS.items() if path.startswith(FOLDER + "/")}
    httpserver.expect_request(f"/repos/{OWNER}/{REPO}/git/trees/{folder_sha}", query_string="recursive=1") \
        .respond_with_json({"sha": folder_sha, "tree": tree_entries(inside), "truncated": False})
    source = source_for(httpserver, client)
    listing = await source.list_posts()
    assert [ref.path for ref in listing.refs or []] == LISTED
    assert source.warnings == []
    assert [r.path for r, _ in httpserver.log] == [TREE_URI, f"/repos/{OWNER}/{REPO}/git/trees/{folder_sha}"]
    assert listing.etag == httpserver.log[0][1].headers["ETag"]  # the etag of the branch's tree


async def test_truncated_tree_without_the_folder_says_so(
    httpserver: HTTPServer, github: FakeGitHub, client, caplog: pytest.LogCaptureFixture
) -> None:
    github.truncated = True
    github.files = {"other/a.md": b"a"}  # GitHub stopped before reaching the folder
    source = source_for(httpserver, client)
    listing = await source.list_posts()
    assert listing.refs == []
    assert any("truncated" in warning and "incomplete" in warning for warning in source.warnings)
    assert any("truncated" in record.getMessage() for record in caplog.records)


async def test_missing_folder_is_an_error(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    with pytest.raises(SourceError, match=r"folder 'source/_posts/Papers' not found in Kedreamix/MyBlog@main"):
        await source_for(httpserver, client, path="source/_posts/Papers").list_posts()


async def test_tree_404_names_repo_and_branch(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(TREE_URI).respond_with_json(
        {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, status=404
    )
    with pytest.raises(SourceError) as info:
        await source_for(httpserver, client).list_posts()
    message = str(info.value)
    assert f"GET {httpserver.url_for('')}repos/{OWNER}/{REPO}/git/trees/{BRANCH}?recursive=1: 404 Not Found" in message
    assert "repository Kedreamix/MyBlog or branch 'main' not found" in message
    assert "GITHUB_TOKEN" in message  # a private repo looks the same without a token
    assert len(httpserver.log) == 1  # a 404 is never retried


async def test_not_json_is_an_error(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(TREE_URI).respond_with_data("<html>hi</html>", content_type="text/html")
    with pytest.raises(SourceError, match="not JSON"):
        await source_for(httpserver, client).list_posts()


# ---------------------------------------------------------------------------- retries and rate limits


async def test_5xx_is_retried_then_succeeds(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    httpserver.expect_oneshot_request(TREE_URI).respond_with_data("upstream", status=502)
    httpserver.expect_oneshot_request(TREE_URI).respond_with_data("", status=503)
    listing = await source_for(httpserver, client).list_posts()
    assert len(listing.refs or []) == 4
    assert [response.status_code for _, response in httpserver.log] == [502, 503, 200]


async def test_5xx_gives_up_after_the_configured_attempts(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(TREE_URI).respond_with_data("", status=500)
    with pytest.raises(SourceError) as info:
        await source_for(httpserver, client).list_posts()
    assert "500 Internal Server Error after 3 attempts — the server is failing" in str(info.value)
    assert str(info.value).startswith(f"GET {httpserver.url_for('')}repos/")
    assert len(httpserver.log) == 3


async def test_429_without_rate_limit_headers_is_retried(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    httpserver.expect_oneshot_request(re.compile("^" + re.escape(RAW_PREFIX))).respond_with_data("slow", status=429)
    source = source_for(httpserver, client)
    ref = PostRef("README.md", blob_sha(b"undated\n"))
    fetched = await source.fetch(ref)
    assert fetched.content == b"undated\n"
    assert [response.status_code for _, response in httpserver.log] == [429, 200]


async def test_rate_limit_403_raises_with_reset_time_and_is_not_retried(httpserver: HTTPServer, client) -> None:
    reset = 1_730_000_000
    httpserver.expect_request(TREE_URI).respond_with_json(
        {"message": "API rate limit exceeded for 203.0.113.7."},
        status=403,
        headers={"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    with pytest.raises(RateLimited) as info:
        await source_for(httpserver, client).list_posts()
    assert info.value.reset_at == datetime.fromtimestamp(reset, UTC)
    message = str(info.value)
    assert "2024-10-27 03:33:20 UTC" in message
    assert "set GITHUB_TOKEN for 5,000 requests/hour" in message
    assert len(httpserver.log) == 1


async def test_rate_limit_with_token_does_not_suggest_a_token(
    httpserver: HTTPServer, client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_x")
    httpserver.expect_request(TREE_URI).respond_with_data(
        "", status=429, headers={"retry-after": "120"}
    )
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as info:
        await source_for(httpserver, client).list_posts()
    assert info.value.reset_at is not None
    assert 115 <= (info.value.reset_at - before).total_seconds() <= 125
    assert "set GITHUB_TOKEN" not in str(info.value) and "UTC" in str(info.value)
    assert len(httpserver.log) == 1


async def test_other_403_is_a_plain_error(httpserver: HTTPServer, client) -> None:
    httpserver.expect_request(TREE_URI).respond_with_json(
        {"message": "Resource not accessible"}, status=403, headers={"x-ratelimit-remaining": "42"}
    )
    with pytest.raises(SourceError) as info:
        await source_for(httpserver, client).list_posts()
    assert not isinstance(info.value, RateLimited)
    assert "403 Forbidden (Resource not accessible) — GitHub refused access" in str(info.value)
    assert len(httpserver.log) == 1


async def test_connection_refused_is_retried_and_named(client) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x.md"
    delays: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    with pytest.raises(SourceError) as info:
        await http_module.get(client, url, retry=RetryPolicy(attempts=4, base_delay=1.0, max_delay=3.0),
                              sleep=fake_sleep)
    assert str(info.value).startswith(f"GET {url}: could not connect")
    assert "after 4 attempts" in str(info.value)
    # exponential backoff with jitter in [0.5, 1] of 1, 2, 4->capped 3 seconds
    assert len(delays) == 3
    assert 0.5 <= delays[0] <= 1.0 and 1.0 <= delays[1] <= 2.0 and 1.5 <= delays[2] <= 3.0


async def test_timeout_is_retried(httpserver: HTTPServer) -> None:
    calls: list[float] = []

    def slow_once(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(0.8)
        return Response("ok")

    httpserver.expect_request("/slow").respond_with_handler(slow_once)
    async with make_client(timeout=0.5) as client:
        result = await http_module.get(client, httpserver.url_for("/slow"), retry=FAST)
    assert result.content == b"ok"
    assert len(calls) == 2


# ---------------------------------------------------------------------------- fetching


async def test_fetch_percent_encodes_spaces_and_chinese(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    source = source_for(httpserver, client)
    listing = await source.list_posts()
    by_path = {ref.path: ref for ref in listing.refs or []}
    for rel in ("2024-01-24/元宇宙_虚拟人.md", "2024-01-24/Talking Head Generation.md"):
        fetched = await source.fetch(by_path[rel])
        assert fetched.content == POSTS[f"{FOLDER}/{rel}"]
        assert fetched.etag and fetched.last_modified == "Sun, 27 Oct 2024 05:48:00 GMT"
    raw = requests_to(httpserver, RAW_PREFIX)
    assert [r.environ["RAW_URI"] for r in raw] == [
        f"{RAW_PREFIX}source/_posts/Paper/2024-01-24/"
        "%E5%85%83%E5%AE%87%E5%AE%99_%E8%99%9A%E6%8B%9F%E4%BA%BA.md",
        f"{RAW_PREFIX}source/_posts/Paper/2024-01-24/Talking%20Head%20Generation.md",
    ]
    assert source.raw_file_url("2024-01-24/元宇宙_虚拟人.md") == (
        f"{httpserver.url_for('')}{OWNER}/{REPO}/{BRANCH}/{quote(FOLDER + '/2024-01-24/元宇宙_虚拟人.md')}"
    )


async def test_conditional_fetch(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    source = source_for(httpserver, client)
    ref = PostRef("2024-10-27/3DGS.md", blob_sha(POSTS[f"{FOLDER}/2024-10-27/3DGS.md"]))
    first = await source.fetch(ref)
    again = await source.fetch(ref, etag=first.etag, last_modified=first.last_modified)
    assert again.content is None
    assert again.etag == first.etag and again.last_modified == first.last_modified
    raw = requests_to(httpserver, RAW_PREFIX)
    assert len(raw) == 2
    assert raw[1].headers["If-None-Match"] == first.etag
    assert raw[1].headers["If-Modified-Since"] == "Sun, 27 Oct 2024 05:48:00 GMT"
    assert "If-None-Match" not in raw[0].headers

    github.files[f"{FOLDER}/2024-10-27/3DGS.md"] = b"changed\n"
    changed = await source.fetch(PostRef(ref.path, blob_sha(b"changed\n")), etag=first.etag)
    assert changed.content == b"changed\n" and changed.etag != first.etag


async def test_fetch_404_says_the_file_is_gone(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    source = source_for(httpserver, client)
    with pytest.raises(SourceError) as info:
        await source.fetch(PostRef("2024-01-01/gone file.md", "x"))
    url = f"{httpserver.url_for('')}{OWNER}/{REPO}/{BRANCH}/{FOLDER}/2024-01-01/gone%20file.md"
    assert str(info.value).startswith(f"GET {url}: 404 Not Found — the file is gone")
    assert len(httpserver.log) == 1


async def test_stale_raw_content_is_refused(httpserver: HTTPServer, github: FakeGitHub, client) -> None:
    source = source_for(httpserver, client)
    listing = await source.list_posts()
    ref = next(ref for ref in listing.refs or [] if ref.path == "README.md")
    github.files[f"{FOLDER}/README.md"] = b"something else\n"  # raw serves other bytes than the listed blob
    with pytest.raises(SourceError, match="not blob"):
        await source.fetch(ref)


async def test_redirects_are_followed_with_the_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data("here")
    async with make_client() as client:
        result = await http_module.get(client, httpserver.url_for("/old"))
    assert result.content == b"here"
    assert [r.headers["User-Agent"] for r, _ in httpserver.log] == [http_module.USER_AGENT] * 2


def test_bad_repo_is_rejected() -> None:
    cfg = SourceConfig(name="x", kind="github", format="auto", path="data", repo="just-a-name")
    with pytest.raises(SourceError, match="'owner/name'"):
        GitHubSource(cfg, httpx.AsyncClient())
