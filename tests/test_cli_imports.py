"""The offline commands start without the Discord stack: `python -m bot parse`, `search` and
`check-config` never import discord.py or aiohttp. Run as real subprocesses, exactly as `python -m bot`."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import SHARED_DIGESTS
from tests.postgen import entries, write_kedreamix

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("discord", "aiohttp")
# Runs `python -m bot ARGS` in this interpreter, then reports which of HEAVY it loaded.
WRAPPER = """\
import runpy, sys
sys.argv = ["bot", *sys.argv[1:]]
try:
    runpy.run_module("bot", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
print("LOADED", sorted(m for m in {heavy!r} if m in sys.modules), "EXIT", code, file=sys.stderr)
"""


def run_bot(*args: str | Path, cwd: Path = ROOT, heavy: tuple[str, ...] = HEAVY) -> tuple[list[str], int, str]:
    """(the heavy modules loaded, the exit code, stdout) of `python -m bot ARGS`."""
    out = subprocess.run([sys.executable, "-c", WRAPPER.format(heavy=heavy), *map(str, args)], cwd=cwd,
                         capture_output=True, text=True, timeout=120)
    report = out.stderr.strip().splitlines()[-1].split()
    assert report[0] == "LOADED", out.stderr
    loaded = ast.literal_eval(" ".join(report[1:report.index("EXIT")]))  # the list printed above
    return loaded, int(report[-1]), out.stdout


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config over a folder of our own posts."""
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("16", 3))
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                      f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    return config


def test_parse_does_not_load_discord(site: Path) -> None:
    posts = sorted((site.parent / "posts").rglob("*.md"))
    loaded, code, stdout = run_bot("parse", *posts)
    assert code == 0 and "2405.16001" in stdout
    assert loaded == []


@pytest.mark.skipif(not SHARED_DIGESTS.is_dir(), reason=f"no shared digests at {SHARED_DIGESTS}")
def test_parse_over_the_shared_posts_does_not_load_discord() -> None:
    posts = sorted((SHARED_DIGESTS / "kedreamix").rglob("*.md"))
    loaded, code, stdout = run_bot("parse", *posts)
    assert code == 0 and stdout.count("\n") > 100
    assert loaded == []


def test_parse_of_clean_posts_loads_no_yaml_or_ftfy(site: Path) -> None:
    """A third of a whole `python -m bot parse` was loading these: the mojibake fixer is loaded
    only for a post that needs it, the config reader only by commands that use it."""
    posts = sorted((site.parent / "posts").rglob("*.md"))
    loaded, code, stdout = run_bot("parse", "--json", *posts, heavy=("yaml", "ftfy"))
    assert code == 0 and "2405.16001" in stdout
    assert loaded == []
    mojibake = site.parent / "mojibake.md"
    mojibake.write_bytes(posts[0].read_text(encoding="utf-8").encode("utf-8").decode("cp1252", "replace")
                         .encode("utf-8"))
    loaded, code, stdout = run_bot("parse", mojibake, heavy=("ftfy",))
    assert code == 0 and "2405.16001" in stdout and loaded == ["ftfy"]


def test_check_config_and_search_do_not_load_discord(site: Path) -> None:
    loaded, code, stdout = run_bot("check-config", site)
    assert code == 0 and "OK" in stdout and loaded == []
    assert subprocess.run([sys.executable, "-m", "bot", "--config", str(site), "ingest"], cwd=ROOT,
                          capture_output=True, timeout=120).returncode == 0
    loaded, code, stdout = run_bot("--config", site, "search", "splatting")
    assert code == 0 and "2405.16001" in stdout
    assert loaded == []
    # The container's health check runs every few minutes beside the bot: it stays light too.
    for command in ("health", "status"):
        loaded, code, stdout = run_bot("--config", site, command)
        assert stdout and loaded == [], command


def test_the_bot_itself_still_loads_discord() -> None:
    """The wrapper can see discord when it is loaded: the checks above are not vacuous."""
    code = "import sys, bot; bot.create_bot; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "True", out.stderr


def test_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    out = subprocess.run([sys.executable, "-m", "bot", "--version"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0
    assert out.stdout.strip() == f"Paperboy {pyproject['project']['version']}"
