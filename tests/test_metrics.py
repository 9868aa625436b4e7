"""The optional /metrics endpoint (jobs/ops/metrics.py, PAPERBOY_METRICS_PORT): a real digest cycle through SimCord
and a real search, then Prometheus' view of them over HTTP; a bad port refused in one line; compose's labels."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import discord
import pytest
import yaml

from jobs.find import run_search
from jobs.ops import metrics
from tests.postgen import entries, write_kedreamix
from tests.test_process import DUMMY_TOKEN

ROOT = Path(__file__).resolve().parents[1]


def scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:  # loopback only
        text = page.read().decode()
    return {m[1]: float(m[2]) for m in re.finditer(r"^(paperboy_[^ ]+) ([0-9.e+-]+)$", text, re.M)}


async def test_metrics_show_a_cycle_and_a_search(simcord_env, posts_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(metrics.PORT_ENV, "0")  # any free port
    monkeypatch.setenv(metrics.ADDR_ENV, "127.0.0.1")
    port = metrics.serve_from_env()
    assert port and metrics.enabled()
    before = scrape(port)
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild = env.create_guild(name="Lab")
    papers = guild.create_text_channel("papers")
    admin = guild.add_member(env.create_user("prof"), roles=[
        guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))])
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await env.bot.run_digest()
    await run_search(env.bot.store, "gaussian")
    after = scrape(port)

    def grew(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert grew("paperboy_cycle_duration_seconds_count") == 2
    assert grew('paperboy_cycles_total{trigger="manual"}') == 2
    assert grew("paperboy_papers_ingested_total") == 3
    assert grew("paperboy_messages_sent_total") >= 1 and grew("paperboy_messages_failed_total") == 0
    assert after['paperboy_outbox_depth{status="pending"}'] == 0
    assert after['paperboy_outbox_depth{status="sent"}'] >= 1
    assert grew("paperboy_search_duration_seconds_count") == 1


def test_a_bad_metrics_port_is_refused_in_one_line(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  path: {tmp_path / 'p.db'}\nsources:\n  - name: local\n    kind: directory\n"
                   f"    format: kedreamix\n    path: {posts}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PAPERBOY_"))}
    env |= {"DISCORD_TOKEN": DUMMY_TOKEN, "PAPERBOY_METRICS_PORT": "metrics", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(cfg), "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "paperboy run: PAPERBOY_METRICS_PORT='metrics': give a port number (9108, say), or leave it unset"]


def test_compose_serves_metrics_ready_to_scrape() -> None:
    service = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["paperboy"]
    assert service["environment"]["PAPERBOY_METRICS_PORT"] == "${PAPERBOY_METRICS_PORT-9108}"
    assert service["labels"] == {"prometheus.io/scrape": "true", "prometheus.io/port": "9108",
                                 "prometheus.io/path": "/metrics"}
    assert service["expose"] == ["9108"]


def test_nothing_loads_prometheus_client_until_the_endpoint_starts() -> None:
    code = "import sys, bot.cli, bot.digest, jobs.search; print('prometheus_client' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
