#!/usr/bin/env bash
# Re-pins every dependency after a change to pyproject.toml: requirements.lock (what scripts/run.sh and the
# Docker image install: the dependencies and the metrics extra) and requirements-dev.lock (plus the test tools,
# for scripts/test.sh). Both are universal (any OS, Python 3.11+) and carry hashes, so pip installs exactly
# the files that were locked.
# Pins already in a lock file stay where they still fit, so adding a dependency moves no other pin;
# `bash scripts/lock.sh --upgrade` moves every pin to the newest allowed release.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="$(command -v uv || true)"
if [ -z "$UV" ]; then
    tools="${TMPDIR:-/tmp}/paperboy-lock-tools"
    [ -x "$tools/bin/uv" ] || { python3 -m venv "$tools" && "$tools/bin/python" -m pip install --quiet uv; }
    UV="$tools/bin/uv"
fi
compile() {  # compile OUT [ARGS…]: the existing OUT's pins are kept where they still fit (no --upgrade)
    local out="$1" body
    shift
    body="$(mktemp)"
    grep -v '^#' "$out" > "$body" 2>/dev/null || true
    "$UV" pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
        --no-header --annotation-style line -o "$body" "$@"
    cat "$body"
    rm -f "$body"
}
header() {
    printf '# Pinned by scripts/lock.sh from pyproject.toml; do not edit. Regenerate with:\n#   %s\n' "$1"
}
{ header "bash scripts/lock.sh   (uv pip compile pyproject.toml --extra metrics --universal --generate-hashes)"
  compile requirements.lock --extra metrics "$@"; } > requirements.lock.new
{ header "bash scripts/lock.sh   (uv pip compile pyproject.toml --extra dev --extra metrics --universal --generate-hashes)"
  compile requirements-dev.lock --extra dev --extra metrics "$@"; } > requirements-dev.lock.new
mv requirements.lock.new requirements.lock
mv requirements-dev.lock.new requirements-dev.lock
echo "wrote requirements.lock ($(grep -c '==' requirements.lock) pins) and requirements-dev.lock ($(grep -c '==' requirements-dev.lock) pins)"
