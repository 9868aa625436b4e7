"""The offline demo from a checkout (`python -m bot demo`, real subprocesses with timeouts) and the dry
run's preview of what each feed would post."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from bot.cli import main
from tests.postgen import entries, write_kedreamix

ROOT = Path(__file__).resolve().parents[1]


def test_demo_check_runs_the_bot_on_the_samples_and_posts_into_papers(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "demo", "--no-browser", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    ready = re.search(r"#papers has feeds for (.+); one digest cycle posted (\d+) papers", out)
    assert ready, out
    assert {"3DGS", "NeRF", "Talking Head Generation", "cs.CV"} <= set(ready.group(1).split(", "))
    assert int(ready.group(2)) > 20
    assert "  #papers: 📰 3DGS · 2026-11-18 · 4 papers · best first" in out  # one digest message a day
    assert "Traceback" not in done.stderr and "WARNING" not in done.stderr


def test_demo_serves_the_preview_on_localhost_and_stops_on_ctrl_c() -> None:
    # Started with SIGINT ignored, as a shell starts a background job (and so a test run in the background):
    # Ctrl-C must stop the demo all the same.
    proc = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--no-browser"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = threading.Timer(90, proc.kill)  # a hung demo ends the read below rather than the test run
    deadline.start()
    try:
        url = None
        assert proc.stdout is not None
        for line in proc.stdout:  # ends when the process dies (or is killed by the deadline)
            found = re.search(r"http://127\.0\.0\.1:\d+/#\S+", line)
            if found:
                url = found.group(0)
                break
        assert url, proc.stderr.read() if proc.stderr else ""
        with urllib.request.urlopen(url.split("#")[0], timeout=10) as page:  # loopback only
            assert page.status == 200
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "demo stopped." in out
    finally:
        deadline.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_dry_run_prints_each_topics_newest_post_newest_first_as_a_digest(tmp_path: Path, posts_dir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    write_kedreamix(posts_dir, "3DGS", "2024-05-01", entries("1", 2))
    write_kedreamix(posts_dir, "3DGS", "2024-05-03", entries("3", 3))
    write_kedreamix(posts_dir, "NeRF", "2024-05-02", entries("2", 1))
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'd.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts_dir}\nfeeds:\n  max_per_cycle: 2\n", encoding="utf-8")
    assert main(["run", "--dry-run", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "not the whole archive" in out
    headers = [line.split(" · best")[0] for line in out.splitlines() if line.startswith("## 📰")]
    assert headers == ["## 📰 3DGS · 2024-05-03 · 3 papers", "## 📰 NeRF · 2024-05-02 · 1 paper"]
    # A digest message lists the whole day (its pages), whatever feeds.max_per_cycle says of cards.
    assert "Paper 3-1 on" in out and "Paper 3-2 on" in out and "Paper 3-3 on" in out
    assert "Paper 1-1 on" not in out  # the older post is archive, not a first delivery
