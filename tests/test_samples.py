"""The sample posts shipped for the offline demo go through the real pipeline without a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from jobs.formats import parse_post

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def test_every_sample_post_parses_cleanly() -> None:
    posts = sorted(SAMPLES.glob("kedreamix/*/*.md"))
    assert len(posts) == 9 and len({p.parent.name for p in posts}) == 3
    for post in posts:
        parsed = parse_post(post.read_bytes(), str(post.relative_to(ROOT)), "kedreamix")
        assert parsed.problems == [], post
        assert 4 <= len(parsed.papers) <= 8, post
        for paper in parsed.papers:
            assert paper.topic == post.stem and paper.date == post.parent.name
            assert paper.abstract and paper.summary and len(paper.takeaways) == 3, paper.arxiv_id
    (day,) = SAMPLES.glob("daily-arxiv/*_AI_enhanced_Chinese.jsonl")
    parsed = parse_post(day.read_bytes(), str(day.relative_to(ROOT)), "daily-arxiv")
    assert parsed.problems == [] and len(parsed.papers) == 20
    assert all(p.summary and p.abstract for p in parsed.papers)


def test_demo_config_ingests_the_samples(tmp_path: Path) -> None:
    demo = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    demo["database"]["path"] = str(tmp_path / "demo.db")
    for source in demo["sources"]:
        source["path"] = str((ROOT / "config" / source["path"]).resolve())
    config = tmp_path / "demo.yaml"
    config.write_text(yaml.safe_dump(demo))
    done = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "ingest"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("kedreamix-demo: posts new 9, changed 0, failed 0,")
    assert lines[1].startswith("daily-arxiv-demo: posts new 1, changed 0, failed 0,")
    assert "holds 40 papers in 10 posts" in lines[-1]
