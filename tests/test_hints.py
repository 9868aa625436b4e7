"""Issue 21, item 1: every hint and --help names a command that works as printed. In a checkout that is
`bash scripts/run.sh …` (it makes .venv first); `.venv/bin/paperboy …` is the installed console script;
a Python without Paperboy's packages is told to run scripts/run.sh instead of a ModuleNotFoundError."""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.postgen import entries, write_kedreamix
from tests.test_deploy import _cheap_venv, _copy_repo, _run

ROOT = Path(__file__).resolve().parents[1]


def test_the_paperboy_console_script_runs_and_its_help_names_a_command_that_works() -> None:
    script = Path(sys.executable).parent / "paperboy"
    assert script.is_file(), "[project.scripts] paperboy: pip install -e . (scripts/run.sh does) puts it in .venv"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: bash scripts/run.sh")
    assert "`bash scripts/run.sh COMMAND --help` describes each command" in " ".join(done.stdout.split())
    for command in ("run", "ingest", "search", "demo"):
        sub = subprocess.run([str(script), command, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert sub.returncode == 0 and sub.stdout.startswith(f"usage: bash scripts/run.sh {command}"), sub.stdout
        assert "python -m bot" not in sub.stdout


def test_no_message_names_python_m_bot() -> None:
    """Docstrings and comments may say `python -m bot`; a string printed to a person may not (outside
    .venv it fails on the first missing package)."""
    found = []
    for py in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("jobs/**/*.py")]:
        tree = ast.parse(py.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and "python -m bot" in node.value):
                found.append(f"{py.relative_to(ROOT)}:{node.lineno}")
    assert not found


def test_a_python_without_the_packages_is_told_to_run_scripts_run_sh(tmp_path: Path) -> None:
    # -S: no site-packages, as a system Python outside .venv; the checkout itself is importable from cwd.
    done = subprocess.run([sys.executable, "-S", "-m", "bot", "status"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the Python package"), done.stderr
    assert lines[0].endswith("run bash scripts/run.sh (it installs what is missing)")


def test_the_search_hint_in_a_fresh_copy_names_a_command_that_works(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _cheap_venv(repo, "requirements.lock")
    posts = tmp_path / "posts"
    write_kedreamix(posts, "3DGS", "2024-05-06", entries("6", 2))
    (repo / "config" / "config.yaml").write_text(
        f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
        f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    first = _run(repo, "run.sh", "search", "gaussian")
    assert first.returncode == 1
    hint = re.search(r"run `([^`]+)` first", first.stderr)
    assert hint, first.stderr
    bash, script, *args = shlex.split(hint.group(1))
    assert (bash, script, args) == ("bash", "scripts/run.sh", ["ingest"])
    ingest = _run(repo, "run.sh", *args)  # the hint as printed, with the package index out of reach
    assert ingest.returncode == 0, ingest.stderr
    again = _run(repo, "run.sh", "search", "gaussian")
    assert again.returncode == 0 and "Paper 6-1 on Gaussian splatting" in again.stdout, again.stderr
