#!/usr/bin/env bash
# The README's run command: make .venv (or refresh it when the dependencies changed), start Paperboy.
# Arguments go to `python -m bot`. A .venv made for the tests (scripts/test.sh) serves as well.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements.lock requirements-dev.lock
exec .venv/bin/python -m bot "$@"
