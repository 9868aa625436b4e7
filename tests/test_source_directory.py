"""The `directory` source against real temporary folders."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import httpx
import pytest

from jobs.config import SourceConfig
from jobs.sources import DirectorySource, PostRef, SourceError, build_source, post_date
from jobs.sources import directory as directory_module

SHARED_KEDREAMIX = Path("/work/shared/digests/kedreamix")


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob " + str(len(content)).encode() + b"\0" + content).hexdigest()


def write(root: Path, rel: str, content: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def cfg(root: Path, **kwargs) -> SourceConfig:
    kwargs.setdefault("format", "kedreamix")
    return SourceConfig(name="local", kind="directory", path=str(root), **kwargs)


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    root = tmp_path / "posts"
    write(root, "2024-01-24/元宇宙_虚拟人.md", "# 元宇宙\n")
    write(root, "2024-01-24/Talking Head Generation.md", "talking\n")
    write(root, "2024-02-23/3DGS.md", "gs\n")
    write(root, "2024-02-23/notes.txt", "not a post\n")
    write(root, "README.md", "undated\n")
    write(root, ".hidden/2024-02-23/secret.md", "hidden folder\n")
    write(root, "2024-02-23/.draft.md", "hidden file\n")
    return root


async def test_lists_recursively_with_posix_paths_sorted_and_filtered(posts: Path) -> None:
    source = DirectorySource(cfg(posts))
    listing = await source.list_posts()
    assert listing.refs is not None
    assert [ref.path for ref in listing.refs] == [
        "2024-01-24/Talking Head Generation.md",
        "2024-01-24/元宇宙_虚拟人.md",
        "2024-02-23/3DGS.md",
        "README.md",
    ]
    by_path = {ref.path: ref.version for ref in listing.refs}
    # version is the git blob sha of the bytes: the same value GitHub's tree API gives
    assert by_path["2024-01-24/元宇宙_虚拟人.md"] == blob_sha("# 元宇宙\n".encode())
    assert by_path["README.md"] == blob_sha(b"undated\n")
    assert source.name == "local"
    assert source.warnings == []


async def test_include_globs_match_the_file_name_not_the_path(posts: Path) -> None:
    write(posts, "data/2024-02-23_AI_enhanced_Chinese.jsonl", "{}\n")
    write(posts, "data/2024-02-23.jsonl", "{}\n")
    source = DirectorySource(cfg(posts, format="daily-arxiv"))
    listing = await source.list_posts()
    assert [ref.path for ref in listing.refs or []] == ["data/2024-02-23_AI_enhanced_Chinese.jsonl"]

    source = DirectorySource(cfg(posts, include=["*.txt", "3D*"]))
    listing = await source.list_posts()
    assert [ref.path for ref in listing.refs or []] == ["2024-02-23/3DGS.md", "2024-02-23/notes.txt"]

    # a glob with a folder in it matches nothing: globs are on the NAME
    source = DirectorySource(cfg(posts, include=["2024-02-23/*.md"]))
    assert (await source.list_posts()).refs == []


async def test_version_follows_content_and_etag_says_unchanged(posts: Path) -> None:
    source = DirectorySource(cfg(posts))
    first = await source.list_posts()
    assert first.etag
    again = await source.list_posts(etag=first.etag)
    assert again.refs is None and again.etag == first.etag

    # rewrite with the same bytes and a new mtime: same version, listing unchanged
    path = posts / "2024-02-23/3DGS.md"
    path.write_bytes(b"gs\n")
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert (await source.list_posts(etag=first.etag)).refs is None

    # same size, other bytes: new version, new etag
    path.write_bytes(b"GS\n")
    changed = await source.list_posts(etag=first.etag)
    assert changed.refs is not None and changed.etag != first.etag
    old = {ref.path: ref.version for ref in first.refs or []}
    new = {ref.path: ref.version for ref in changed.refs}
    assert new["2024-02-23/3DGS.md"] == blob_sha(b"GS\n") != old["2024-02-23/3DGS.md"]
    assert {p: v for p, v in new.items() if p != "2024-02-23/3DGS.md"} == {
        p: v for p, v in old.items() if p != "2024-02-23/3DGS.md"
    }

    # a new file changes the listing too
    write(posts, "2024-03-01/NeRF.md", "nerf\n")
    grown = await source.list_posts(etag=changed.etag)
    assert grown.refs is not None and "2024-03-01/NeRF.md" in [ref.path for ref in grown.refs]


async def test_unchanged_files_are_not_rehashed(posts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directory_module, "_RACY_NS", 0)  # trust stat even for files written just now
    hashed: list[str] = []
    real = directory_module._hash_file

    def counting(path: str) -> str:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(directory_module, "_hash_file", counting)
    source = DirectorySource(cfg(posts))
    await source.list_posts()
    assert len(hashed) == 4  # only wanted files are hashed: not notes.txt, not hidden ones
    hashed.clear()
    await source.list_posts()
    assert hashed == []
    (posts / "README.md").write_bytes(b"undated, edited\n")
    listing = await source.list_posts()
    assert hashed == ["README.md"]
    assert {ref.path: ref.version for ref in listing.refs or []}["README.md"] == blob_sha(b"undated, edited\n")


async def test_recently_written_files_are_always_rehashed(posts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real = directory_module._hash_file
    monkeypatch.setattr(directory_module, "_hash_file", lambda p: hashed.append(p) or real(p))
    source = DirectorySource(cfg(posts))
    await source.list_posts()
    await source.list_posts()
    # files written within the last 2 s could change within the same mtime tick: never cached
    assert len(hashed) == 8


async def test_lookback_skips_old_dated_posts_and_keeps_undated(posts: Path) -> None:
    write(posts, "2024-02-20/LLM.md", "llm\n")
    write(posts, "data/2024-02-19_AI_enhanced_Chinese.md", "dated by name\n")
    source = DirectorySource(cfg(posts, lookback_days=3), today=lambda: date(2024, 2, 23))
    listing = await source.list_posts()
    # cutoff = 2024-02-20 (inclusive)
    assert [ref.path for ref in listing.refs or []] == [
        "2024-02-20/LLM.md",
        "2024-02-23/3DGS.md",
        "README.md",
    ]
    everything = await DirectorySource(cfg(posts), today=lambda: date(2024, 2, 23)).list_posts()
    assert len(everything.refs or []) == 6


def test_post_date_prefers_the_file_name_and_ignores_non_dates() -> None:
    assert post_date("2024-01-24/元宇宙_虚拟人.md") == date(2024, 1, 24)
    assert post_date("data/2025-06-30_AI_enhanced_Chinese.jsonl") == date(2025, 6, 30)
    assert post_date("2024-01-01/2024-01-05.md") == date(2024, 1, 5)
    assert post_date("2024-01-01/v2024-13-45.md") == date(2024, 1, 1)  # invalid date skipped
    assert post_date("120240-01-01.md") is None  # part of a longer number
    assert post_date("README.md") is None


async def test_missing_or_wrong_folder_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(SourceError) as info:
        await DirectorySource(cfg(missing)).list_posts()
    assert str(missing) in str(info.value) and "does not exist" in str(info.value)
    assert "path" in str(info.value)

    a_file = write(tmp_path, "file.md", "x")
    with pytest.raises(SourceError, match="is not a folder"):
        await DirectorySource(cfg(a_file)).list_posts()


async def test_fetch_reads_bytes_and_reports_missing_files(posts: Path) -> None:
    source = DirectorySource(cfg(posts))
    listing = await source.list_posts()
    ref = next(ref for ref in listing.refs or [] if ref.path.endswith("虚拟人.md"))
    fetched = await source.fetch(ref, etag="ignored", last_modified="ignored")
    assert fetched.content == "# 元宇宙\n".encode()

    (posts / ref.path).unlink()
    with pytest.raises(SourceError, match="is gone"):
        await source.fetch(ref)

    for bad in ("../outside.md", "/etc/passwd", "a/../../b.md"):
        with pytest.raises(SourceError, match="outside the folder"):
            await source.fetch(PostRef(bad, "x"))


async def test_build_source_picks_the_kind(posts: Path) -> None:
    async with httpx.AsyncClient() as client:
        source = build_source(cfg(posts), client)
        assert isinstance(source, DirectorySource)
        with pytest.raises(SourceError, match="unknown kind 'ftp'"):
            build_source(SourceConfig(name="x", kind="ftp", format="auto", path="."), client)


@pytest.mark.skipif(not SHARED_KEDREAMIX.is_dir(), reason="shared real posts not available")
async def test_real_kedreamix_posts() -> None:
    source = DirectorySource(cfg(SHARED_KEDREAMIX))  # read-only: the source only reads
    listing = await source.list_posts()
    paths = [ref.path for ref in listing.refs or []]
    assert len(paths) == 53
    assert "2024-01-24/元宇宙_虚拟人.md" in paths
    assert paths == sorted(paths)
    ref = next(ref for ref in listing.refs or [] if ref.path == "2024-01-24/元宇宙_虚拟人.md")
    content = (await source.fetch(ref)).content
    assert content is not None and blob_sha(content) == ref.version
