#!/usr/bin/env bash
# The README's test command: make .venv with the test tools (or refresh it when the dependencies changed),
# run ruff, then pytest (arguments go to pytest; "no tests ran", exit 5, fails too). The tests run on every
# core (pytest-xdist, -n auto; each test has its own tmp_path, ports and PostgreSQL database); a test slower
# than 20 s is named as it ends (tests/conftest.py), and the 15 slowest are listed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements-dev.lock
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q -n auto --dist worksteal --durations=15 "$@"
