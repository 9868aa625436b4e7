from __future__ import annotations

from pathlib import Path

import pytest

from bot import create_bot
from jobs.config import Config, FeedsConfig, SourceConfig

SHARED_DIGESTS = Path(__file__).resolve().parents[2] / "shared" / "digests"


def make_config(tmp_path: Path, *, max_per_cycle: int = 25, images: bool = True) -> Config:
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    return Config(
        database_path=tmp_path / "paperboy.db",
        sources=[SourceConfig(name="local", kind="directory", format="kedreamix", path=str(posts))],
        feeds=FeedsConfig(max_per_cycle=max_per_cycle, images=images),
    )


@pytest.fixture
def posts_dir(tmp_path: Path) -> Path:
    d = tmp_path / "posts"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def simcord_bot(config: Config):
    # The scheduler stays off in tests: cycles run when a test says so.
    return create_bot(config, scheduler=False)
