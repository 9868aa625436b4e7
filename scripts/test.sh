#!/usr/bin/env bash
# The README's test command: make .venv with the test tools (or refresh it when the dependencies changed),
# run ruff, then pytest (arguments go to pytest; "no tests ran", exit 5, fails too).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements-dev.lock
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"
