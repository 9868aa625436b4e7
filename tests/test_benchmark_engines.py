"""benchmarks/store_engines.py --smoke runs both engines side by side and prints every figure it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.engines import fresh_database

ROOT = Path(__file__).resolve().parents[1]


async def test_the_engines_benchmark_smoke_run_prints_each_figure(tmp_path: Path) -> None:
    async with fresh_database("postgres", tmp_path):  # skips without a server (fails in CI)
        pass
    done = subprocess.run([sys.executable, "benchmarks/store_engines.py", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("machine: ")
    for name in ("ingest archive", "ingest a day", "fan-out plan", "outbox claim "):
        [row] = [line for line in out.splitlines() if line.startswith(name)]
        assert "sqlite wall min" in row and "postgres wall min" in row and "CPU min" in row
        assert "postgres/sqlite" in row
    assert "search sqlite " in out and "search postgres" in out and "p95" in out
    assert "words and prefixes p50" in out and "phrases p50" in out
    assert "claim rate sqlite" in out and "claim rate postgres" in out and "rows/s" in out
    if "Traceback" in done.stderr:
        pytest.fail(done.stderr)
