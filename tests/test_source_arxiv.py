"""Kind `arxiv` (issue 23, item 2): arXiv's own category listings (fixtures written here in arXiv's RSS format,
tests/fixtures/arxiv) served by a real local HTTP server, each entry a paper; a paper a digest already brought
is merged, never doubled; the card leads with the abstract's contribution sentence. Both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from jobs.config import Config, ConfigError, SourceConfig
from jobs.config_load import load_config
from jobs.formats import parse_post
from jobs.pipeline import ingest
from jobs.present.reading import lead
from tests.conftest import make_config
from tests.engines import open_store
from tests.feedgen import FeedServer
from tests.postgen import Entry, kedreamix, write_kedreamix
from tests.test_feed_style import setup_guild

LISTINGS = Path(__file__).parent / "fixtures" / "arxiv"
CONTRIBUTION = ("In this paper, we propose SplatAll, a feed-forward method that turns a single video into a set "
                "of 3D Gaussians in under a second.")
DIGEST_SUMMARY = "本文提出CrownNet，从口内扫描数秒内设计牙冠。"
DIGEST_TAKEAWAYS = ["提出CrownNet。", "牙医评估200例。"]


def serve_listings(httpserver: HTTPServer) -> dict[str, FeedServer]:
    return {cat: FeedServer(httpserver, f"/rss/{cat}", (LISTINGS / f"{cat}.rss").read_bytes(),
                            content_type="application/rss+xml") for cat in ("cs.CV", "cs.GR")}


def arxiv_source(httpserver: HTTPServer) -> SourceConfig:
    return SourceConfig(name="arxiv", kind="arxiv", format="arxiv", path="", categories=["cs.CV", "cs.GR"],
                        listing_url=httpserver.url_for("/rss"))


def digest_source(folder: Path) -> SourceConfig:
    return SourceConfig(name="kedreamix", kind="directory", format="kedreamix", path=str(folder))


def write_digest(folder: Path) -> None:
    """A Kedreamix post that lists the crown paper the arXiv listing also announces."""
    write_kedreamix(folder, "牙齿修复", "2024-12-03", [
        Entry("2412.01236", "Teeth in 3D: Dental Crowns from Intraoral Scans", authors=["Katherine Johnson"],
              abstract="Designing a dental crown takes a technician an hour.", summary=DIGEST_SUMMARY,
              takeaways=DIGEST_TAKEAWAYS),
    ])


async def test_each_listing_entry_is_a_paper(store_url: str, httpserver: HTTPServer) -> None:
    serve_listings(httpserver)
    store = await open_store(store_url)
    try:
        rep = (await ingest(store, [arxiv_source(httpserver)])).sources[0]
        papers = await store.get_papers(["2412.01234", "2412.01235", "2412.01236", "2412.01237", "2411.09999"])
        topics = await store.paper_topics(["2412.01234"])
    finally:
        await store.close()
    assert rep.error is None and (rep.posts_new, rep.papers_new) == (2, 4), rep
    assert sorted(papers) == ["2412.01234", "2412.01235", "2412.01236", "2412.01237"]  # the replacement left out
    splat = papers["2412.01234"]
    assert splat.title == "Splatting Everything: Real-Time Gaussian Scenes from a Single Video"
    assert splat.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert splat.abstract.startswith("Reconstructing dynamic scenes") and CONTRIBUTION in splat.abstract
    assert splat.comment.startswith("Accepted to CVPR 2025.")
    assert splat.links == {"abs": "https://arxiv.org/abs/2412.01234", "pdf": "https://arxiv.org/pdf/2412.01234v1",
                           "code": "https://github.com/ada/splatall", "project": "https://ada.github.io/splatall"}
    assert (splat.version, splat.date, splat.summary, splat.takeaways) == (1, "2024-12-03", "", [])
    assert topics == {"2412.01234": ["cs.CV", "cs.GR"]}  # one paper, listed in both categories
    assert papers["2412.01237"].title == "Procedural Trees with $L$-Systems & Diffusion"


@pytest.mark.parametrize("digest_first", [True, False], ids=["digest-first", "arxiv-first"])
async def test_a_paper_a_digest_brought_is_merged_and_keeps_the_digests_text(
        store_url: str, httpserver: HTTPServer, tmp_path: Path, digest_first: bool) -> None:
    serve_listings(httpserver)
    write_digest(tmp_path / "posts")
    order = [digest_source(tmp_path / "posts"), arxiv_source(httpserver)]
    store = await open_store(store_url)
    try:
        for cfg in order if digest_first else order[::-1]:
            assert (await ingest(store, [cfg])).sources[0].error is None
        counts = await store.counts()
        crown = await store.get_paper("2412.01236")
        topics = await store.paper_topics(["2412.01236"])
    finally:
        await store.close()
    assert counts["papers"] == 4  # never doubled
    assert crown is not None
    assert (crown.summary, crown.takeaways) == (DIGEST_SUMMARY, DIGEST_TAKEAWAYS)
    assert crown.comment == "12 pages, 6 figures"  # what the digest lacked, the listing gave
    assert topics == {"2412.01236": ["cs.CV", "牙齿修复"]}


async def test_unchanged_listings_answer_304(store_url: str, httpserver: HTTPServer) -> None:
    servers = serve_listings(httpserver)
    store = await open_store(store_url)
    try:
        first = (await ingest(store, [arxiv_source(httpserver)])).sources[0]
        second = (await ingest(store, [arxiv_source(httpserver)])).sources[0]
        servers["cs.GR"].body = servers["cs.GR"].body.replace(b"Tue, 03 Dec 2024", b"Wed, 04 Dec 2024")
        third = (await ingest(store, [arxiv_source(httpserver)])).sources[0]
        counts = await store.counts()
    finally:
        await store.close()
    assert (first.posts_new, second.posts_new, second.posts_unchanged) == (2, 0, 2)
    assert [s.not_modified for s in servers.values()] == [2, 1]  # cs.CV unchanged twice, cs.GR once
    assert (third.posts_new, third.posts_unchanged, third.papers_new) == (1, 1, 0)  # the next day's cs.GR
    assert counts["posts"] == 3 and counts["papers"] == 4


def test_the_atom_form_of_a_listing_reads_alike() -> None:
    atom = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/cs.GR</id>
  <title>cs.GR updates on arXiv.org</title>
  <updated>2024-12-03T05:00:00.000000+00:00</updated>
  <entry>
    <id>oai:arXiv.org:2412.01237v1</id>
    <title>Procedural Trees with $L$-Systems &amp; Diffusion</title>
    <updated>2024-12-03T00:00:00-05:00</updated>
    <link href="https://arxiv.org/abs/2412.01237" rel="alternate" type="text/html"/>
    <summary>arXiv:2412.01237v1 Announce Type: new
Abstract: Modelling trees by hand is slow. We propose a diffusion model over L-system grammars.</summary>
    <category term="cs.GR" scheme="http://arxiv.org/schemas/atom"/>
    <published>2024-12-03T00:00:00-05:00</published>
    <arxiv:announce_type>new</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <author><name>Ivan Sutherland</name></author>
    <author><name>Edwin Catmull</name></author>
  </entry>
</feed>"""
    rss = parse_post((LISTINGS / "cs.GR.rss").read_bytes(), "cs.GR/2024-12-03", "auto").papers[1]
    (paper,) = parse_post(atom, "cs.GR/2024-12-03", "auto").papers
    assert (paper.arxiv_id, paper.title, paper.topic, paper.date) == (rss.arxiv_id, rss.title, "cs.GR", "2024-12-03")
    assert paper.authors == ["Ivan Sutherland", "Edwin Catmull"]
    assert paper.abstract == "Modelling trees by hand is slow. We propose a diffusion model over L-system grammars."


