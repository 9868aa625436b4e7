"""/search, /paper, /latest and /topics through SimCord, on a database ingested from posts the tests write
(and from ../shared/digests when it is there)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import simcord

from bot.cogs.search import KEEP_CURRENT_S
from jobs import fold
from jobs.models import Paper
from jobs.store import rank_snapshot
from tests.conftest import SHARED_DIGESTS
from tests.engines import SQLITE_ONLY, open_store
from tests.postgen import Entry, entries, write_kedreamix
from tests.test_rank_index import add_post
from tests.test_rank_snapshot import counted

CORPUS = [
    Entry("2405.10001", "Gaussian Splatting for Dynamic Scenes", authors=["José García", "Li Wei"],
          abstract="We extend 3D Gaussian splatting to dynamic scenes.",
          summary="本文将三维高斯泼溅扩展到动态场景，实现实时渲染。", takeaways=["动态场景重建。", "实时渲染。"]),
    Entry("2405.10002", "Neural Radiance Fields in the Wild", authors=["Ada Lovelace"],
          abstract="A NeRF that copes with changing light and transient objects.",
          summary="提出一种适应光照变化的神经辐射场方法。", takeaways=["处理瞬态物体。"]),
    Entry("2405.10003", "Talking Head Generation with Diffusion", authors=["Alan Turing", "Grace Hopper"],
          abstract="Audio-driven portrait animation with a diffusion model.",
          summary="基于扩散模型的音频驱动说话人头像生成。", takeaways=["音频驱动。", "头像生成质量高。"]),
]


def seed(posts: Path) -> None:
    write_kedreamix(posts, "3DGS", "2024-05-06", CORPUS[:1] + entries("5", 11))
    write_kedreamix(posts, "NeRF", "2024-05-07", CORPUS[1:2])
    write_kedreamix(posts, "Talking Head Generation", "2024-05-08", CORPUS[2:])


@pytest.fixture
async def lab(simcord_env, posts_dir: Path):  # type: ignore[no-untyped-def]
    seed(posts_dir)
    await simcord_env.bot.run_digest()
    guild = simcord_env.create_guild(name="Lab")
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    return simcord_env, channel, alice


async def test_a_restarted_bot_loads_the_search_index_before_the_first_search(make_bot, posts_dir: Path,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    """What searches rank with, the appearances a topic filter reads included, is loaded once the bot is
    connected, not by the first member to search after a restart (at a million papers: 2.2 s); so is the fold's
    table of marks the first snippets would build (10 ms)."""
    seed(posts_dir)
    async with simcord.run(make_bot()) as env:
        await env.bot.run_digest()
    fold._marks_or_astral.cache_clear()  # as in a process that never folded text with marks
    with caplog.at_level(logging.INFO, logger="bot.cogs.search"):
        async with simcord.run(make_bot()) as env:
            await env.settle()
            held = env.bot.store._snapshot
            assert held is not None and held.dated is not None and held.corpus.rows == 14
            assert "search index loaded" in caplog.text
            assert fold._marks_or_astral.cache_info().currsize == 1  # the fold's table, built before any search
            guild = env.create_guild(name="Lab")
            channel = guild.create_text_channel("general")
            alice = guild.add_member(env.create_user("alice"))
            text = listed(await alice.slash(channel, "search", query="gaussian", topic="3DGS"))
            assert text.startswith("**1. [Gaussian Splatting for Dynamic Scenes]")


def listed(result) -> str:  # type: ignore[no-untyped-def]
    """The results embed of an (ephemeral) answer."""
    message = result.response
    assert message is not None and message.ephemeral
    return message.embeds[0].description or ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gauss", "Gaussian Splatting for Dynamic Scenes"),  # prefix
        ('"radiance fields"', "Neural Radiance Fields in the Wild"),  # phrase
        ("高斯", "Gaussian Splatting for Dynamic Scenes"),  # two Chinese characters inside a sentence
        ("头像生成", "Talking Head Generation with Diffusion"),  # in the takeaways
        ("Jose Garcia", "Gaussian Splatting for Dynamic Scenes"),  # author, without accents
        ("hopper", "Talking Head Generation with Diffusion"),
        ("arXiv:2405.10002v1", "Neural Radiance Fields in the Wild"),
        ("https://arxiv.org/pdf/2405.10003.pdf", "Talking Head Generation with Diffusion"),
    ],
)
async def test_search_finds_english_chinese_authors_and_ids(lab, query: str, expected: str) -> None:
    _env, channel, alice = lab
    result = await alice.slash(channel, "search", query=query)
    text = listed(result)
    assert text.startswith(f"**1. [{expected}]")


async def test_title_matches_rank_first_and_snippets_bold_the_match(lab) -> None:
    _env, channel, alice = lab
    text = listed(await alice.slash(channel, "search", query="splatting"))
    assert text.startswith("**1. [Gaussian Splatting for Dynamic Scenes]")
    assert "**splatting**" in text.lower()


async def test_paging_and_opening_a_result(lab) -> None:
    _env, channel, alice = lab
    result = await alice.slash(channel, "search", query="gaussian", topic="3DGS")
    first = result.response
    assert first.embeds[0].footer.text == "Page 1/3 · 12 papers"
    # The one pager style of day pages too: the menu on top, Prev and Next under it.
    assert [[c.get("label") or c.get("placeholder") for c in row["components"]] for row in first.components] == [
        ["Open a paper…"], ["◀ Prev", "Next ▶"]]
    page2 = await alice.click(first, label="Next ▶")
    msg = page2.response
    assert msg.embeds[0].footer.text == "Page 2/3 · 12 papers"
    assert msg.embeds[0].description.startswith("**6. [")
    back = await alice.click(msg, label="◀ Prev")
    assert back.response.embeds[0].footer.text.startswith("Page 1/3")

    opened = await alice.select(back.response, ["2405.10001"])
    assert opened.ephemeral
    paper = opened.response.embeds[0]
    assert paper.title == "Gaussian Splatting for Dynamic Scenes"
    assert paper.url == "https://arxiv.org/abs/2405.10001"
    shared = await alice.click(opened.response, label="Share")
    assert not shared.ephemeral
    assert channel.last_message.embeds[0].title == "Gaussian Splatting for Dynamic Scenes"


async def test_pager_controls_go_away_when_it_times_out(lab) -> None:
    env, channel, alice = lab
    result = await alice.slash(channel, "search", query="gaussian")
    assert result.response.components
    await env.advance_time(601)
    assert result.response.components == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"query": 'NEAR(("gauss" -*'}, "No papers match"),  # FTS syntax is plain text, never an error
        ({"query": "x"}, "too short"),
        ({"query": "!!! ***"}, "nothing to search for"),
        ({"query": "a" * 300}, "too long"),
        ({"query": "🙂🙂"}, "nothing to search for"),
        ({"query": "'; DROP TABLE papers; --"}, "No papers match"),
        ({"query": "gauss", "after": "May 6"}, "after: use YYYY-MM-DD"),
        ({"query": "gauss", "after": "2024-06-01", "before": "2024-05-01"}, "is later than before"),
        ({"query": "gauss", "topic": "Quantum"}, "unknown topic"),
    ],
)
async def test_bad_input_gets_a_clear_message(lab, options: dict[str, str], message: str) -> None:
    env, channel, alice = lab
    result = await alice.slash(channel, "search", **options)
    assert result.ephemeral
    assert message in result.response.content
    assert (await env.bot.store.counts())["papers"] == 14  # nothing was harmed


async def test_date_filters(lab) -> None:
    _env, channel, alice = lab
    text = listed(await alice.slash(channel, "search", query="audio", after="2024-05-08"))
    assert "Talking Head Generation with Diffusion" in text
    none = await alice.slash(channel, "search", query="audio", before="2024-05-07")
    assert none.response.content.startswith("No papers match")


async def test_paper_command_in_every_id_form(lab) -> None:
    _env, channel, alice = lab
    for form in ("2405.10002", "2405.10002v3", "arXiv:2405.10002", "https://arxiv.org/abs/2405.10002v1"):
        result = await alice.slash(channel, "paper", id=form)
        assert result.response.embeds[0].title == "Neural Radiance Fields in the Wild", form
    missing = await alice.slash(channel, "paper", id="2101.00001")
    assert "not in Paperboy's database" in missing.response.content
    bad = await alice.slash(channel, "paper", id="hello")
    assert "is not an arXiv id" in bad.response.content


async def test_latest_and_topics(lab) -> None:
    _env, channel, alice = lab
    latest = await alice.slash(channel, "latest", topic="nerf")
    assert latest.response.embeds[0].title == "Latest NeRF · 2024-05-07"
    assert "Neural Radiance Fields in the Wild" in listed(latest)
    newest = await alice.slash(channel, "latest")
    # No feeds, no subscriptions: each topic's newest day, the newest first.
    assert newest.response.embeds[0].title.startswith("Latest Talking Head Generation, ")
    topics = await alice.slash(channel, "topics")
    text = topics.response.embeds[0].description
    assert "**3DGS** · 12 papers · latest 2024-05-06" in text
    choices = await alice.autocomplete(channel, "search", "topic", "talk", query="x")
    assert [c["value"] for c in choices] == ["Talking Head Generation"]


@pytest.mark.skipif(not SHARED_DIGESTS.is_dir(), reason="../shared/digests is not beside the repository")
@SQLITE_ONLY  # once over the whole shared archive; tests/test_search.py holds PostgreSQL's results to SQLite's
async def test_search_over_the_shared_digests(tmp_path: Path, make_bot) -> None:
    from jobs.config import Config, SourceConfig

    config = Config(database_path=tmp_path / "shared.db", sources=[
        SourceConfig(name="k", kind="directory", format="kedreamix", path=str(SHARED_DIGESTS / "kedreamix")),
        SourceConfig(name="d", kind="directory", format="daily-arxiv", path=str(SHARED_DIGESTS / "daily-arxiv")),
    ])
    async with simcord.run(make_bot(config), settle_timeout=120) as env:
        await env.bot.run_digest()
        guild = env.create_guild(name="Lab")
        channel = guild.create_text_channel("general")
        alice = guild.add_member(env.create_user("alice"))
        # 2410.18605 is in the shared Kedreamix posts (Talking Head Generation, 2024-10-27).
        by_id = await alice.slash(channel, "paper", id="arXiv:2410.18605v1")
        assert by_id.response.embeds[0].title.startswith("Understanding Players as if They Are Talking")
        for query in ("gaussian splatting", "高斯", "说话人", "Tianze Wang"):
            result = await alice.slash(channel, "search", query=query)
            assert result.response.embeds, query
            assert result.response.embeds[0].footer.text.startswith("Page 1/"), query


async def test_a_phrase_searched_again_answers_the_same_once_it_is_learned(lab) -> None:
    """A Chinese word of four characters is a phrase of three bigrams: the first /search ranks it from the text
    index's positions, and the bot learns it afterwards (jobs/store/learned_phrases.py); the next /search reads its
    counts from the ranking index, and the member sees the same answer."""
    env, channel, alice = lab
    first = listed(await alice.slash(channel, "search", query="头像生成"))
    store = env.bot.store
    await store._settle_learning()
    assert await store._all("SELECT phrase FROM rank_phrases") == [("头像 像生 生成",)]
    second = listed(await alice.slash(channel, "search", query="头像生成"))
    assert second == first
    assert first.startswith("**1. [Talking Head Generation with Diffusion]")


async def test_an_ingest_apart_is_taken_in_before_anyone_searches(lab, store_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A post a scheduler apart ingests (another store on the same database) is taken into the running bot's
    search arrays within KEEP_CURRENT_S, with nobody searching: the first /search after it finds the new paper
    and takes nothing in itself."""
    env, channel, alice = lab
    await env.settle()
    calls: list[str] = []
    for name in ("docs_after", "fresh_after", "load_docs"):
        monkeypatch.setattr(rank_snapshot, name, counted(getattr(rank_snapshot, name), calls))
    async with await open_store(store_url) as scheduler:
        await add_post(scheduler, "2024-05-09/Quantum.md", "Quantum", "2024-05-09",
                       [Paper(arxiv_id="2405.10009", version=1, title="Entangled Splats for Quantum Scenes",
                              authors=["Emmy Noether"], abstract="Qubits meet splats.", summary="量子场景。")])
    await env.advance_time(KEEP_CURRENT_S + 0.5)
    await env.settle()
    assert calls == ["docs_after", "fresh_after"]  # taken in by the bot, as it came
    calls.clear()
    text = listed(await alice.slash(channel, "search", query="entangled"))
    assert text.startswith("**1. [Entangled Splats for Quantum Scenes]")
    assert calls == []  # the search itself took nothing in
