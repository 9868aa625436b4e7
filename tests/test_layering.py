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


def test_cogs_take_store_areas_not_the_store() -> None:
    """A cog is handed the store areas it uses (jobs/store/areas.py) when it is set up, and types them: none
    names the store's classes or reaches for the whole store through the bot or an interaction."""
    import ast

    for path in sorted((ROOT / "bot" / "cogs").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jobs.store"):
                assert node.module == "jobs.store.areas", f"{path.name} imports {node.module}"
            if isinstance(node, ast.Name):
                assert node.id not in ("Store", "StoreProtocol", "PostgresStore"), f"{path.name} names {node.id}"
            if isinstance(node, ast.Attribute) and node.attr == "store" and isinstance(node.value, ast.Attribute):
                reach = ast.unparse(node)
                assert reach == "bot.store" or not reach.endswith((".bot.store", ".client.store")), \
                    f"{path.name} reaches the whole store: {reach}"
        setups = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "setup"]
        if path.name != "__init__.py":
            assert setups and "bot.store" in ast.unparse(setups[0]), f"{path.name}: setup hands the cog its areas"



def test_what_takes_store_areas_calls_only_what_they_declare() -> None:
    """A function or class handed `store` typed by store areas (jobs/store/areas.py), or by a Protocol made of
    them, calls nothing else on it: every `store.<method>` (or `self.store.<method>`) is declared by those
    areas. So a caller's areas say what it really uses, and one that needs more must name the area."""
    import ast

    from jobs.store import areas

    declared = {a.__name__: {n for n in vars(a) if not n.startswith("_")} for a in areas.AREAS}
    files = [p for p in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "jobs").rglob("*.py")])
             if "jobs/store" not in p.as_posix()]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    for tree in trees.values():  # protocols made of areas, wherever they are defined
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b) == "Protocol" for b in node.bases):
                parts = [ast.unparse(b) for b in node.bases if ast.unparse(b) != "Protocol"]
                if parts and all(p in declared for p in parts):
                    declared[node.name] = set().union(*(declared[p] for p in parts))

    def calls(node: ast.AST, on: str) -> set[str]:
        return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and ast.unparse(n.value) == on}

    checked = 0
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.ClassDef):  # a class keeps the store its __init__ was handed
                inits = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
                args = inits[0].args.args if inits else []
                on, scope = "self.store", node
            else:
                args, on, scope = node.args.args + node.args.kwonlyargs, "store", node
            kind = next((ast.unparse(a.annotation) for a in args if a.arg == "store" and a.annotation), None)
            if kind not in declared:
                continue
            extra = calls(scope, on) - declared[kind]
            assert not extra, f"{path.relative_to(ROOT)}: {node.name} takes a {kind} but calls {sorted(extra)}"
            checked += 1
    assert checked >= 30, checked  # the cogs, the planners, search, status, ingest
