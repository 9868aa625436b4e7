"""The shape of the code: the import-linter contracts in .importlinter, and what a real import loads.

jobs/ never imports discord; nothing imports bot.app but the entry point; bot/ is layered (ui never
imports cogs, delivery never the app) and has no import cycles, so the old circle cannot come back; jobs/ is
layered by stage (the planners and a search run above the store, search's pure parts below it) and acyclic."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True,
                          timeout=120)


def test_jobs_never_import_discord() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "jobs").rglob("*.py") if p.name != "__init__.py"
    )
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"a jobs module pulls in discord: {modules}"


def test_import_contracts_are_kept() -> None:
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "7 kept, 0 broken" in out.stdout


JOBS = "jobs/ never imports bot/ or discord.py"
APP = "nothing imports bot.app but the entry point"
LAYERS = "bot/ is layered: each layer imports only those below it"
COGS = "the cogs do not import each other"
ACYCLIC = "no import cycles inside bot/"
STAGES = "jobs/ is grouped by stage: each layer imports only those below it"
JOBS_ACYCLIC = "no import cycles inside jobs/"

# One import each that breaks a rule: (file, line added, the contract that must report it).
BREAKS = [
    ("jobs/pipeline.py", "import discord", JOBS),
    ("jobs/pipeline.py", "import bot.ui.embeds", JOBS),
    ("bot/cogs/search.py", "import bot.app", APP),
    ("bot/ui/buttons.py", "import bot.cogs.subscriptions", LAYERS),
    ("bot/delivery/sender.py", "import bot.digest", LAYERS),
    ("bot/cogs/feeds.py", "import bot.cogs.search", COGS),
    ("bot/ui/embeds.py", "import bot.ui.pager", ACYCLIC),
    ("jobs/store/feeds.py", "import jobs.plan.feeds", STAGES),  # the store climbing back to the planner
    ("jobs/search/query.py", "import jobs.store", STAGES),  # search's pure parts sit below the store
    ("jobs/models.py", "import jobs.text", STAGES),  # the bottom layer's modules stand alone
    ("jobs/ops/watchdog.py", "import jobs.ops.status", JOBS_ACYCLIC),
]


@pytest.mark.parametrize(("path", "line", "contract"), BREAKS, ids=[f"{p}:{line}" for p, line, _ in BREAKS])
def test_each_contract_catches_a_bad_import(tmp_path: Path, path: str, line: str, contract: str) -> None:
    for name in ("bot", "jobs"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    target = tmp_path / path
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    out = lint_imports(tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    # Each broken contract gets a section headed by its name; kept ones only a summary line.
    assert f"\n{contract}\n---" in out.stdout, out.stdout
