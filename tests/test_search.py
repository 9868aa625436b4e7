"""Search on both engines (store_url: a SQLite file, a PostgreSQL database): English, Chinese, authors, ids,
filters, ranking, bad input; the same page and the same scores on both; the CLI (SQLite)."""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from jobs.find import run_search
from jobs.models import Paper, ParsedPost
from jobs.search.query import QueryError, build_query, matching_topics, resolve_topic
from jobs.sources.base import Fetched, PostRef
from jobs.store import SCHEMA_VERSION, Store
from jobs.store._connection import run_sync
from tests.engines import fresh_database, open_store

SHARED_DIGESTS = Path(__file__).resolve().parents[2] / "shared" / "digests"


def paper(arxiv_id: str, title: str, **kw: object) -> Paper:
    fields: dict = {
        "version": 1,
        "authors": ["Ada Lovelace", "Alan Turing"],
        "abstract": "We study a problem and report results on standard benchmarks.",
        "summary": "本文研究了一个问题，并在标准基准上报告了结果。",
        "takeaways": ["提出了新方法。", "实验效果良好。"],
        "links": {"abs": f"https://arxiv.org/abs/{arxiv_id}", "pdf": f"https://arxiv.org/pdf/{arxiv_id}"},
    }
    fields.update(kw)
    return Paper(arxiv_id=arxiv_id, title=title, **fields)  # type: ignore[arg-type]


SPLAT = paper(
    "2410.18355",
    "Gaussian Splatting for Real-Time Avatars",
    authors=["José Ramírez", "Ada Lovelace"],
    abstract="We render human avatars in real time with 3D Gaussians and a new densification scheme.",
    summary="本文提出了一种基于三维高斯泼溅的实时数字人渲染方法，渲染速度大幅提升。",
    takeaways=["使用高斯泼溅表示人体。", "渲染速度达到每秒200帧。"],
)
NERF = paper(
    "2405.00001",
    "Neural Radiance Fields Revisited",
    abstract="We revisit neural radiance fields and compare them with Gaussian splatting baselines.",
    summary="本文重新审视了神经辐射场，并与其他基线方法进行了比较。",
)
TALK = paper(
    "2405.00002",
    "Diffusion Models for Talking Heads",
    authors=["Li Wei", "Zhang San"],
    abstract="A diffusion model drives a talking head from speech.",
    summary="本文提出一种由扩散模型驱动的说话人头像生成方法。",
    takeaways=["利用音频驱动面部表情和唇形。"],
)


async def add_post(store: Store, path: str, topic: str, date: str, *papers: Paper) -> None:
    sid = await store.upsert_source("test", "directory", "kedreamix", "/tmp/posts")
    await store.record_post(sid, PostRef(path, path), Fetched(content=b""),
                            ParsedPost(papers=list(papers), topic=topic, date=date))


async def fill(store: Store) -> None:
    await add_post(store, "2024-05-06/NeRF.md", "NeRF", "2024-05-06", NERF)
    await add_post(store, "2024-05-06/Talking Head Generation.md", "Talking Head Generation", "2024-05-06", TALK)
    await add_post(store, "2024-08-23/Diffusion Models.md", "Diffusion Models", "2024-08-23", TALK)
    await add_post(store, "2024-10-27/3DGS.md", "3DGS", "2024-10-27", SPLAT)


@pytest.fixture
async def store(store_url: str):  # type: ignore[no-untyped-def]
    s = await open_store(store_url)
    await fill(s)
    yield s
    await s.close()


async def ids(store: Store, text: str, **kw: object) -> list[str]:
    page = await run_search(store, text, **kw)  # type: ignore[arg-type]
    return [r.paper.arxiv_id for r in page.results]


# ---- English, phrases, authors ---------------------------------------------------------------------


async def test_english_word_prefix_and_title_ranks_above_abstract(store: Store) -> None:
    # "gauss" is a prefix of "Gaussian": the title match first, the abstract-only match second.
    assert await ids(store, "gauss") == ["2410.18355", "2405.00001"]
    assert await ids(store, "GAUSSIAN") == ["2410.18355", "2405.00001"]
    assert await ids(store, "gaussian splatting") == ["2410.18355", "2405.00001"]
    assert await ids(store, "gaussian avatars") == ["2410.18355"]
    assert await ids(store, "radiance") == ["2405.00001"]
    assert await ids(store, "nothingsuchword") == []


