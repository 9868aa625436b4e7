#!/usr/bin/env bash
# The README's test command: make a virtualenv, install Paperboy with its test tools, run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"
