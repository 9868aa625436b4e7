"""The README's test command (scripts/test.sh) as a newcomer runs it: the tests share out over every core
(pytest-xdist), a slow test is named as it ends rather than the dots stalling, and the slowest are listed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pytest_args() -> list[str]:
    """The pytest options scripts/test.sh passes, without the user's own ("$@")."""
    line = next(line for line in (ROOT / "scripts" / "test.sh").read_text().splitlines() if "-m pytest" in line)
    words = shlex.split(line)
    return [w for w in words[words.index("pytest") + 1:] if w != "$@"]


def test_the_test_command_runs_on_every_core_names_slow_tests_and_lists_the_slowest() -> None:
    args = pytest_args()
    assert args[args.index("-n") + 1] == "auto"
    args[args.index("-n") + 1] = "2"  # two workers whatever this machine has
    # Every test counts as slow here, so each one's name must reach the terminal from its worker.
    done = subprocess.run([sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider",
                           "tests/test_arxiv_id.py", "-k", "junk"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PAPERBOY_SLOW_TEST_S": "0"}, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "bringing up nodes" in out  # xdist's workers
    assert "slow (0 s): tests/test_arxiv_id.py::test_junk_is_not_an_id[" in out
    assert "slowest 15 durations" in out