async def test_phrase(store: Store) -> None:
    assert await ids(store, '"gaussian splatting"') == ["2410.18355", "2405.00001"]
    assert await ids(store, '"splatting baselines"') == ["2405.00001"]
    assert await ids(store, '"splatting gaussian"') == []
    assert await ids(store, '"talking head" speech') == ["2405.00002"]


async def test_a_very_long_abstract_is_stored_and_found_by_phrase(store: Store) -> None:
    # Past PostgreSQL's last position (16383) every word counts at that one: a phrase early in the text
    # is found, the text's end is found by its words, and nothing is lost on either engine.
    words = " ".join(f"filler{i % 50}" for i in range(20_000))
    long = paper("2411.00009", "Plain Title", abstract=f"Quantum origami folds proteins. {words} zebra finale.")
    await add_post(store, "2024-11-01/Long.md", "Long", "2024-11-01", long)
    assert await ids(store, '"quantum origami"') == ["2411.00009"]
    assert await ids(store, "zebra finale") == ["2411.00009"]
    assert await ids(store, '"origami quantum"') == []


async def test_author_names_with_and_without_accents(store: Store) -> None:
    assert await ids(store, "Jose") == ["2410.18355"]
    assert await ids(store, "josé ramírez") == ["2410.18355"]
    assert await ids(store, "RAMIREZ") == ["2410.18355"]
    assert set(await ids(store, "lovelace")) == {"2410.18355", "2405.00001"}
    assert await ids(store, "Zhang San") == ["2405.00002"]


# ---- Chinese -----------------------------------------------------------------------------------------


async def test_chinese_two_character_word_inside_a_sentence(store: Store) -> None:
    assert await ids(store, "泼溅") == ["2410.18355"]  # summary and takeaways
    assert await ids(store, "高斯泼溅") == ["2410.18355"]
    assert await ids(store, "三维高斯") == ["2410.18355"]
    assert await ids(store, "辐射") == ["2405.00001"]  # inside 神经辐射场
    assert await ids(store, "扩散模型") == ["2405.00002"]
    assert await ids(store, "唇形") == ["2405.00002"]  # only in a takeaway
    assert await ids(store, "音频 唇形") == ["2405.00002"]
    assert await ids(store, "泼溅高斯") == []
    assert await ids(store, "高斯 avatars") == ["2410.18355"]  # mixed languages, ANDed


async def test_chinese_snippet_is_the_original_text(store: Store) -> None:
    page = await run_search(store, "泼溅")
    snip = page.results[0].snippet
    assert "高斯**泼溅**" in snip
    assert "斯泼" not in snip.replace("高斯**泼", "")  # no bigram text from the index


# ---- arXiv ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2410.18355",
        "2410.18355v2",
        "arXiv:2410.18355",
        "https://arxiv.org/abs/2410.18355v1",
        "http://arxiv.org/pdf/2410.18355.pdf",
    ],
)
async def test_arxiv_id_in_every_form(store: Store, text: str) -> None:
    page = await run_search(store, text)
    assert [r.paper.arxiv_id for r in page.results] == ["2410.18355"]
    assert page.total == 1
    hit = page.results[0].paper
    assert (hit.topic, hit.date, hit.title) == ("3DGS", "2024-10-27", SPLAT.title)


async def test_unknown_arxiv_id_and_id_with_filters(store: Store) -> None:
    assert await ids(store, "2401.99999") == []
    assert await ids(store, "2410.18355", topic="3DGS") == ["2410.18355"]
    assert await ids(store, "2410.18355", topic="NeRF") == []
    assert await ids(store, "2405.00002", before="2024-06-01") == ["2405.00002"]


async def test_partial_id_searches_the_ids_column(store: Store) -> None:
    assert set(await ids(store, "2405")) == {"2405.00001", "2405.00002"}


# ---- filters -----------------------------------------------------------------------------------------


