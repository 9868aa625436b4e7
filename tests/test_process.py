"""The process as a supervisor sees it (issue 9): real `python -m bot` subprocesses, each with a timeout.

- A fatal error ends the process within seconds, exit 1, with one plain line naming the file and the
  fix (a traceback only with --verbose); nothing keeps it alive (aiosqlite's worker is not a daemon).
- SIGTERM and SIGINT stop it gracefully: exit 0, a line saying so, the database intact.
- A second process on the same database refuses to start, naming the first.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.postgen import entries, kedreamix, write_kedreamix

TIMEOUT = 30  # a hang fails the test instead of the run
# Shaped like a bot token (checked before connecting), never valid: these runs fail before the network.
DUMMY_TOKEN = "MTAxMDEwMTAxMDEwMTAxMDEw.GdUmMy.dummy_dummy_dummy_dummy_dummy_dummy_dum"


def write_config(tmp_path: Path, database: Path, source: dict[str, Any] | None = None) -> Path:
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    source = source or {"name": "local", "kind": "directory", "format": "kedreamix", "path": str(posts)}
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps({"database": {"path": str(database)}, "sources": [source]}), encoding="utf-8")
    return path


def bot_env(token: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERBOY_", "GITHUB_"))}
    if token:
        env["DISCORD_TOKEN"] = token
    return env


def paperboy(config: Path, *args: str, token: str | None = None, verbose: bool = False,
             preexec: Any = None) -> tuple[subprocess.CompletedProcess[str], float]:
    cmd = [sys.executable, "-m", "bot", "--config", str(config), *(["--verbose"] if verbose else []), *args]
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=config.parent, env=bot_env(token), capture_output=True, text=True,
                          timeout=TIMEOUT, preexec_fn=preexec)
    return done, time.monotonic() - start


def stderr_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


# Each way of running that opens the database: ingest, the dry run, and the bot with a (dummy) token,
# where the database fails before any network use.
MODES = [pytest.param(("ingest",), None, id="ingest"), pytest.param(("run", "--dry-run"), None, id="dry-run"),
         pytest.param(("run",), DUMMY_TOKEN, id="bot")]


@pytest.mark.parametrize(("args", "token"), MODES)
def test_a_file_that_is_not_a_database(tmp_path: Path, args: tuple[str, ...], token: str | None) -> None:
    database = tmp_path / "pb.db"
    database.write_bytes(b"this is a text file, not a database\n" * 200)
    done, took = paperboy(write_config(tmp_path, database), *args, token=token)
    # Before: a traceback, then the process hung for ever (aiosqlite's thread); in bot mode the line
    # said "Could not connect to Discord: file is not a database".
    assert done.returncode == 1 and took < 15
    assert stderr_lines(done) == [
        f"database.path {database}: not an SQLite database (restore a backup or point database.path elsewhere)"
    ]
    assert "Traceback" not in done.stderr and "Discord" not in done.stderr


def test_verbose_adds_the_traceback(tmp_path: Path) -> None:
    database = tmp_path / "pb.db"
    database.write_bytes(b"not a database" * 100)
    config = write_config(tmp_path, database)
    for done in (paperboy(config, "ingest", verbose=True)[0], paperboy(config, "ingest", "--verbose")[0]):
        assert done.returncode == 1
        assert "Traceback" in done.stderr and "file is not a database" in done.stderr
        assert done.stderr.rstrip().splitlines()[-1].startswith(f"database.path {database}: not an SQLite database")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Any]:
    """Mounts small tmpfs file systems (needs root; skipped otherwise) and unmounts them after."""
    mounted: list[Path] = []

    def mount(name: str, size: str) -> Path:
        where = tmp_path / name
        where.mkdir()
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                              capture_output=True, text=True, timeout=10)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=10)


def make_read_only(folder: Path) -> None:
    if os.geteuid() == 0:  # root writes through file modes: remount the tmpfs read-only
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, timeout=10)
    else:
        folder.chmod(0o555)


@pytest.mark.parametrize(("args", "token"), MODES)
def test_a_read_only_folder_holding_an_existing_database(tmp_path: Path, tmpfs: Any, args: tuple[str, ...],
                                                         token: str | None) -> None:
    folder = tmpfs("ro", "4m")
    database = folder / "pb.db"
    config = write_config(tmp_path, database)
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 2))
    first, _ = paperboy(config, "ingest")
    assert first.returncode == 0, first.stderr
    make_read_only(folder)

    done, took = paperboy(config, *args, token=token)
    # Before: a traceback ("attempt to write a readonly database" / "unable to open database file"),
    # then a hang.
    assert done.returncode == 1 and took < 15
    [line] = stderr_lines(done)
    assert line.startswith(f"database.path {database}: ") and "read-only" in line
    assert "point database.path elsewhere" in line
    assert "Traceback" not in done.stderr and "Discord" not in done.stderr


def test_a_full_disk(tmp_path: Path, tmpfs: Any) -> None:
    """On a real full disk (a 600 KiB tmpfs) ingest stops with one line: the real error, not the
    "cannot rollback - no transaction is active" that used to mask it; the database is still sound."""
    folder = tmpfs("small", "600k")
    database = folder / "pb.db"
    config = write_config(tmp_path, database)
    for day in range(1, 29):
        write_kedreamix(tmp_path / "posts", "3DGS", f"2024-05-{day:02d}", entries(f"{day:02d}", 60))

    done, took = paperboy(config, "ingest")

    assert done.returncode == 1 and took < 15
    assert stderr_lines(done) == [
        f"database.path {database}: the disk is full (database or disk is full); free some space on {folder} "
        "or point database.path at a larger disk"
    ]
    assert "rollback" not in done.stderr
    with sqlite3.connect(database) as db:  # what was committed is intact
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_file_size_limit(tmp_path: Path) -> None:
    """Without root: a full disk simulated with RLIMIT_FSIZE (writes past it fail with EFBIG)."""
    database = tmp_path / "pb.db"
    config = write_config(tmp_path, database)
    for day in range(1, 29):
        write_kedreamix(tmp_path / "posts", "3DGS", f"2024-05-{day:02d}", entries(f"{day:02d}", 60))

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    done, took = paperboy(config, "ingest", preexec=limit)
    assert done.returncode == 1 and took < 15
    assert stderr_lines(done) == [
        f"database.path {database}: a write to the disk failed (disk I/O error); the disk may be full, over a "
        f"file-size limit or failing: check the free space on {tmp_path} and the system log, or point "
        "database.path elsewhere"
    ]
    assert "Traceback" not in done.stderr and "rollback" not in done.stderr


# ---- a source that stalls, to hold a process in the middle of a cycle ----------------------------

OWNER, REPO, BRANCH, FOLDER = "Kedreamix", "MyBlog", "main", "source/_posts/Paper"


class StallingGitHub:
    """A local server answering like GitHub (tree listing, raw files) whose file `stall` never comes:
    the request waits until the test ends."""

    def __init__(self, files: dict[str, bytes], stall: str) -> None:
        self.files, self.stall = files, stall
        self.stalled = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == f"/repos/{OWNER}/{REPO}/git/trees/{BRANCH}":
                    body = json.dumps({"sha": "0" * 40, "truncated": False, "tree": [
                        {"path": p, "mode": "100644", "type": "blob", "size": len(c),
                         "sha": hashlib.sha1(b"blob %d\0" % len(c) + c).hexdigest()}
                        for p, c in owner.files.items()]}).encode()
                    return self.answer(body)
                rel = unquote(path.removeprefix(f"/{OWNER}/{REPO}/{BRANCH}/"))
                if rel == owner.stall:
                    owner.stalled.set()
                    owner.release.wait(TIMEOUT)
                    return None
                if rel in owner.files:
                    return self.answer(owner.files[rel])
                self.send_error(404)
                return None

            def answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stalling(tmp_path: Path) -> Iterator[StallingGitHub]:
    files = {f"{FOLDER}/2024-05-0{d}/3DGS.md": kedreamix("3DGS", f"2024-05-0{d}", entries(str(d), 3)).encode()
             for d in range(1, 5)}
    server = StallingGitHub(files, stall=f"{FOLDER}/2024-05-04/3DGS.md")
    yield server
    server.close()


def github_config(tmp_path: Path, server: StallingGitHub) -> Path:
    return write_config(tmp_path, tmp_path / "db" / "pb.db", {
        "name": "kedreamix", "kind": "github", "format": "kedreamix", "repo": f"{OWNER}/{REPO}",
        "branch": BRANCH, "path": FOLDER, "api_url": server.url, "raw_url": server.url})


def start(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), *args], cwd=config.parent,
                            env=bot_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str, float]:
    began = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, err, time.monotonic() - began


@pytest.mark.parametrize(("args", "sig"), [
    (("run", "--dry-run"), signal.SIGTERM), (("run", "--dry-run"), signal.SIGINT), (("ingest",), signal.SIGTERM),
], ids=["dry-run-SIGTERM", "dry-run-SIGINT", "ingest-SIGTERM"])
def test_a_signal_mid_cycle_stops_it_gracefully(tmp_path: Path, stalling: StallingGitHub, sig: signal.Signals,
                                                 args: tuple[str, ...]) -> None:
    config = github_config(tmp_path, stalling)
    proc = start(config, *args)
    try:
        assert stalling.stalled.wait(TIMEOUT), "the process never reached the stalled post"
        time.sleep(0.5)  # let it store the posts that did arrive
    finally:
        code, err, took = stop(proc, sig)
    # Before: SIGTERM killed it (exit -15, no shutdown); SIGINT printed a KeyboardInterrupt traceback.
    assert code == 0 and took < 10, err
    assert f"stopped by {sig.name}; the database is closed" in err
    assert "Traceback" not in err
    database = tmp_path / "db" / "pb.db"
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # Whatever was stored is whole (3 papers a post): no post is half-stored or marked failed.
        posts = db.execute("SELECT count(*) FROM posts WHERE status = 'ok'").fetchone()[0]
        assert db.execute("SELECT count(*) FROM papers").fetchone()[0] == 3 * posts
        assert db.execute("SELECT count(*) FROM posts WHERE status = 'failed'").fetchone()[0] == 0

    # Nothing lost: the next run, with the source answering again, brings the fourth post.
    stalling.stall = ""
    done, _ = paperboy(config, "ingest")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM papers").fetchone()[0] == 12


def test_a_second_process_on_the_same_database_refuses_to_start(tmp_path: Path, stalling: StallingGitHub) -> None:
    config = github_config(tmp_path, stalling)
    first = start(config, "run", "--dry-run")
    try:
        assert stalling.stalled.wait(TIMEOUT)
        for args, token in (("ingest",), None), (("run", "--dry-run"), None), (("run",), DUMMY_TOKEN):
            second, took = paperboy(config, *args, token=token)
            # Before: both ran, racing on one file ("database is locked", duplicates in bot mode).
            assert second.returncode == 1 and took < 15
            [line] = stderr_lines(second)
            database = tmp_path / "db" / "pb.db"
            assert line.startswith(f"database.path {database}: in use by another Paperboy (pid {first.pid} on ")
            assert "stop that one first, or point database.path elsewhere" in line
    finally:
        code, err, _ = stop(first, signal.SIGTERM)
    assert code == 0, err
    # Once the first has stopped, the database is free again (the kernel dropped the lock).
    stalling.stall = ""
    done, _ = paperboy(config, "ingest")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("args", "token"), [*MODES, pytest.param(("status",), None, id="status")])
@pytest.mark.parametrize("where", ["folder", "under-a-file"])
def test_a_database_path_that_cannot_be_a_file_is_one_plain_line(tmp_path: Path, args: tuple[str, ...],
                                                                 token: str | None, where: str) -> None:
    if where == "folder":  # a folder named where the file should be
        database = tmp_path / "data"
        database.mkdir()
        said = f"database.path {database} is a folder; give a file name such as {database / 'paperboy.db'}"
    else:  # its folder cannot be made: a file is in the way
        (tmp_path / "blocked").write_text("a file, not a folder\n")
        database = tmp_path / "blocked" / "sub" / "pb.db"
        said = f"database.path {database}: cannot make its folder {database.parent} ("
    done, took = paperboy(write_config(tmp_path, database), *args, token=token)
    # Before: "cannot write the database or its folder …" (of a folder), or a bare "[Errno 20] Not a directory",
    # and at times aiosqlite's thread traceback after it.
    assert done.returncode == 1 and took < 15
    lines = [line for line in stderr_lines(done) if not line.startswith("No DISCORD_TOKEN")]
    if args == ("status",) and where == "under-a-file":
        assert lines == [f"no database at {database} (the bot has not run with this config yet)"]
    else:
        assert len(lines) == 1 and lines[0].startswith(said), lines
    assert "Traceback" not in done.stderr


def test_ingest_merges_the_ranking_index_beside_it_and_leaves_no_merger_behind(tmp_path: Path) -> None:
    """`ingest` runs the ranking index's merger beside it, as the bot does (an ingest that met a level merge
    took 3.6x its usual time), and stops it when done: nothing of it outlives the command."""
    database = tmp_path / "pb.db"
    config = write_config(tmp_path, database)
    for day in range(1, 6):
        write_kedreamix(tmp_path / "posts", "3DGS", f"2024-05-{day:02d}", entries(str(day), 30))
    done, took = paperboy(config, "ingest")
    assert done.returncode == 0 and took < TIMEOUT, done.stderr
    assert "ranking index merger started" in done.stderr
    assert "papers new 150" in done.stdout
    left = []
    for entry in Path("/proc").iterdir():
        try:
            if (b"jobs.ops.rank_merger" in (entry / "cmdline").read_bytes()
                    and str(database).encode() in (entry / "environ").read_bytes()):
                left.append(entry.name)
        except OSError:
            continue
    assert not left
    searched, _ = paperboy(config, "search", "gaussian")
    assert searched.returncode == 0 and "of 150" in searched.stderr, searched.stderr
