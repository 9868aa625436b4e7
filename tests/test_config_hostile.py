"""Config values that used to pass `check-config` and then crash, or crash it: each now gets one plain
line naming the key (exit 2), through the real `python -m bot` in a subprocess with a timeout.

Before: `lookback_days: 999999` passed check-config, then every ingest died with OverflowError; a
5,000-digit number gave a raw ValueError traceback; a YAML alias bomb under a known key had its expanded
value repr()ed (448 MB, then MemoryError); a missing source folder or an unwritable database folder
passed check-config.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def bot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def config(tmp_path: Path, source_extra: str = "", top_extra: str = "", db: str = "") -> Path:
    (tmp_path / "posts").mkdir(exist_ok=True)
    f = tmp_path / "config.yaml"
    f.write_text(
        f"database:\n  path: {db or tmp_path / 'p.db'}\n"
        f"sources:\n  - name: local\n    kind: directory\n    format: kedreamix\n    path: posts\n{source_extra}"
        f"{top_extra}",
        encoding="utf-8",
    )
    return f


def assert_plain_config_error(result: subprocess.CompletedProcess[str], key: str, words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 400, result.stderr[:2000]
    assert key in lines[0] and words in lines[0], lines[0]


@pytest.mark.parametrize(
    ("source_extra", "top_extra", "key", "words"),
    [
        ("    lookback_days: 999999\n", "", "sources[0].lookback_days", "from 1 to 3650, got 999999"),
        ("    lookback_days: " + "9" * 5000 + "\n", "", "sources[0].lookback_days", "(5,000 characters)"),
        ("    lookback_days: 0\n", "", "sources[0].lookback_days", "from 1 to 3650"),
        ("", "feeds:\n  max_per_cycle: " + "7" * 5000 + "\n", "feeds.max_per_cycle", "(5,000 characters)"),
        ("", "schedule:\n  time: " + "1" * 5000 + "\n", "schedule.time", "not a time of day"),
        ("", "limits:\n  max_post_mb: 0\n", "limits.max_post_mb", "from 0.01 to 1024"),
        ("", "limits:\n  request_timeout_s: .inf\n", "limits.request_timeout_s", "from 1 to 3600, got inf"),
        ("", "limits:\n  source_timeout_s: .nan\n", "limits.source_timeout_s", "got nan"),
        ("", "limits:\n  max_response_mb: lots\n", "limits.max_response_mb", "got 'lots'"),
        ("    name2: " + "x" * 100_000 + "\n", "", "sources[0].name2", "unknown key"),
        ("", "schedule:\n  timezone: " + "Z" * 100_000 + "\n", "schedule.timezone", "(100,000 characters)"),
    ],
)
def test_bad_numbers_and_huge_values_give_one_short_line(
    tmp_path: Path, source_extra: str, top_extra: str, key: str, words: str
) -> None:
    f = config(tmp_path, source_extra, top_extra)
    assert_plain_config_error(bot("check-config", str(f), cwd=tmp_path), key, words)
    if "lookback_days: 9" in source_extra:  # these two used to crash ingest, not check-config
        assert_plain_config_error(bot("--config", str(f), "ingest", cwd=tmp_path), key, words)


def test_a_yaml_alias_bomb_under_a_known_key_is_refused(tmp_path: Path) -> None:
    # 9**9 strings once expanded; before, the error message for schedule.time repr()ed them all
    # (66 s, then MemoryError under a 2 GB limit).
    layers = ['&a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        layers.append(f"&{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    f = config(tmp_path, top_extra="schedule:\n  time: [" + ", ".join(layers) + "]\n")
    result = bot("check-config", str(f), cwd=tmp_path)
    assert_plain_config_error(result, str(f), "alias bomb")


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "loop.yaml"
    f.write_text("sources: &s [*s]\n", encoding="utf-8")
    assert_plain_config_error(bot("check-config", str(f), cwd=tmp_path), str(f), "recursive")


def test_check_config_finds_a_missing_source_folder(tmp_path: Path) -> None:
    f = config(tmp_path)
    (tmp_path / "posts").rmdir()
    assert_plain_config_error(bot("check-config", str(f), cwd=tmp_path), "sources[0].path", "does not exist")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_check_config_finds_an_unwritable_database_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    f = config(tmp_path, db=str(locked / "sub" / "p.db"))
    locked.chmod(0o500)
    try:
        result = bot("check-config", str(f), cwd=tmp_path)
    finally:
        locked.chmod(0o700)
    assert_plain_config_error(result, "database.path", "not writable")


def test_check_config_finds_a_database_path_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    f = config(tmp_path, db=str(tmp_path / "db"))
    assert_plain_config_error(bot("check-config", str(f), cwd=tmp_path), "database.path", "is a folder")


def test_limits_reach_every_source(tmp_path: Path) -> None:
    f = config(tmp_path, top_extra="limits:\n  max_post_mb: 1.5\n  request_timeout_s: 5\n")
    result = bot("check-config", str(f), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from jobs.config_load import load_config

    (src,) = load_config(f).sources
    assert (src.limits.max_post_mb, src.limits.request_timeout_s, src.limits.source_timeout_s) == (1.5, 5, 1800)


def test_check_config_finds_a_database_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    f = config(tmp_path, db=str(tmp_path / "a-file" / "p.db"))
    assert_plain_config_error(bot("check-config", str(f), cwd=tmp_path), "database.path", "is not a folder")