async def test_topic_after_before_filters(store: Store) -> None:
    assert await ids(store, "gaussian", topic="NeRF") == ["2405.00001"]
    assert await ids(store, "gaussian", topic="nerf") == ["2405.00001"]  # topic names ignore case
    assert await ids(store, "gaussian", after="2024-06-01") == ["2410.18355"]
    assert await ids(store, "gaussian", before="2024-06-01") == ["2405.00001"]
    assert await ids(store, "gaussian", after="2024-05-06", before="2024-05-06") == ["2405.00001"]  # inclusive
    assert await ids(store, "gaussian", after="2024-10-28") == []


async def test_a_paper_is_shown_with_its_latest_matching_appearance(store: Store) -> None:
    page = await run_search(store, "talking")
    assert [(r.paper.topic, r.paper.date) for r in page.results] == [("Diffusion Models", "2024-08-23")]
    page = await run_search(store, "talking", topic="Talking Head Generation")
    assert [(r.paper.topic, r.paper.date) for r in page.results] == [("Talking Head Generation", "2024-05-06")]
    page = await run_search(store, "talking", before="2024-07-01")
    assert [(r.paper.topic, r.paper.date) for r in page.results] == [("Talking Head Generation", "2024-05-06")]
    page = await run_search(store, "talking", after="2024-05-07")
    assert [(r.paper.topic, r.paper.date) for r in page.results] == [("Diffusion Models", "2024-08-23")]
    assert page.results[0].paper.source == "test"
    assert page.results[0].paper.path == "2024-08-23/Diffusion Models.md"


async def test_filters_without_text(store: Store) -> None:
    hits, total = await store.search(None, topic="NeRF")
    assert [h.paper.arxiv_id for h in hits] == ["2405.00001"] and total == 1
    hits, total = await store.search(None, after="2024-05-01", limit=2)
    assert [h.paper.arxiv_id for h in hits] == ["2410.18355", "2405.00002"] and total == 3
    hits, total = await store.search(None, after="2024-05-01", limit=2, offset=2)
    assert [h.paper.arxiv_id for h in hits] == ["2405.00001"] and total == 3


# ---- ranking and pages ---------------------------------------------------------------------------------


async def test_ties_newer_post_date_first_across_pages(store_url: str) -> None:
    async with await open_store(store_url) as store:
        # Five papers the index cannot tell apart: the same text, ids of the same length.
        dates = ["2024-03-01", "2024-07-01", "2024-01-01", "2024-09-01", "2024-05-01"]
        for n, date in enumerate(dates):
            await add_post(store, f"{date}/X.md", "X", date, paper(f"2401.0000{n}", "Same Title About Tokens"))
        await add_post(store, "2024-02-01/X.md", "X", "2024-02-01",
                       paper("2401.00009", "Tokens Tokens Tokens", abstract="tokens"))
        seen: list[str] = []
        for offset in range(0, 6, 2):
            hits, total = await store.search(build_query("tokens").match, limit=2, offset=offset)
            assert total == 6
            seen += [h.paper.date for h in hits]
        assert seen == ["2024-02-01", "2024-09-01", "2024-07-01", "2024-05-01", "2024-03-01", "2024-01-01"]
        page = await run_search(store, "tokens", limit=3)
        assert page.has_more and page.total == 6
        assert page.results[0].score > page.results[1].score >= page.results[2].score > 0


async def test_pages_and_total(store: Store) -> None:
    match = build_query("gaussian").match
    hits, total = await store.search(match, limit=1)
    assert total == 2 and [h.paper.arxiv_id for h in hits] == ["2410.18355"]
    hits, total = await store.search(match, limit=1, offset=1)
    assert total == 2 and [h.paper.arxiv_id for h in hits] == ["2405.00001"]
    hits, total = await store.search(match, limit=5, offset=5)
    assert hits == [] and total == 2
    assert hits == []
    assert hits[0].rank < 0 if hits else True


