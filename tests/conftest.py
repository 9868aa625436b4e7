from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from bot import PaperboyBot, create_bot
from jobs.config import Config, FeedsConfig, SourceConfig
from jobs.database_url import parse_database_url
from tests.engines import ENGINES, fresh_database

SHARED_DIGESTS = Path(__file__).resolve().parents[2] / "shared" / "digests"

# In CI the fuzz tests replay a fixed set of examples: a run is red only for a real change. Locally they
# explore afresh each time, and whatever they find is kept in .hypothesis/ and replayed.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


# A test slower than this is named as it finishes (the dots alone stall for a minute on a slow one), and
# scripts/test.sh's --durations lists the slowest at the end.
SLOW_TEST_S = float(os.environ.get("PAPERBOY_SLOW_TEST_S", "20"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or report.duration < SLOW_TEST_S:
        return
    for config in _controller:  # the controller (or a plain run): xdist's workers print nothing
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"slow ({report.duration:.0f} s): {report.nodeid}")


_controller: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        _controller.append(config)


def make_config(tmp_path: Path, *, max_per_cycle: int = 25, images: bool = True,
                database_url: str | None = None) -> Config:
    """A config reading tmp_path/posts; its database a SQLite file there, or `database_url` (store_url)."""
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    url = parse_database_url(database_url, "test") if database_url is not None else None
    return Config(
        database_path=url.path if url is not None and url.path is not None else tmp_path / "paperboy.db",
        sources=[SourceConfig(name="local", kind="directory", format="kedreamix", path=str(posts))],
        feeds=FeedsConfig(max_per_cycle=max_per_cycle, images=images),
        database_url=url,
    )


@pytest.fixture
def posts_dir(tmp_path: Path) -> Path:
    d = tmp_path / "posts"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    """The bot's config: its database on each engine in turn (store_url)."""
    return make_config(tmp_path, database_url=store_url)


@pytest.fixture
async def make_bot(config: Config):
    """Builds bots with create_bot (scheduler off: cycles run when a test says so), and closes their
    databases after the test — SimCord detaches a bot without closing it, as a crash would."""
    built: list[PaperboyBot] = []

    def build(cfg: Config | None = None, *, scheduler: bool = False) -> PaperboyBot:
        built.append(create_bot(cfg or config, scheduler=scheduler))
        built[-1].retry_delays = (0.0, 0.0)  # a failed send is retried at once, not after seconds
        return built[-1]

    yield build
    for bot in built:
        if bot.scheduler is not None and bot.scheduler.running:
            bot.scheduler.shutdown(wait=False)
        if bot._merger is not None:  # the process a scheduling bot started
            await bot._merger.stop()
        if bot._store is not None:
            await bot._store.close()


@pytest.fixture
def simcord_bot(make_bot):  # type: ignore[no-untyped-def]
    return make_bot()


@pytest.fixture(params=ENGINES)
async def store_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh, empty database's URL, once per engine (tests/engines.py): SQLite always; PostgreSQL when
    a server answers (else skipped, or failed with CI=true)."""
    async with fresh_database(request.param, tmp_path) as url:
        yield url
