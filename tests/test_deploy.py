"""Deployment files: the Dockerfile and compose file pass their linters, the image installs what the README's
commands install, and scripts/run.sh starts without pip or the package index when nothing changed."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from jobs.config_load import load_config

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a dev dependency: bash scripts/test.sh installs it"
    return found


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run([_tool("hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_compose_file_passes_compose_lint() -> None:
    done = subprocess.run([_tool("compose-lint"), "check", "--no-env", "--fail-on", "low", "compose.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues found" in done.stdout or "compose.yaml: 0 issues" in done.stdout  # or only excused ones


def test_compose_restarts_keeps_data_and_reads_env() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["paperboy"]
    assert service["build"] == "."
    assert service["restart"] == "unless-stopped"
    assert service["env_file"] == [{"path": ".env", "required": False}]  # a fresh clone has no .env
    assert any(v.split(":")[1] == "/data" for v in service["volumes"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'VOLUME ["/data"]' in dockerfile
    assert re.search(r"^HEALTHCHECK .*\"-m\", \"bot\", \"health\"", dockerfile, re.M)
    assert re.search(r"^USER \d+", dockerfile, re.M), "the container runs as a non-root user"


def test_compose_config_needs_no_env_file_or_variables() -> None:
    """`docker compose config` in a fresh clone: no .env yet, no variable set. (No Docker engine runs here, so
    the file is read as compose reads it: every env_file optional, no ${VAR} without a default.)"""
    text = (ROOT / "compose.yaml").read_text()
    for service in yaml.safe_load(text)["services"].values():
        for entry in service.get("env_file", []):
            assert isinstance(entry, dict) and entry.get("required") is False, entry
    assert not re.findall(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:\}|:\?|\?)", text), "give each variable a default"


def test_a_procfile_host_installs_the_lock() -> None:
    """Heroku's and Railway's Python builds install requirements.txt: it must be the lock, hashes and all, and
    the Procfile must run Paperboy from the checkout (no package install there)."""
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    assert lines == ["-r requirements.lock"]
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet", "-r",
                           "requirements.txt"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]  # pip reads it: every pin hashed, all installed here
    assert (ROOT / "Procfile").read_text().strip() == "worker: python -m bot run"


def test_systemd_does_not_restart_what_a_restart_cannot_fix() -> None:
    unit = (ROOT / "deploy/paperboy.service").read_text()
    assert re.search(r"^ExecStart=.* scripts/run.sh run$", unit, re.M)  # `run`: without a token it exits 2
    assert re.search(r"^RestartPreventExitStatus=2$", unit, re.M)


def test_the_postgres_profile_runs_a_server_the_bot_waits_for() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    bot, server = compose["services"]["paperboy"], compose["services"]["postgres"]
    assert [name for name, s in compose["services"].items() if not s.get("profiles")] == ["paperboy"]  # one bot
    assert server["profiles"] == ["postgres", "scale"] and server["image"] == "postgres:15"
    assert server["restart"] == "unless-stopped" and "ports" not in server  # the compose network only
    (volume,) = server["volumes"]
    name, path = volume.split(":")
    assert path == "/var/lib/postgresql/data" and name in compose["volumes"]  # a named volume
    test = server["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL" and test[1].startswith("pg_isready -U paperboy -d paperboy")
    # The bot starts once the server is healthy; without the profile it needs none (SQLite on /data).
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy", "required": False}}
    # The URL .env.example gives reaches that server with its user, database and password.
    env = (ROOT / ".env.example").read_text()
    lines = dict(line.lstrip("# ").split("=", 1) for line in env.splitlines()
                 if re.match(r"#? ?(COMPOSE_PROFILES|POSTGRES_PASSWORD|PAPERBOY_DATABASE_URL)=\S", line))
    assert lines["COMPOSE_PROFILES"] == "postgres"
    from jobs.database_url import parse_database_url

    url = parse_database_url(lines["PAPERBOY_DATABASE_URL"])
    from urllib.parse import urlsplit

    parts = urlsplit(url.url)
    assert (url.backend, parts.hostname, parts.port, parts.path) == ("postgresql", "postgres", 5432, "/paperboy")
    assert parts.username == server["environment"]["POSTGRES_USER"] == "paperboy"
    assert parts.password == lines["POSTGRES_PASSWORD"]
    assert server["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-}"


def test_the_scale_profile_runs_one_scheduler_two_senders_and_two_gateways() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    parts = {name: s for name, s in services.items() if "scale" in s.get("profiles", [])}
    assert sorted(parts) == ["gateway-0", "gateway-1", "postgres", "scheduler", "sender"]
    runs = {name: s["command"][s["command"].index("run") + 1:] for name, s in parts.items() if name != "postgres"}
    assert runs == {"scheduler": ["--role", "scheduler", "--wait-db", "120"],
                    "sender": ["--role", "sender", "--wait-db", "120"],
                    "gateway-0": ["--role", "gateway", "--shards", "0/2", "--wait-db", "120"],
                    "gateway-1": ["--role", "gateway", "--shards", "1/2", "--wait-db", "120"]}
    assert parts["sender"]["scale"] == 2 and all("scale" not in parts[n] for n in ("scheduler", "gateway-0"))
    for name in runs:  # each as locked down as the one process, and started once the server is healthy
        part = parts[name]
        assert part["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert part["read_only"] is True and part["cap_drop"] == ["ALL"] and part["restart"] == "unless-stopped"
        assert part["env_file"] == [{"path": ".env", "required": False}]
    # The one process steps aside under the profile (.env: PAPERBOY_ALL_IN_ONE=0), else it runs as before.
    assert services["paperboy"]["scale"] == "${PAPERBOY_ALL_IN_ONE:-1}"
    env = (ROOT / ".env.example").read_text()
    assert "#   COMPOSE_PROFILES=scale" in env and "#   PAPERBOY_ALL_IN_ONE=0" in env


def _pip_installs(text: str) -> list[list[str]]:
    """Each `pip install` in a script or Dockerfile, as its arguments without output-only options."""
    quiet = {"--quiet", "-q", "--disable-pip-version-check", "--no-cache-dir"}
    return [[a for a in shlex.split(m[1]) if a not in quiet]
            for m in re.finditer(r"-m pip install ([^\n&|;]+)", text)]


def test_image_installs_what_run_sh_installs() -> None:
    run_sh = (ROOT / "scripts/run.sh").read_text()
    lock = re.search(r"^ensure_venv (\S+)", run_sh, re.M)[1]
    script = (ROOT / "scripts/venv.sh").read_text().replace('"$lock"', lock)
    assert lock == "requirements.lock"
    assert _pip_installs((ROOT / "Dockerfile").read_text()) == _pip_installs(script) == [
        ["--require-hashes", "-r", "requirements.lock"], ["--no-deps", "-e", "."],
    ]


def _pins(lock: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", (ROOT / lock).read_text(), re.M))


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement)[0]).lower()


def test_lock_files_cover_pyproject_and_agree() -> None:
    project = __import__("tomllib").loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    runtime, dev = ({_name(k): v for k, v in pins.items()} for pins in (runtime, dev))
    assert {_name(r) for r in project["dependencies"]} <= runtime.keys(), "run bash scripts/lock.sh"
    assert {_name(r) for r in project["optional-dependencies"]["dev"]} <= dev.keys(), "run bash scripts/lock.sh"
    assert {k: dev.get(k) for k in runtime} == runtime, "the tests run the versions the bot runs"


def test_docker_config_is_the_example_with_the_database_on_data() -> None:
    docker, example = load_config(ROOT / "config/docker.yaml"), load_config(ROOT / "config/config.example.yaml")
    assert docker.database_path == Path("/data/paperboy.db")
    assert (docker.sources, docker.schedule, docker.feeds) == (example.sources, example.schedule, example.feeds)
    assert "COPY config/docker.yaml ./config/config.yaml" in (ROOT / "Dockerfile").read_text()


def test_env_example_names_every_variable_the_code_reads() -> None:
    read = set()
    for py in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("jobs/**/*.py")]:
        code = py.read_text()
        read |= set(re.findall(r"(?:environ\.get|getenv|environ\[)\(?\s*[\"']([A-Z][A-Z0-9_]+)", code))
        read |= set(re.findall(r"[\"'](PAPERBOY_[A-Z0-9_]+)[\"']", code))  # names kept in constants
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert {"DISCORD_TOKEN", "GITHUB_TOKEN"} <= read
    assert read <= named, f"add to .env.example: {sorted(read - named)}"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed here")
def test_systemd_unit_verifies() -> None:
    done = subprocess.run(["systemd-analyze", "verify", "deploy/paperboy.service"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")


# ------------------------------------------------------------------ scripts/run.sh and its .venv stamp


def _copy_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for part in ["bot", "jobs", "config", "scripts"]:
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ["pyproject.toml", "requirements.lock", "requirements-dev.lock", "README.md", "LICENSE"]:
        shutil.copy(ROOT / part, repo / part)
    return repo


def _cheap_venv(repo: Path, lock: str) -> None:
    """A real .venv without pip of its own that sees this test run's packages, stamped as up to date."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(repo / ".venv")], check=True, timeout=60)
    purelib = Path(subprocess.check_output(
        [repo / ".venv/bin/python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        text=True).strip())
    (purelib / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (repo / ".venv/bin/ruff").symlink_to(_tool("ruff"))
    digest = hashlib.sha256((repo / "pyproject.toml").read_bytes() + (repo / lock).read_bytes()).hexdigest()
    (repo / ".venv/.paperboy-deps").write_text(f"{digest} {lock}\n")


def _old_python() -> str | None:
    """A Python older than 3.11 on this machine, if there is one (pyenv keeps several)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(root.glob("versions/3.10*/bin/python3.10")) + sorted(root.glob("versions/3.9*/bin/python3.9"))
    return str(found[0]) if found else None


def _run(repo: Path, script: str, *args: str, python: str | None = None) -> subprocess.CompletedProcess[str]:
    """The script with the package index unreachable, pip's config ignored, and every pip run logged."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/",
            "PIP_RETRIES": "0", "PIP_LOG": str(repo.parent / "pip.log"),
            "PYTHON": python or getattr(sys, "_base_executable", sys.executable)}
    return subprocess.run(["bash", f"scripts/{script}", *args], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=120)


def test_run_sh_with_an_up_to_date_venv_starts_without_pip(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _cheap_venv(repo, "requirements.lock")
    done = _run(repo, "run.sh", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: bash scripts/run.sh")
    assert done.stderr == ""
    assert not (tmp_path / "pip.log").exists(), "pip ran"


def test_run_sh_refreshes_when_pyproject_changed_and_says_so_when_it_cannot(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _cheap_venv(repo, "requirements.lock")
    with (repo / "pyproject.toml").open("a") as f:
        f.write("\n# a dependency changed\n")
    done = _run(repo, "run.sh", "--help")
    assert done.returncode == 1
    assert "usage:" not in done.stdout, "the bot must not start on a half-installed .venv"
    lines = done.stderr.splitlines()
    assert lines[0] == "Dependencies changed (pyproject.toml or requirements.lock): refreshing .venv"
    assert lines[-1] == ("Could not install requirements.lock into .venv (is the package index reachable?). "
                         "Nothing was started.")
    assert (tmp_path / "pip.log").exists()
    assert not (repo / ".venv/.paperboy-deps").exists(), "the next start must try again"


def test_run_sh_rebuilds_a_venv_whose_python_is_gone(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    (repo / ".venv/bin").mkdir(parents=True)
    (repo / ".venv/bin/python").symlink_to(tmp_path / "python3.9-since-uninstalled")
    (repo / ".venv/.paperboy-deps").write_text("stale\n")
    done = _run(repo, "run.sh", "--help")
    lines = done.stderr.splitlines()
    assert lines[0] == ".venv's Python is gone (removed or upgraded): rebuilding .venv"
    assert lines[1].startswith("Making .venv with Python 3.")
    assert done.returncode == 1 and lines[-1].startswith("Could not install requirements.lock")
    assert (repo / ".venv/bin/python").resolve().exists()


@pytest.mark.skipif(not _old_python(), reason="no Python older than 3.11 on this machine")
def test_run_sh_rebuilds_a_venv_made_by_an_old_python(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    old = _old_python()
    subprocess.run([old, "-m", "venv", "--without-pip", str(repo / ".venv")], check=True, timeout=60)
    version = subprocess.check_output([old, "-c", "import platform; print(platform.python_version())"], text=True)
    done = _run(repo, "run.sh", "--help")
    lines = done.stderr.splitlines()
    assert lines[0] == (f".venv was made by Python {version.strip()}, and Paperboy needs 3.11 or newer: "
                        "rebuilding .venv")
    assert lines[1].startswith("Making .venv with Python 3.1") and "3.10" not in lines[1]
    assert done.returncode == 1 and lines[-1].startswith("Could not install requirements.lock")


@pytest.mark.skipif(not _old_python(), reason="no Python older than 3.11 on this machine")
def test_run_sh_refuses_an_old_python_with_a_plain_message(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    done = _run(repo, "run.sh", "--help", python=_old_python())
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"Paperboy needs Python 3.11 or newer, and {_old_python()} is Python 3.")
    assert done.stderr.rstrip().endswith("install 3.11+ or name one with PYTHON=/path/to/python3.11")
    assert not (repo / ".venv").exists()


def test_test_sh_fails_when_no_tests_ran(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    (repo / "tests").mkdir()
    _cheap_venv(repo, "requirements-dev.lock")
    done = _run(repo, "test.sh")
    assert "All checks passed!" in done.stdout
    assert done.returncode == 5, done.stdout + done.stderr
    assert not (tmp_path / "pip.log").exists()
