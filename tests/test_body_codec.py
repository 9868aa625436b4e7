"""Papers' text packed with the database's own zstd dictionary (jobs/store/body_codec.py), on both engines:
trained once, in the ingest that finds enough papers stored; every paper, packed before it (zlib) or with it,
reads back exactly as written, here and in another process that never saw it trained; copies keep it."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from jobs.models import Paper, ParsedPost
from jobs.sources.base import Fetched, PostRef
from jobs.store import body_codec
from jobs.store.copy_store import Side, copy_store
from jobs.store.rows import j
from tests.engines import fresh_database, open_store
from tests.test_store import rows

ROOT = Path(__file__).resolve().parents[1]
TEXT = ("we propose a novel framework for gaussian splatting that improves rendering quality and speed "
         "experiments on standard benchmarks show state of the art results while reducing memory usage "
         "our method learns radiance fields from sparse views with a diffusion prior and a transformer "
         "talking head video synthesis audio driven avatars with expressive motion and identity "
         "preservation")
VOCAB = TEXT.split()
ZH = ("本文提出了一种新的高斯泼溅方法，显著提升了渲染质量与速度。实验表明该方法在多个基准上取得了最先进的结果，"
      "同时降低了显存占用。我们的方法利用扩散先验从稀疏视角学习辐射场，并生成具有表现力的说话人头像视频。")


def paper(rng: random.Random, n: int) -> Paper:
    """A paper of about 1.5 KB of text, its words drawn from what digests say every day."""
    words = lambda k: " ".join(rng.choice(VOCAB) for _ in range(k))  # noqa: E731
    start = rng.randrange(len(ZH) - 60)
    return Paper(
        arxiv_id=f"2405.{n:05d}", version=1, title=words(8).title(), authors=[f"Author {n}", "Ada Lovelace"],
        abstract=". ".join(words(rng.randint(15, 30)) for _ in range(6)) + f". Marker{n}.",
        summary=ZH[start : start + 60], takeaways=[words(12), ZH[start + 5 : start + 40]],
        links={"abs": f"https://arxiv.org/abs/2405.{n:05d}", "code": f"https://github.com/lab/project-{n}"},
    )


async def ingest(store, papers: list[Paper], path: str) -> None:  # type: ignore[no-untyped-def]
    sid = await store.upsert_source("local", "directory", "kedreamix", "/posts")
    await store.record_post(sid, PostRef(path, path), Fetched(b""), ParsedPost(papers=papers, topic="3DGS",
                                                                              date="2024-05-06"))


def cli(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` on the database at `url`: another process, which learns the dictionary by itself."""
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {url}\nsources: []\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})


@pytest.fixture
def written() -> list[Paper]:
    rng = random.Random(7)
    return [paper(rng, n) for n in range(1, 1301)]


async def test_the_dictionary_is_trained_once_and_every_paper_reads_back_as_written(
        store_url: str, written: list[Paper], tmp_path: Path) -> None:
    store = await open_store(store_url)
    try:
        await ingest(store, written[:600], "a.md")
        await ingest(store, written[600:1100], "b.md")
        assert await rows(store, "SELECT id FROM text_dicts") == []  # 1,100 stored: trained by the next ingest
        await ingest(store, written[1100:], "c.md")
        dicts = await rows(store, "SELECT id FROM text_dicts")
        assert len(dicts) == 1
        await ingest(store, [paper(random.Random(8), 1301)], "d.md")  # a later ingest uses it, trains none
        assert await rows(store, "SELECT id FROM text_dicts") == dicts

        bodies = dict(await rows(store, "SELECT arxiv_id, body FROM papers"))
        old, new = written[:1100], written[1100:]
        assert all(not bytes(bodies[p.arxiv_id]).startswith(body_codec.ZSTD_MAGIC) for p in old)
        assert all(bytes(bodies[p.arxiv_id]).startswith(body_codec.ZSTD_MAGIC) for p in new)
        packed = sum(len(bytes(bodies[p.arxiv_id])) for p in new)
        zlibbed = sum(len(zlib.compress(j([p.abstract, p.summary, p.takeaways, p.links]).encode())) for p in new)
        assert packed < 0.7 * zlibbed, (packed, zlibbed)

        got = await store.get_papers([p.arxiv_id for p in written])
        for p in written:
            g = got[p.arxiv_id]
            assert (g.abstract, g.summary, g.takeaways, g.links) == (p.abstract, p.summary, p.takeaways, p.links)
    finally:
        await store.close()

    # Another process, which never saw the dictionary trained, reads the newest papers' text by itself.
    found = cli(tmp_path, store_url, "search", "Marker1250", "--json")
    assert found.returncode == 0, found.stderr
    hit = json.loads(found.stdout.splitlines()[0])
    assert hit["arxiv_id"] == "2405.01250" and hit["links"]["code"] == "https://github.com/lab/project-1250"


@pytest.mark.parametrize("direction", ["sqlite->postgres", "postgres->sqlite"])
async def test_a_copy_keeps_the_dictionary_and_the_papers_text(
        direction: str, written: list[Paper], tmp_path: Path) -> None:
    first, second = direction.split("->")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with fresh_database(first, tmp_path / "a") as src_url, fresh_database(second, tmp_path / "b") as dst_url:
        src, dst = await open_store(src_url), await open_store(dst_url)
        try:
            await ingest(src, written[:1100], "a.md")
            await ingest(src, written[1100:], "b.md")
            report = await copy_store(Side(src), Side(dst), batch=500)
            assert report.ok, [t.line() for t in report.tables]
            dicts = "SELECT id, data FROM text_dicts"
            assert await rows(dst, dicts) == await rows(src, dicts)
            got = await dst.get_papers([p.arxiv_id for p in written])
            assert [(g.abstract, g.links) for g in got.values()] == [(p.abstract, p.links) for p in written]
        finally:
            await src.close()
            await dst.close()
