"""Logging set up as an operator would: JSON lines a collector can parse, a level from the flag or the
environment, a clear error for junk, and no discord.py voice warnings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from jobs.ops.logsetup import LogSetupError, configure_logging, resolve_format, resolve_level

ROOT = Path(__file__).resolve().parents[1]

PROGRAM = """
import logging, sys
from jobs.ops.logsetup import configure_logging
configure_logging(*sys.argv[1:3])
import discord
discord.Client(intents=discord.Intents.default())  # warns about voice support on a machine without it
log = logging.getLogger("paperboy.cycle")
log.debug("debug detail")
log.info("cycle done: %d new papers", 7, extra={"new_papers": 7})
try:
    1 / 0
except ZeroDivisionError:
    log.exception("source kedreamix failed")
logging.getLogger("discord.client").warning("a real discord warning")
"""


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_LOG")}
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**clean, **(env or {})})


def test_json_format_is_one_parsable_object_per_line() -> None:
    out = run("info", "json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines()]
    assert [(r["level"], r["logger"], r["message"]) for r in lines] == [
        ("INFO", "paperboy.cycle", "cycle done: 7 new papers"),
        ("ERROR", "paperboy.cycle", "source kedreamix failed"),
        ("WARNING", "discord.client", "a real discord warning"),
    ]
    assert lines[0]["new_papers"] == 7
    assert "ZeroDivisionError: division by zero" in lines[1]["exc_info"]
    assert "exc_info" not in lines[0]
    for record in lines:
        ts = datetime.fromisoformat(record["ts"])
        assert ts.utcoffset() == timedelta(0)


def test_text_format_is_readable_and_level_comes_from_the_environment() -> None:
    out = run(env={"PAPERBOY_LOG_LEVEL": "debug"})
    assert out.returncode == 0, out.stderr
    lines = out.stderr.splitlines()
    assert any(line.endswith("DEBUG paperboy.cycle: debug detail") for line in lines)
    assert any(line.endswith("INFO paperboy.cycle: cycle done: 7 new papers") for line in lines)
    assert "Traceback (most recent call last):" in out.stderr  # the exception, under its line
    assert "voice will NOT be supported" not in out.stderr


def test_the_flag_beats_the_environment() -> None:
    out = run("ERROR", "json", env={"PAPERBOY_LOG_LEVEL": "DEBUG", "PAPERBOY_LOG_FORMAT": "text"})
    assert [json.loads(line)["level"] for line in out.stderr.splitlines()] == ["ERROR"]


def test_voice_warnings_would_appear_without_the_filter() -> None:
    # The control for the silencing above: discord.py really does warn here.
    code = "import logging, discord; logging.basicConfig(); discord.Client(intents=discord.Intents.default())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if "voice will NOT be supported" not in out.stderr:
        pytest.skip("PyNaCl and davey are installed here: discord.py has no voice warning to silence")
    assert "voice will NOT be supported" not in run("info", "text").stderr


@pytest.mark.parametrize(("level", "fmt", "message"), [
    ("loud", None, "--log-level: unknown log level 'loud' (choose one of DEBUG, INFO, WARNING, ERROR)"),
    (None, "xml", "--log-format: unknown log format 'xml' (choose one of text, json)"),
])
def test_junk_is_a_clear_error(level: str | None, fmt: str | None, message: str) -> None:
    with pytest.raises(LogSetupError) as caught:
        configure_logging(level, fmt)
    assert str(caught.value) == message


def test_junk_in_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERBOY_LOG_LEVEL", "verbose")
    with pytest.raises(LogSetupError, match=r"^PAPERBOY_LOG_LEVEL: unknown log level 'verbose'"):
        resolve_level(None)
    monkeypatch.setenv("PAPERBOY_LOG_LEVEL", "  Warning ")
    assert resolve_level(None) == "WARNING"
    monkeypatch.setenv("PAPERBOY_LOG_FORMAT", "")
    assert resolve_format(None) == "text"  # empty means unset, as in a .env with VAR=

