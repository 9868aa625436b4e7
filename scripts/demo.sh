#!/usr/bin/env bash
# The README's demo command: the real bot on the sample posts in SimCord's browser preview (no token, no
# network once installed). SimCord is a test tool, so this uses the test environment (requirements-dev.lock);
# like run.sh it installs only when the dependencies changed. Arguments go to `python -m bot demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
ensure_venv requirements-dev.lock
exec .venv/bin/python -m bot demo "$@"
