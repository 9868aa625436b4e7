"""One list of formats and one of source kinds: the config validator, the CLI, `parse_post` and
`build_source` all answer from the registries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from jobs.config import ConfigError, SourceConfig
from jobs.config_load import load_config
from jobs.formats import parse_post
from jobs.formats.registry import FORMAT_NAMES, FORMATS
from jobs.sources import SOURCE_KINDS, SourceError, build_source

ROOT = Path(__file__).resolve().parents[1]


def test_the_lists() -> None:
    assert FORMAT_NAMES == ("kedreamix", "daily-arxiv", "arxiv", "auto")
    assert list(FORMATS) == ["kedreamix", "daily-arxiv", "arxiv"]
    assert list(SOURCE_KINDS) == ["directory", "github", "feed", "arxiv"]


def config_file(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n{source}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("  - {name: a, kind: ftp, format: auto, path: x}\n",
         "sources[0].kind: 'ftp' is not one of: directory, github, feed, arxiv"),
        ("  - {name: a, kind: gitlab, format: auto, path: x, repo: a/b}\n",
         "sources[0].kind: 'gitlab' is not one of: directory, github, feed, arxiv"),  # not taken for GitHub
        ("  - {name: a, kind: directory, format: rss, path: x}\n",
         "sources[0].format: 'rss' is not one of: kedreamix, daily-arxiv, arxiv, auto"),
        ("  - {name: a, kind: directory, format: auto, path: x, branch: dev}\n",
         "sources[0].branch: only applies to kind: github"),
    ],
)
def test_config_errors_name_what_the_registries_know(tmp_path: Path, source: str, words: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(config_file(tmp_path, source))
    assert words in str(err.value)


def test_default_files_come_from_the_format(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, "".join(
        f"  - {{name: {name}, kind: directory, format: {name}, path: x}}\n" for name in FORMAT_NAMES
        if name != "arxiv"  # read by kind: arxiv alone
    )))
    assert {s.format: s.patterns for s in config.sources} == {
        "kedreamix": ["*.md"],
        "daily-arxiv": ["*_AI_enhanced_*.jsonl"],
        "auto": ["*.md", "*_AI_enhanced_*.jsonl"],
    }


async def test_build_source_names_the_known_kinds() -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(SourceError, match=r"unknown kind 'ftp' \(known kinds: directory, github, feed, arxiv\)"):
            build_source(SourceConfig(name="x", kind="ftp", format="auto", path="."), client)


def test_parse_post_names_the_known_formats() -> None:
    with pytest.raises(ValueError, match="expected one of kedreamix, daily-arxiv, arxiv, auto"):
        parse_post(b"## x", "x.md", "rss")


def test_cli_format_choices_come_from_the_registry(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("## x\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "parse", "--format", "rss", str(post)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 2
    assert "invalid choice: 'rss' (choose from" in run.stderr
    assert all(name in run.stderr for name in FORMAT_NAMES)


def test_the_registries_do_not_load_discord() -> None:
    code = (
        "import sys, jobs.config_load, jobs.formats.registry, jobs.sources.registry; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('discord', 'bot')))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