# ---- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kw", "message"),
    [
        ("", {}, "empty query"),
        ("a", {}, "too short: type at least 2 characters"),
        ("高", {}, "too short: type at least 2 characters"),
        ("x" * 201, {}, "too long: at most 200 characters"),
        ("🙂 !!", {}, "nothing to search for"),
        ("gaussian", {"after": "May 6"}, "after: use YYYY-MM-DD, e.g. 2024-05-06"),
        ("gaussian", {"before": "2024-02-30"}, "before: use YYYY-MM-DD"),
        ("gaussian", {"after": "2024-06-01", "before": "2024-05-01"}, "is later than before"),
        ("gaussian", {"topic": "Robotics"}, "unknown topic 'Robotics'"),
        ("gaussian", {"limit": 0}, "limit: use 1 to 50"),
        ("gaussian", {"limit": 51}, "limit: use 1 to 50"),
        ("gaussian", {"offset": -1}, "offset: use 0 or more"),
    ],
)
async def test_bad_input_gets_its_message(store: Store, text: str, kw: dict, message: str) -> None:
    with pytest.raises(QueryError) as err:
        await run_search(store, text, **kw)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "text",
    ['"gaussian', "gauss*", "-nerf", "title:gaussian", "NEAR(a b)", "(x OR", "'; DROP TABLE papers; --",
     "gaussian 🙂", "a AND OR NOT b", "^高斯"],
)
async def test_fts_syntax_in_input_is_plain_text(store: Store, text: str) -> None:
    await run_search(store, text)  # never an sqlite3 error
    assert (await store.counts())["papers"] == 3


# ---- other store helpers -------------------------------------------------------------------------------


async def test_latest_post_papers_in_post_order(store: Store) -> None:
    await add_post(store, "2024-10-28/3DGS.md", "3DGS", "2024-10-28", NERF, SPLAT, TALK)
    papers = await store.latest_post_papers("3DGS")
    assert [p.arxiv_id for p in papers] == ["2405.00001", "2410.18355", "2405.00002"]
    assert {(p.topic, p.date) for p in papers} == {("3DGS", "2024-10-28")}
    assert await store.latest_post_papers("Nothing") == []


def test_topics_for_autocomplete_by_the_rule_the_topic_option_resolves_by() -> None:
    names = ["3DGS", "Diffusion Models", "NeRF", "Talking Head Generation", "元宇宙/虚拟人"]
    assert matching_topics(names, "", 25) == names
    assert matching_topics(names, "d", 25) == ["Diffusion Models", "3DGS", "Talking Head Generation"]
    assert matching_topics(names, "ne", 25) == ["NeRF", "Talking Head Generation"]  # starting with it first
    assert matching_topics(names, "", 2) == ["3DGS", "Diffusion Models"]
    assert matching_topics(names, "zzz", 25) == []
    # Spaces, case and accents as resolve_topic ignores them (before: "talkinghead" offered nothing).
    assert matching_topics(names, "talkinghead", 25) == ["Talking Head Generation"]
    assert resolve_topic("talkingheadGENERATION", names) == "Talking Head Generation"
    assert matching_topics(names, " NÉRF ", 25) == ["NeRF"] and matching_topics(names, "虚拟", 25) == ["元宇宙/虚拟人"]


async def test_search_migration_adds_indexes(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    async with await Store.open(db) as s:
        assert await s.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"appearances_paper_date", "appearances_topic_date_paper", "appearances_date_paper"} <= names


# ---- the CLI -------------------------------------------------------------------------------------------


def cli_config(tmp_path: Path) -> Path:
    db = tmp_path / "cli.db"

    async def build() -> None:
        async with await Store.open(db) as s:
            await fill(s)

    asyncio.run(build())
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {db}\nsources: []\n", encoding="utf-8")
    return cfg


