"""Every benchmark runs from a plain clone (issue 21, item 11): its --smoke mode (small sizes, seconds) in a copy
of the repository with no ../shared/digests beside it, so the ones that read posts use the corpus generated from
samples/, and say so. A benchmark that rots (a changed payload, a moved folder) fails here, not in a session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))
READS_POSTS = {"cli_startup", "fold_speed", "ingest_throughput", "loop_block", "parse_throughput", "scale",
               "search_latency"}


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's code, benchmarks and samples, in a folder with nothing beside it."""
    repo = tmp_path_factory.mktemp("clone") / "paperboy"
    for part in ("bot", "jobs", "benchmarks", "samples", "config", "tests"):
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    return repo


def test_every_benchmark_is_covered() -> None:
    assert len(SCRIPTS) >= 9 and set(SCRIPTS) >= READS_POSTS


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_benchmark_runs_from_a_clone_in_its_smoke_mode(clone: Path, script: str, tmp_path: Path) -> None:
    assert not (clone.parent / "shared").exists()
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # its cached databases too
    done = subprocess.run([sys.executable, f"benchmarks/{script}.py", "--smoke"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    if script in READS_POSTS:
        assert "corpus: generated from samples/" in done.stdout
        assert "A larger real corpus gives the figures in docs/benchmarks.md" in done.stdout
