"""scripts/screenshots.py end to end, where Chromium and the preview extras are installed (else skipped):
it renders every README screenshot from the real bot, as PNGs of a sensible size."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NAMES = ("digest", "card", "card-english", "search", "dm")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)")
@pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="pip install -e '.[screenshots]'")
def test_the_screenshots_are_rendered(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in NAMES:
        png = (tmp_path / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG"), name
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width == 960 and 200 < height <= 1400, (name, width, height)


def test_no_chromium_is_one_plain_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path),
                           "--chromium", str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"screenshots: no Chromium at {tmp_path / 'nowhere'}; "
                                                "apt-get install -y chromium, or pass --chromium"]
