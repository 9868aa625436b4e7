"""Kind `feed` (issue 23, items 1 and 4): digest posts as the entries of an Atom or RSS feed, served by a real
local HTTP server, ingested into a real store on both engines. The posts are our own (tests.postgen and the
fixtures under tests/fixtures/formats), rendered to HTML here as a blog renders them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from jobs.config import Limits, SourceConfig
from jobs.formats import detect_format, parse_post
from jobs.pipeline import ingest
from jobs.sources.http import RetryPolicy, make_client
from tests.engines import open_store
from tests.feedgen import FeedEntry, FeedServer, atom, render_body, render_page, rss
from tests.postgen import Entry, entries, kedreamix

FIXTURES = Path(__file__).parent / "fixtures" / "formats" / "kedreamix"
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "kedreamix"
MARKDOWN_POSTS = sorted(FIXTURES.glob("*/*.md")) + sorted(SAMPLES.glob("*/*.md"))
WHEN = datetime(2024, 12, 9, 0, 26, 5, tzinfo=UTC)


def records(post_text: bytes | str, path: str) -> tuple[str, str, list[dict]]:
    """A post's topic, date and paper records; `path` left out of the records (the two forms' files differ)."""
    post = parse_post(post_text.encode() if isinstance(post_text, str) else post_text, path, "auto")
    return post.topic, post.date, [{**p.to_json(), "path": ""} for p in post.papers]


# --- the Kedreamix reader reads a post rendered to HTML as it reads the Markdown --------------------------------


@pytest.mark.parametrize("post", MARKDOWN_POSTS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_markdown_and_html_forms_of_a_post_give_identical_records(post: Path) -> None:
    markdown = post.read_text(encoding="utf-8")
    rel = f"{post.parent.name}/{post.name}"
    topic, date, papers = records(markdown, rel)
    page = render_page(markdown)
    assert "<h1>" in page and ("<h2>" in page or not papers)  # really HTML, not Markdown in a wrapper
    assert records(page, rel.removesuffix(".md") + ".html") == (topic, date, papers)


def test_html_keeps_every_field_a_reader_sees() -> None:
    post = kedreamix("3DGS", "2024-12-09", [
        Entry("2412.00001", "Gaussian   Avatars", authors=["Ada Lovelace", "Alan Turing"], comment=(
            "CVPR 2025, project page: https://ada.github.io/avatars"), image="https://pic1.zhimg.com/v2-a.jpg",
            takeaways=["提出新方法。", "效果很好：速度快。", "代码已开源。"]),
        Entry("2412.00002", "Second", abstract="We study a<b. Code: https://github.com/ada/second"),
    ])
    page = render_page(post)
    html = records(page, "2024-12-09/3DGS.html")
    assert html == records(post, "2024-12-09/3DGS.md")
    first = html[2][0]
    assert first["images"] == ["https://pic1.zhimg.com/v2-a.jpg"]
    assert first["links"]["project"] == "https://ada.github.io/avatars"
    assert first["takeaways"] == ["提出新方法。", "效果很好：速度快。", "代码已开源。"]
    assert html[2][1]["links"]["code"] == "https://github.com/ada/second"


def test_formats_are_detected_through_the_registry() -> None:
    post = kedreamix("NeRF", "2024-12-09", entries("1", 2))
    assert detect_format(post.encode(), "x.md") == "kedreamix"
    assert detect_format(render_page(post).encode(), "2024-12-09/NeRF") == "kedreamix"  # HTML, no name hint
    listing = (Path(__file__).parent / "fixtures" / "arxiv" / "cs.CV.rss").read_bytes()
    assert detect_format(listing, "cs.CV/2024-12-03") == "arxiv"
    daily = (Path(__file__).parent / "fixtures" / "formats" / "daily-arxiv" / "2026-06-30.md").read_bytes()
    assert detect_format(daily, "2026-06-30.md") == "daily-arxiv"


def test_a_markdown_post_that_opens_with_html_is_still_markdown() -> None:
    post = kedreamix("NeRF", "2024-12-09", entries("1", 1)).lstrip().replace("---", "<details>x</details>\n---", 1)
    assert parse_post(post.encode(), "2024-12-09/NeRF.md", "kedreamix").papers  # not taken for an HTML page


# --- the feed source, end to end ---------------------------------------------------------------------------------


def feed_source(url: str, **limits: float) -> SourceConfig:
    return SourceConfig(name="blog", kind="feed", format="auto", path="", url=url, limits=Limits(**limits))


FAST = RetryPolicy(attempts=1)


def blog_posts() -> list[tuple[str, str]]:
    """(topic, Markdown post) of two days, as a digest blog publishes them."""
    return [
        ("3DGS", kedreamix("3DGS", "2024-12-09", entries("1", 3))),
        ("NeRF", kedreamix("NeRF", "2024-12-09", entries("2", 2))),
        ("3DGS", kedreamix("3DGS", "2024-12-10", entries("3", 2))),
    ]


def entry_for(topic: str, post: str, base: str, *, full: bool = True) -> FeedEntry:
    day = post.split("\n# ", 1)[1][:10]
    link = f"{base}/{day.replace('-', '/')}/Paper/{day}/{topic}/"
    return FeedEntry(topic, link, datetime.fromisoformat(day).replace(tzinfo=UTC),
                     html=render_body(post) if full else None, summary="" if full else f"{topic} 方向最新论文已更新")


async def stored(store, ids: list[str]) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    papers = await store.get_papers(ids)
    return {i: {**papers[i].to_json(), "path": "", "source": ""} for i in ids if i in papers}


async def test_an_atom_feed_of_our_posts_is_ingested_like_the_posts(store_url: str, httpserver: HTTPServer,
                                                                     tmp_path: Path) -> None:
    posts = blog_posts()
    base = httpserver.url_for("").rstrip("/")
    feed = FeedServer(httpserver, "/atom.xml", atom([entry_for(t, p, base) for t, p in posts]))
    folder = tmp_path / "posts"
    for topic, post in posts:
        day = post.split("\n# ", 1)[1][:10]
        (folder / day).mkdir(parents=True, exist_ok=True)
        (folder / day / f"{topic}.md").write_text(post, encoding="utf-8")
    ids = [p["arxiv_id"] for _, post in posts for p in records(post, "x.md")[2]]

    store = await open_store(store_url)
    try:
        report = await ingest(store, [feed_source(feed.url)])
        assert report.sources[0].error is None, report.sources[0]
        assert (report.sources[0].posts_new, report.sources[0].papers_new) == (3, 7)
        from_feed = await stored(store, ids)
    finally:
        await store.close()
    # The same posts read from a folder as Markdown, into a database of their own: the same papers.
    lite = await open_store(f"sqlite:///{tmp_path / 'markdown.db'}")
    try:
        await ingest(lite, [SourceConfig(name="md", kind="directory", format="kedreamix", path=str(folder))])
        from_markdown = await stored(lite, ids)
    finally:
        await lite.close()
    assert len(from_feed) == 7 and from_feed == from_markdown
    assert {p["topic"] for p in from_feed.values()} == {"3DGS", "NeRF"}
    assert {p["date"] for p in from_feed.values()} == {"2024-12-09", "2024-12-10"}


async def test_an_rss_feed_of_summaries_reads_the_linked_pages(store_url: str, httpserver: HTTPServer) -> None:
    posts = blog_posts()
    base = httpserver.url_for("").rstrip("/")
    feed_entries = [entry_for(t, p, base, full=False) for t, p in posts]
    pages = {e.link.removeprefix(base): render_page(p) for e, (_, p) in zip(feed_entries, posts, strict=True)}
    for path, page in pages.items():
        httpserver.expect_request(path).respond_with_data(page, content_type="text/html; charset=utf-8")
    feed = FeedServer(httpserver, "/rss.xml", rss(feed_entries), content_type="application/rss+xml")
    store = await open_store(store_url)
    try:
        report = await ingest(store, [feed_source(feed.url)])
        rep = report.sources[0]
        assert rep.error is None and (rep.posts_new, rep.papers_new) == (3, 7), rep
        paper = await store.get_paper(records(posts[1][1], "x.md")[2][0]["arxiv_id"])
    finally:
        await store.close()
    assert paper is not None and paper.topic == "NeRF" and paper.date == "2024-12-09" and paper.takeaways
    read = [r.path for r, _ in httpserver.log]
    assert sorted(p for p in read if p != "/rss.xml") == sorted(pages)


@pytest.mark.parametrize("use_etag", [True, False], ids=["etag", "last-modified"])
async def test_an_unchanged_feed_answers_304_and_nothing_is_read(store_url: str, httpserver: HTTPServer,
                                                                  use_etag: bool) -> None:
    base = httpserver.url_for("").rstrip("/")
    posts = blog_posts()
    feed = FeedServer(httpserver, "/atom.xml", atom([entry_for(t, p, base) for t, p in posts[:2]]),
                      use_etag=use_etag)
    store = await open_store(store_url)
    try:
        first = (await ingest(store, [feed_source(feed.url)])).sources[0]
        second = (await ingest(store, [feed_source(feed.url)])).sources[0]
        feed.body = atom([entry_for(t, p, base) for t, p in posts])  # a new post appears
        third = (await ingest(store, [feed_source(feed.url)])).sources[0]
        counts = await store.counts()
    finally:
        await store.close()
    assert (first.posts_new, first.papers_new) == (2, 5)
    assert feed.not_modified == 1 and (second.posts_new, second.posts_changed, second.papers_new) == (0, 0, 0)
    assert second.posts_unchanged == 2 and second.error is None
    header = "If-None-Match" if use_etag else "If-Modified-Since"
    assert header in feed.requests[1].headers
    assert (third.posts_new, third.posts_unchanged, third.papers_new) == (1, 2, 2)
    assert counts["papers"] == 7


async def test_a_feed_that_shrinks_or_reorders_deletes_nothing(store_url: str, httpserver: HTTPServer) -> None:
    base = httpserver.url_for("").rstrip("/")
    posts = blog_posts()
    feed = FeedServer(httpserver, "/atom.xml", atom([entry_for(t, p, base) for t, p in posts]))
    store = await open_store(store_url)
    try:
        await ingest(store, [feed_source(feed.url)])
        before = await store.counts()
        ids = [p["arxiv_id"] for _, post in posts for p in records(post, "x.md")[2]]
        feed.body = atom([entry_for(t, p, base) for t, p in reversed(posts)])  # reordered
        reordered = (await ingest(store, [feed_source(feed.url)])).sources[0]
        feed.body = atom([entry_for(*posts[2], base)])  # the feed keeps only its newest entry
        shrunk = (await ingest(store, [feed_source(feed.url)])).sources[0]
        after = await store.counts()
        kept = await store.get_papers(ids)
    finally:
        await store.close()
    assert (reordered.posts_new, reordered.posts_changed, reordered.posts_unchanged) == (0, 0, 3)
    assert (shrunk.posts_new, shrunk.posts_changed, shrunk.posts_unchanged) == (0, 0, 1)
    assert after["papers"] == before["papers"] == 7 and sorted(kept) == sorted(ids)
    assert all(p.topic for p in kept.values())


async def test_a_broken_entry_is_recorded_failed_and_the_rest_stored(store_url: str, httpserver: HTTPServer) -> None:
    base = httpserver.url_for("").rstrip("/")
    posts = blog_posts()
    good = [entry_for(t, p, base) for t, p in posts[:2]]
    broken = FeedEntry("About this blog", f"{base}/about/", WHEN, html="<p>Hello, I write about papers.</p>")
    empty = FeedEntry("Nothing", f"{base}/nothing/", WHEN, html=None, summary="")
    httpserver.expect_request("/nothing/").respond_with_data("", content_type="text/html")
    feed = FeedServer(httpserver, "/atom.xml", atom([good[0], broken, empty, good[1]]))
    store = await open_store(store_url)
    try:
        rep = (await ingest(store, [feed_source(feed.url)])).sources[0]
        source_id = await store.upsert_source("blog", "feed", "auto", feed.url)
        states = await store.post_states(source_id)
    finally:
        await store.close()
    assert rep.error is None and (rep.posts_new, rep.papers_new, rep.posts_failed) == (2, 5, 2)
    failed = dict(rep.failures)
    assert set(failed) == {"2024-12-09/about", "2024-12-09/nothing"}
    assert "no papers found" in failed["2024-12-09/about"] and "empty post" in failed["2024-12-09/nothing"]
    assert {path: s.status for path, s in states.items() if s.status != "ok"} == {
        "2024-12-09/about": "failed", "2024-12-09/nothing": "failed"}


async def test_a_10_mb_feed_is_cut_off_at_the_limit_with_a_clear_message(store_url: str,
                                                                        httpserver: HTTPServer) -> None:
    base = httpserver.url_for("").rstrip("/")
    filler = "<p>" + "padding " * 1000 + "</p>"
    big = [FeedEntry(f"Post {i}", f"{base}/p/{i}/", WHEN, html=filler * 16) for i in range(84)]
    body = atom(big)
    assert len(body) > 10 * 1024 * 1024
    httpserver.expect_request("/atom.xml").respond_with_handler(
        lambda request: Response(iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                                 content_type="application/atom+xml"))
    store = await open_store(store_url)
    try:
        report = await ingest(store, [feed_source(httpserver.url_for("/atom.xml"), max_response_mb=2.0)])
        counts = await store.counts()
    finally:
        await store.close()
    rep = report.sources[0]
    assert rep.error is not None and "over the 2 MB limit (limits.max_response_mb)" in rep.error
    assert counts["papers"] == 0


async def test_not_a_feed_says_so(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/feed").respond_with_data("<html><body>Moved</body></html>", content_type="text/html")
    store = await open_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        rep = (await ingest(store, [feed_source(httpserver.url_for("/feed"))])).sources[0]
    finally:
        await store.close()
    assert rep.error is not None and "not an Atom or RSS feed" in rep.error and "check `url`" in rep.error


def test_the_feed_entry_fingerprint_ignores_order(httpserver: HTTPServer) -> None:
    """The two orders of one feed list the same posts with the same versions."""
    import asyncio

    from jobs.sources import build_source

    base = httpserver.url_for("").rstrip("/")
    posts = blog_posts()
    feed = FeedServer(httpserver, "/atom.xml", atom([entry_for(t, p, base) for t, p in posts]))

    async def listed() -> list:
        async with make_client() as client:
            return sorted((await build_source(feed_source(feed.url), client).list_posts()).refs or [],
                          key=lambda r: r.path)

    first = asyncio.run(listed())
    feed.body = atom([entry_for(t, p, base) for t, p in reversed(posts)])
    assert asyncio.run(listed()) == first
    assert [r.path for r in first] == ["2024/12/09/Paper/2024-12-09/3DGS", "2024/12/09/Paper/2024-12-09/NeRF",
                                       "2024/12/10/Paper/2024-12-10/3DGS"]


REAL = sorted((Path(__file__).resolve().parents[2] / "shared" / "digests" / "kedreamix").glob("*/*.md"))


@pytest.mark.skipif(not REAL, reason="no shared digests beside the repository")
def test_real_posts_rendered_to_html_give_the_same_papers() -> None:
    """The 53 real posts, each rendered to HTML: the same papers with the same fields, but where the Markdown's own
    syntax inside an abstract renders as what it means (a backslash escape, a ``code`` span): 44 of 53 posts are
    identical record for record."""
    identical = 0
    for post in REAL:
        markdown = post.read_text(encoding="utf-8")
        rel = f"{post.parent.name}/{post.name}"
        md_topic, md_date, md_papers = records(markdown, rel)
        topic, date, papers = records(render_page(markdown), rel.removesuffix(".md") + ".html")
        assert (topic, date, [p["arxiv_id"] for p in papers]) == (md_topic, md_date,
                                                                 [p["arxiv_id"] for p in md_papers]), rel
        for a, b in zip(md_papers, papers, strict=True):
            assert {k for k in a if a[k] != b[k]} <= {"abstract", "takeaways"}, (rel, a["arxiv_id"])
        identical += papers == md_papers
    assert identical >= 44


REAL_FEED = Path(__file__).resolve().parents[2] / "shared" / "digests" / "kedreamix-atom.xml"


@pytest.mark.skipif(not REAL_FEED.is_file(), reason="no shared digests beside the repository")
async def test_kedreamixs_real_atom_feed_is_read_whole(httpserver: HTTPServer, tmp_path: Path) -> None:
    """Hexo's own HTML (heading anchors, `<br>` after a label, the December translation block): every paper of
    the 20 entries with its authors, abstract, summary, takeaways and screenshots."""
    feed = FeedServer(httpserver, "/atom.xml", REAL_FEED.read_bytes())
    store = await open_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        rep = (await ingest(store, [feed_source(feed.url)])).sources[0]
        rows = await store._all("SELECT arxiv_id FROM papers")
        papers = (await store.get_papers([r[0] for r in rows])).values()
    finally:
        await store.close()
    assert rep.error is None and rep.posts_failed == 0 and rep.posts_new == 20, rep
    assert len(papers) == rep.papers_new >= 250
    assert all(p.authors and p.abstract and p.summary and p.takeaways and p.images for p in papers)
    assert all("2024-11-27" <= p.date <= "2024-12-09" for p in papers)  # dated by their links' folders


async def test_lookback_days_skips_old_entries(httpserver: HTTPServer, tmp_path: Path) -> None:
    base = httpserver.url_for("").rstrip("/")
    posts = blog_posts()
    feed = FeedServer(httpserver, "/atom.xml", atom([entry_for(t, p, base) for t, p in posts]))
    cfg = feed_source(feed.url)
    cfg.lookback_days = (datetime.now(UTC).date() - datetime(2024, 12, 10).date()).days
    store = await open_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        rep = (await ingest(store, [cfg])).sources[0]
    finally:
        await store.close()
    assert (rep.posts_new, rep.papers_new) == (1, 2)  # only the 2024-12-10 post
