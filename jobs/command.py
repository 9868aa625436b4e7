"""The command a person types to run Paperboy here: the one home of every hint that names a command.

In a checkout that is `bash scripts/run.sh …`: it makes or refreshes .venv first, so it works from any
shell (a bare `python -m bot` outside .venv fails on the first missing package). Installed without the
scripts (the Docker image, a `pip install`), it is the `paperboy` console script ([project.scripts]).
"""

from __future__ import annotations

from pathlib import Path

_RUN_SH = Path(__file__).resolve().parents[1] / "scripts" / "run.sh"
INSTALLED = "paperboy"
CHECKOUT = "bash scripts/run.sh"
MISSING_PACKAGE_FIX = "run bash scripts/run.sh (it installs what is missing)"


def program() -> str:
    """What runs Paperboy from here: `bash scripts/run.sh` in a checkout, else `paperboy`."""
    return CHECKOUT if _RUN_SH.is_file() else INSTALLED


def command(args: str = "") -> str:
    """The whole command for `args`, e.g. command("ingest") -> "bash scripts/run.sh ingest"."""
    return f"{program()} {args}".rstrip()


def demo_command() -> str:
    """The browser demo: scripts/demo.sh installs SimCord's preview first."""
    return "bash scripts/demo.sh" if program() == CHECKOUT else f"{INSTALLED} demo"
