# Sourced by run.sh and test.sh: `ensure_venv LOCKFILE [ALSO_ACCEPTED_LOCKFILE]` makes .venv or brings it up
# to date, and does nothing (no pip, no package index) when pyproject.toml and the lock file are unchanged
# since the last install. The stamp .venv/.paperboy-deps holds "<sha256 of pyproject.toml + lock> <lock>".

_die() { echo "$*" >&2; exit 1; }

_python_ok() {  # is "$1" a Python 3.11+ that runs?
    [ -x "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

deps_stamp() {  # the stamp line for a lock file
    echo "$(cat pyproject.toml "$1" | sha256sum | cut -d' ' -f1) $1"
}

ensure_venv() {
    local lock="$1" also="${2:-}" py="${PYTHON:-python3}" reason="" have=""
    [ -f "$lock" ] || _die "$lock is missing: run bash scripts/lock.sh"
    if [ -e .venv ] && [ ! -e .venv/bin/python ]; then
        reason=".venv's Python is gone (removed or upgraded): rebuilding .venv"
    elif [ -e .venv ] && ! _python_ok .venv/bin/python; then
        reason=".venv was made by Python $(.venv/bin/python -c 'import platform; print(platform.python_version())' \
            2>/dev/null || echo '?'), and Paperboy needs 3.11 or newer: rebuilding .venv"
    fi
    if [ -n "$reason" ]; then
        echo "$reason" >&2
        rm -rf .venv
    fi
    have="$(cat .venv/.paperboy-deps 2>/dev/null || true)"
    if [ -e .venv/bin/python ] && { [ "$have" = "$(deps_stamp "$lock")" ] ||
            { [ -n "$also" ] && [ -f "$also" ] && [ "$have" = "$(deps_stamp "$also")" ]; }; }; then
        return 0
    fi
    if [ ! -e .venv ]; then
        if ! command -v "$py" >/dev/null; then
            _die "Paperboy needs Python 3.11 or newer, and there is no $py here:" \
                "install 3.11+ or name one with PYTHON=/path/to/python3.11"
        fi
        _python_ok "$(command -v "$py")" || _die "Paperboy needs Python 3.11 or newer, and $py is" \
            "$("$py" --version 2>&1 | head -n1)": install 3.11+ or name one with PYTHON=/path/to/python3.11
        echo "Making .venv with $("$py" --version 2>&1) and installing $lock (once; later starts skip this)" >&2
        "$py" -m venv .venv || _die "could not make .venv with $py"
    else
        echo "Dependencies changed (pyproject.toml or $lock): refreshing .venv" >&2
    fi
    rm -f .venv/.paperboy-deps
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$lock" &&
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e . ||
        _die "Could not install $lock into .venv (is the package index reachable?). Nothing was started."
    deps_stamp "$lock" > .venv/.paperboy-deps
}
