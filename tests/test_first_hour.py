"""Issue 21: what a newcomer meets in the first hour, each through the real command line (`python -m bot` in
a subprocess where a process matters): a source whose format matches none of its files, a token of the wrong
shape or none under `run`, `search` on an empty database or emptied by a filter, YAML mistakes in words."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from jobs.bot_token import refused, token_source
from tests.postgen import Entry, entries, write_kedreamix
from tests.test_deploy import _copy_repo, _run

ROOT = Path(__file__).resolve().parents[1]


def paperboy(*args: str, cwd: Path, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERBOY_"))}
    env["PYTHONPATH"] = str(ROOT)
    if token is not None:
        env["DISCORD_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def write_config(tmp_path: Path, posts: Path, fmt: str = "kedreamix", extra: str = "") -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: {fmt}\n    path: {posts}\n{extra}", encoding="utf-8")
    return cfg


# ---- item 4: a source whose format matches none of its files -------------------------------------------------


def test_a_source_in_the_wrong_format_warns_naming_the_format_that_parses(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 2))
    cfg = write_config(tmp_path, posts, "daily-arxiv", "    include: ['*.md']\n")
    done = paperboy("--config", str(cfg), "ingest", cwd=tmp_path)
    line = next(line for line in done.stdout.splitlines() if line.startswith("local:"))
    assert "papers new 0" in line
    assert ("WARNING: no file read this run parses as format daily-arxiv (2024-05-06/3DGS.md did not); they parse "
            "as kedreamix: set `format: kedreamix` (or auto) for source local") in line


def test_a_source_in_its_right_format_has_no_warning(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 2))
    done = paperboy("--config", str(write_config(tmp_path, posts)), "ingest", cwd=tmp_path)
    assert done.returncode == 0 and "WARNING" not in done.stdout + done.stderr


# ---- item 6 and 10: the token ---------------------------------------------------------------------------------


def test_a_placeholder_token_is_refused_before_connecting(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    done = paperboy("--config", str(write_config(tmp_path, posts)), "run", cwd=tmp_path, token="your-token")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "paperboy run: the bot token (the environment variable DISCORD_TOKEN) does not look like a bot token "
        "(10 characters; a token is about 70, three parts joined by dots). Copy it from the Discord developer "
        "portal (https://discord.com/developers/applications) → your application → Bot → Reset Token."]
    assert not (tmp_path / "p.db").exists()  # refused before anything was opened


def test_the_token_is_said_to_come_from_env_when_it_does(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=your-token\n", encoding="utf-8")
    assert token_source("your-token", env_file) == f"DISCORD_TOKEN in {env_file}"
    assert token_source("another", env_file) == "the environment variable DISCORD_TOKEN"
    assert token_source("your-token", None) == "the environment variable DISCORD_TOKEN"
    assert refused(f"DISCORD_TOKEN in {env_file}").startswith(
        f"Discord refused the bot token (DISCORD_TOKEN in {env_file}): it is wrong, or was reset. Reset it at the "
        "Discord developer portal")


def test_a_token_from_the_environment_is_named_as_such(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    done = paperboy("--config", str(write_config(tmp_path, posts)), "run", cwd=tmp_path, token="Bot abc.def")
    assert done.returncode == 2
    assert "(the environment variable DISCORD_TOKEN) starts with 'Bot ': give the token alone" in done.stderr


def test_run_without_a_token_refuses_in_one_line_and_no_command_is_a_dry_run(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 1))
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\n", encoding="utf-8")  # .env.example copied as is
    cfg = write_config(tmp_path, posts)
    done = paperboy("--config", str(cfg), "run", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "paperboy run: no DISCORD_TOKEN (in the environment or .env; .env.example leaves it empty), so there is "
        "nothing to connect with. Set it, or try without Discord: `bash scripts/run.sh run --dry-run`."]
    dry = paperboy("--config", str(cfg), cwd=tmp_path)
    assert dry.returncode == 0 and "doing a dry run" in dry.stdout


# ---- item 8: search that finds nothing says why ---------------------------------------------------------------


def test_search_on_an_empty_database_says_it_holds_no_papers_and_how_to_ingest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    cfg = write_config(tmp_path, posts)
    assert main(["--config", str(cfg), "ingest"]) == 0  # a database, with nothing in it
    capsys.readouterr()
    assert main(["--config", str(cfg), "search", "gaussian"]) == 0
    assert capsys.readouterr().err.strip() == (
        f"no results for 'gaussian': the database {tmp_path / 'p.db'} holds 0 papers; `bash scripts/run.sh "
        "ingest` fetches the sources into it")


def test_search_names_the_filter_that_emptied_the_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 3))
    write_kedreamix(posts, "NeRF", "2024-05-07", [Entry("2405.70001", "Radiance fields for rooms")])
    cfg = write_config(tmp_path, posts)
    assert main(["--config", str(cfg), "ingest"]) == 0
    capsys.readouterr()
    assert main(["--config", str(cfg), "search", "gaussian", "--topic", "NeRF"]) == 0
    assert capsys.readouterr().err.strip() == (
        "no results for 'gaussian': 3 match without --topic, which leaves none")
    assert main(["--config", str(cfg), "search", "gaussian", "--after", "2024-05-07"]) == 0
    assert capsys.readouterr().err.strip().endswith("3 match without --after, which leaves none")
    assert main(["--config", str(cfg), "search", "zebra"]) == 0
    assert capsys.readouterr().err.strip() == "no results for 'zebra' among the 4 papers in the database"


# ---- item 9: YAML mistakes in words ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "words", "shown"), [
    ("sources:\n  - name: a\n    kind: directory\n   format: x\n",
     "line 4 is indented differently from the lines above it", "  4 |    format: x"),
    ("schedule:\n\ttime: '08:30'\n", "line 2 has a tab where YAML expects spaces", "  2 | →time: '08:30'"),
    ("schedule:\n  time: 08:30: x\n", "line 2 has a second ':' where a value was expected", "  2 |   time: 08:30: x"),
    ('schedule:\n  time: "08:30\n', "the quote opened on line 2 is never closed", '  2 |   time: "08:30'),
])
def test_a_yaml_mistake_is_said_in_words_with_its_line_shown(tmp_path: Path, text: str, words: str,
                                                            shown: str) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, encoding="utf-8")
    done = paperboy("check-config", str(cfg), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.rstrip().splitlines()
    assert lines[0].startswith(f"config error: {cfg}: not valid YAML: {words}"), lines
    assert lines[1] == shown
    assert lines[2].strip().endswith("^")
    assert "<block" not in done.stderr and "expected <" not in done.stderr and "but found" not in done.stderr


# ---- item 12: small warts -------------------------------------------------------------------------------------


def test_search_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 40))
    cfg = write_config(tmp_path, posts)
    assert paperboy("--config", str(cfg), "ingest", cwd=tmp_path).returncode == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m bot --config {cfg} search gaussian "
                           "--limit 50 | head -1"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("1. 2405.")
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr and "Broken pipe" not in done.stderr  # at most the "1-40 of 40" line


def test_demo_check_reports_the_cycle_that_stored_the_papers(tmp_path: Path) -> None:
    done = paperboy("demo", "--no-browser", "--check", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    posted = int(re.search(r"one digest cycle posted (\d+) papers", done.stdout).group(1))  # type: ignore[union-attr]
    new = sum(int(n) for n in re.findall(r"papers new (\d+)", done.stdout))
    assert posted > 20 and new >= posted, done.stdout  # not "papers new 0" under "posted 26 papers"


def test_parse_of_a_file_that_is_no_post_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(ROOT / "README.md")]) == 1
    assert "README.md: not parsed:" in capsys.readouterr().err


def test_a_python_that_is_not_there_is_named_plainly(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    done = _run(repo, "run.sh", "--help", python=str(tmp_path / "no-such-python3"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Paperboy needs Python 3.11 or newer, and there is no {tmp_path / 'no-such-python3'} here: install 3.11+ "
        "or name one with PYTHON=/path/to/python3.11"]


def test_the_own_config_is_ignored_by_git() -> None:
    done = subprocess.run(["git", "check-ignore", "-q", "config/config.yaml"], cwd=ROOT, timeout=30)
    assert done.returncode == 0, "config/config.yaml (a person's own config) must be in .gitignore"


def test_a_database_under_proc_fails_check_config(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: /proc/paperboy.db\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    done = paperboy("check-config", str(cfg), cwd=tmp_path)
    assert done.returncode == 2
    assert "database.path: folder /proc is not writable, so paperboy.db cannot be created" in done.stderr


# ---- items 3 and 5: the terminal demo, and a first run without the network ---------------------------------


def test_the_terminal_demo_shows_the_papers_on_every_run(tmp_path: Path) -> None:
    for _ in range(2):
        done = paperboy("--config", str(ROOT / "config" / "demo.yaml"), "run", "--dry-run", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "a fresh temporary database for this run" in done.stdout
        assert "## 📰 3DGS · 2026-11-18" in done.stdout and "No new papers" not in done.stdout


def test_a_second_dry_run_says_how_to_see_the_first_delivery_again(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 1))
    cfg = write_config(tmp_path, posts)
    assert paperboy("--config", str(cfg), "run", "--dry-run", cwd=tmp_path).returncode == 0
    again = paperboy("--config", str(cfg), "run", "--dry-run", cwd=tmp_path)
    assert "No new papers since the last cycle" in again.stdout
    assert f"start from an empty database: delete {tmp_path / 'p.db'}" in " ".join(again.stdout.split())


def test_offline_the_first_run_says_each_failure_once_and_suggests_the_offline_demo(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on: "could not connect", as without a network
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: kedreamix\n    kind: github\n"
                   f"    format: kedreamix\n    repo: Kedreamix/MyBlog\n    path: source/_posts/Paper\n"
                   f"    api_url: http://127.0.0.1:{port}\n", encoding="utf-8")
    done = paperboy("--config", str(cfg), cwd=tmp_path)
    assert done.returncode == 1
    both = done.stdout + done.stderr
    assert both.count(f"127.0.0.1:{port}") == 1, both  # one FAILED line; no retry or warning lines
    assert "kedreamix: FAILED: GET" in done.stdout
    flat = " ".join(done.stdout.split())
    assert "To try Paperboy offline on the sample posts shipped with it: in a browser, bash scripts/demo.sh" in flat
    assert "bash scripts/run.sh --config config/demo.yaml run --dry-run" in flat