def test_a_paper_without_chinese_text_leads_with_its_contribution_sentence() -> None:
    (splat,) = [p for p in parse_post((LISTINGS / "cs.CV.rss").read_bytes(), "cs.CV/2024-12-03", "arxiv").papers
                if p.arxiv_id == "2412.01234"]
    for reading in ("zh", "en", "both"):
        assert lead(splat, reading).text() == CONTRIBUTION
    digest = parse_post(kedreamix("3DGS", "2024-12-03", [Entry("2412.01234", "x", abstract=splat.abstract)]).encode(),
                        "2024-12-03/3DGS.md", "kedreamix").papers[0]
    assert lead(digest, "zh").text() == digest.summary  # a digest's paper still leads with its summary


@pytest.fixture
def config(tmp_path: Path, store_url: str, httpserver: HTTPServer) -> Config:
    serve_listings(httpserver)
    cfg = make_config(tmp_path, database_url=store_url)
    cfg.sources = [arxiv_source(httpserver)]
    return cfg


async def test_the_channel_shows_an_arxiv_day_led_by_contribution_sentences(simcord_env) -> None:
    env = simcord_env
    _, papers, admin, _ = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="cs.CV")
    summary = await env.bot.run_digest()
    (message,) = papers.history()
    assert summary.send.papers == 3
    assert message.content.startswith("📰 **cs.CV · 2024-12-03 · 3 papers**")
    splat = next(e for e in message.embeds if (e.title or "").endswith("Splatting Everything: Real-Time Gaussian "
                                                                       "Scenes from a Single Video"))
    assert "In this paper, we propose SplatAll" in splat.description
    assert "Reconstructing dynamic scenes" not in splat.description  # the background sentence is not the lead
    assert splat.author.name.startswith("Ada Lovelace, Alan Turing")


def test_config_reads_the_arxiv_and_feed_kinds_and_names_a_bad_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "sources:\n"
        "  - {name: listings, kind: arxiv, categories: [cs.CV, cs.GR]}\n"
        "  - {name: blog, kind: feed, url: 'https://kedreamix.github.io/atom.xml'}\n", encoding="utf-8")
    listings, blog = load_config(path).sources
    assert (listings.format, listings.categories, listings.listing_url) == (
        "arxiv", ["cs.CV", "cs.GR"], "https://rss.arxiv.org/rss")
    assert (blog.format, blog.url) == ("auto", "https://kedreamix.github.io/atom.xml")
    for source, words in [
        ("{name: a, kind: arxiv, categories: [CV]}", "sources[0].categories[0]: 'CV' is not an arXiv category"),
        ("{name: a, kind: arxiv}", "sources[0].categories: is required"),
        ("{name: a, kind: feed}", "sources[0].url: is required"),
        ("{name: a, kind: feed, url: 'feed.xml'}", "sources[0].url: 'feed.xml' is not an http:// or https:// URL"),
        ("{name: a, kind: feed, url: 'https://x/a', categories: [cs.CV]}",
         "sources[0].categories: only applies to kind: arxiv"),
        ("{name: a, kind: feed, url: 'https://x/a', path: posts}", "sources[0].path: kind: feed has no path"),
        ("{name: a, kind: arxiv, categories: [cs.CV], format: kedreamix}",
         "sources[0].format: kind: arxiv reads arXiv's own listings"),
        ("{name: a, kind: feed, url: 'https://x/a', feed_url: 'https://x/b'}",
         "sources[0].feed_url: unknown key"),
    ]:
        path.write_text(f"sources:\n  - {source}\n", encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert words in str(err.value), (source, str(err.value))