def test_cli_search_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = cli_config(tmp_path)
    assert main(["--config", str(cfg), "search", "gauss", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["arxiv_id"] for r in records] == ["2410.18355", "2405.00001"]
    first = records[0]
    assert set(first) == {"arxiv_id", "title", "topic", "date", "authors", "score", "snippet", "links"}
    assert first["title"] == SPLAT.title and first["topic"] == "3DGS" and first["date"] == "2024-10-27"
    assert first["authors"] == ["José Ramírez", "Ada Lovelace"]
    assert first["links"]["abs"] == "https://arxiv.org/abs/2410.18355"
    assert "**Gaussians**" in first["snippet"]
    assert first["score"] > records[1]["score"]

    assert main(["--config", str(cfg), "search", "高斯泼溅", "--topic", "3dgs", "--after", "2024-01-01",
                 "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["arxiv_id"] for r in records] == ["2410.18355"]
    assert "**高斯泼溅**" in records[0]["snippet"]

    assert main(["--config", str(cfg), "search", "arXiv:2405.00002v3", "--json", "--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["topic"] == "Diffusion Models"


def test_cli_search_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = cli_config(tmp_path)
    assert main(["--config", str(cfg), "search", "gaussian", "splatting", "--limit", "1"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("1. 2410.18355  [3DGS 2024-10-27]  Gaussian Splatting for Real-Time Avatars\n")
    assert "José Ramírez, Ada Lovelace" in out
    assert "1-1 of 2; --offset 1 for more" in err

    assert main(["--config", str(cfg), "search", "nothingsuchword"]) == 0
    assert "no results for 'nothingsuchword'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a"], "search: too short: type at least 2 characters"),
        (["!!!"], "search: nothing to search for"),
        (["x" * 300], "search: too long: at most 200 characters"),
        (["gauss", "--after", "2024-13-01"], "search: after: use YYYY-MM-DD, e.g. 2024-05-06"),
        (["gauss", "--before", "yesterday"], "search: before: use YYYY-MM-DD"),
        (["gauss", "--topic", "Robots"], "search: unknown topic 'Robots'"),
        (["gauss", "--limit", "500"], "search: limit: use 1 to 50"),
        (["gauss", "--limit", "ten"], "invalid int value: 'ten'"),
    ],
)
def test_cli_bad_input_exits_2_naming_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 args: list[str], message: str) -> None:
    cfg = cli_config(tmp_path)
    try:
        code = main(["--config", str(cfg), "search", *args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    out, err = capsys.readouterr()
    assert message in err
    assert out == ""


def test_cli_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'none.db'}\nsources: []\n", encoding="utf-8")
    assert main(["--config", str(cfg), "search", "gauss"]) == 1
    assert "run `bash scripts/run.sh ingest` first" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


# ---- the real sample posts -------------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_DIGESTS.is_dir(), reason=f"no sample posts at {SHARED_DIGESTS}")
async def test_search_the_shared_sample_posts(store_url: str) -> None:
    try:
        from jobs.config import SourceConfig
        from jobs.pipeline import ingest
    except ImportError as exc:  # the format adapters are not there yet
        pytest.skip(f"pipeline not importable: {exc}")
    sources = [
        SourceConfig(name="kedreamix", kind="directory", format="kedreamix", path=str(SHARED_DIGESTS / "kedreamix")),
        SourceConfig(name="daily-arxiv", kind="directory", format="daily-arxiv",
                     path=str(SHARED_DIGESTS / "daily-arxiv")),
    ]
    async with await open_store(store_url) as store:
        report = await ingest(store, sources)
        assert report.ok, [s.line() for s in report.sources]
        counts = await store.counts()
        assert counts["papers"] > 500

        # English prefix and phrase, Chinese words, over both formats.
        for text in ["gauss", '"gaussian splatting"', "diffusion", "高斯", "扩散模型", "数字人", "说话人"]:
            page = await run_search(store, text, limit=5)
            assert page.total > 0, text
            for r in page.results:
                assert r.snippet, (text, r.paper.arxiv_id)

        # Every stored paper is found by its own id, in several forms, and by its title.
        rows = await store._all("SELECT arxiv_id, title FROM papers ORDER BY id LIMIT 40")
        for arxiv_id, title in rows:
            for form in (arxiv_id, f"arXiv:{arxiv_id}v1", f"https://arxiv.org/abs/{arxiv_id}v2"):
                assert await ids(store, form) == [arxiv_id], form
            words = " ".join(title.split())[:190]
            try:
                found = await ids(store, words, limit=50)
            except QueryError:
                continue  # a title of one character, or of only symbols
            assert arxiv_id in found, title

        # Topic filters and the topic list agree.
        topics = await store.known_topics()
        assert "3DGS" in topics
        page = await run_search(store, "gaussian", topic="3DGS", limit=50)
        assert page.total > 0
        assert {r.paper.topic for r in page.results} == {"3DGS"}
        latest = await store.latest_post_papers("3DGS")
        assert latest and len({p.date for p in latest}) == 1


# ---- the ranking machinery against a reference -------------------------------------------------------

VOCAB = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def random_papers(seed: int, count: int) -> list[tuple[Paper, list[tuple[str, str]]]]:
    """Papers with random words, each with one or two (topic, date) appearances."""
    import random

    rnd = random.Random(seed)
    out = []
    for n in range(count):
        title = " ".join(rnd.choices(VOCAB, k=rnd.randint(1, 3)))
        abstract = " ".join(rnd.choices(VOCAB[:6], k=rnd.randint(3, 25)))
        p = paper(f"2402.{n:05d}", title.title(), abstract=abstract, authors=["A B"], summary="", takeaways=[])
        spots = [(rnd.choice("XYZ"), f"2024-02-{rnd.randint(1, 20):02d}") for _ in range(rnd.choice([1, 1, 2]))]
        out.append((p, spots))
    return out


async def store_random(store: Store, papers: list[tuple[Paper, list[tuple[str, str]]]]) -> None:
    posts: dict[tuple[str, str], list[Paper]] = {}
    for p, spots in papers:
        for spot in spots:
            posts.setdefault(spot, []).append(p)
    for (topic, date), group in sorted(posts.items(), key=lambda kv: kv[0][1]):
        await add_post(store, f"{date}/{topic}.md", topic, date, *group)


def reference(papers: list[tuple[Paper, list[tuple[str, str]]]], words: list[str], topic: str | None,
              after: str | None, before: str | None) -> dict[str, str]:
    """arxiv id -> date of the latest matching appearance, for every paper that should match."""
    out = {}
    for p, spots in papers:
        text = f"{p.title} {p.abstract}".lower().split()
        if not all(any(t.startswith(w) for t in text) for w in words):
            continue
        ok = [d for t, d in spots if (topic is None or t == topic) and (after is None or d >= after)
              and (before is None or d <= before)]
        if ok:
            out[p.arxiv_id] = max(ok)
    return out


async def test_ranked_search_agrees_with_a_reference(store_url: str) -> None:
    papers = random_papers(7, 150)
    seen_sql: list[str] = []
    async with await open_store(store_url) as store:
        await store_random(store, papers)
        lite = isinstance(store, Store)
        if lite:  # Searches read on the read connection: SQLite reports each statement it runs there.
            await run_sync(store.reader, lambda conn: conn.set_trace_callback(seen_sql.append))
        cases = [
            (["alpha"], None, None, None),
            (["golf"], None, None, None),  # in titles only: fewer matches
            (["alpha", "bravo"], None, None, None),
            (["hotel", "alpha"], "X", None, None),
            (["alpha"], "Y", None, None),
            (["charlie"], None, "2024-02-10", None),
            (["delta"], None, None, "2024-02-05"),
            (["echo"], "Z", "2024-02-03", "2024-02-15"),
            (["golf"], None, "2024-02-01", None),  # a filter everything passes
            (["foxtrot"], "Nothing", None, None),
        ]
        for words, topic, after, before in cases:
            expected = reference(papers, words, topic, after, before)
            match = build_query(" ".join(words)).match
            hits, total = await store.search(match, topic=topic, after=after, before=before, limit=50)
            assert total == len(expected), (words, topic, after, before)
            got = {h.paper.arxiv_id: h.paper.date for h in hits}
            assert set(got) <= set(expected)
            assert all(got[i] == expected[i] for i in got)  # the latest matching appearance
            assert all(topic is None or h.paper.topic == topic for h in hits)
            ranks = [(h.rank, h.paper.date) for h in hits]
            for (r1, d1), (r2, d2) in itertools.pairwise(ranks):
                assert r1 < r2 or (r1 == r2 and d1 >= d2)
            assert len(hits) == min(50, total)
            if len(expected) <= 50:
                assert set(got) == set(expected)
            # Pages: the same order, one slice at a time.
            paged = []
            for offset in range(0, 20, 4):
                page, page_total = await store.search(match, topic=topic, after=after, before=before,
                                                      limit=4, offset=offset)
                assert page_total == total
                paged += [h.paper.arxiv_id for h in page]
            first, _ = await store.search(match, topic=topic, after=after, before=before, limit=20)
            assert paged == [h.paper.arxiv_id for h in first]
    joined = "\n".join(seen_sql)
    assert not lite or ("+rowid IN" in joined and "EXISTS" in joined)  # both ways of filtering were used


async def test_a_large_tie_group_is_ordered_by_date_across_pages(store_url: str) -> None:
    async with await open_store(store_url) as store:
        for day in range(1, 29):  # 28 papers bm25 cannot tell apart
            date = f"2024-02-{day:02d}"
            await add_post(store, f"{date}/T.md", "T", date, paper(f"2402.{day:05d}", "Tied Tokens"))
        dates: list[str] = []
        for offset in range(0, 28, 5):
            hits, total = await store.search(build_query("tied").match, limit=5, offset=offset)
            assert total == 28
            dates += [h.paper.date for h in hits]
        assert dates == [f"2024-02-{day:02d}" for day in range(28, 0, -1)]


async def test_the_best_matches_are_found_however_old_and_however_many_match(store_url: str) -> None:
    # Full ranking: the best papers are the oldest of many matches (a cap ranking only the newest
    # matches would miss them).
    async with await open_store(store_url) as store:
        old = [paper(f"2401.{n:05d}", f"Rare Word {n}", abstract="zulu " * (n % 5 + 1)) for n in range(20)]
        new = [paper(f"2402.{n:05d}", f"Common {n}", abstract="zulu " + "and many other words " * 8)
               for n in range(3000)]
        await add_post(store, "old/T.md", "T", "2024-01-01", *old)
        await add_post(store, "new/T.md", "T", "2024-02-01", *new)
        hits, total = await store.search(build_query("zulu").match, limit=4)
        assert total == 3020
        # "zulu" five times in a short abstract (n % 5 == 4): the four papers that rank best.
        assert sorted(h.paper.arxiv_id for h in hits) == [f"2401.{n:05d}" for n in (4, 9, 14, 19)]


# ---- both engines, side by side ---------------------------------------------------------------------------

SIDE_BY_SIDE = [
    ("alpha", {}), ("alp", {}), ("golf hotel", {}), ('"alpha bravo"', {}), ('"bravo alpha" charlie', {}),
    ('"alpha alpha"', {}), ("delta", {"topic": "X"}), ("echo", {"after": "2024-02-05", "before": "2024-02-15"}),
    ('"charlie delta"', {"topic": "Y"}), ("2402.00007", {}), ("2402", {}), ("高斯", {}), ("三维高斯", {}),
    ('"alpha bravo alpha"', {}), ('"alpha alpha alpha"', {}), ('"charlie delta echo" alpha', {}),
]


async def test_both_engines_give_the_same_pages_and_scores(tmp_path: Path) -> None:
    """The same posts on SQLite and PostgreSQL: every query gives the same papers, in the same order, with
    the same bm25 (to the last bit) and the same total, for words, prefixes, phrases (FTS5 on SQLite,
    tsvector on PostgreSQL) and filters."""
    papers = random_papers(11, 120)
    papers.append((SPLAT, [("X", "2024-02-03")]))
    pages: dict[str, list[object]] = {}
    for engine in ("sqlite", "postgres"):
        async with fresh_database(engine, tmp_path) as url, await open_store(url) as store:
            await store_random(store, papers)
            got: list[object] = []
            for text, kw in SIDE_BY_SIDE:
                for offset in (0, 7):
                    page = await run_search(store, text, limit=7, offset=offset, **kw)  # type: ignore[arg-type]
                    got.append((text, offset, page.total,
                                [(r.paper.arxiv_id, r.score, r.paper.topic, r.paper.date) for r in page.results]))
            pages[engine] = got
    assert any(entry[3] for entry in pages["sqlite"])  # type: ignore[index]
    for lite, pg in zip(pages["sqlite"], pages["postgres"], strict=True):
        assert lite == pg
