"""Paperboy's YAML config: loaded, validated, with errors that name the key and the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jobs.database_url import DatabaseUrl
from jobs.formats.registry import default_include


@dataclass(frozen=True, slots=True)
class Limits:
    """What one source run may cost (config section `limits`, shared by every source)."""

    max_post_mb: float = 20.0  # a bigger post is recorded as failed, unparsed
    max_response_mb: float = 64.0  # a bigger HTTP answer (a listing, a post) is cut off and fails
    request_timeout_s: float = 120.0  # one GET, retries included, from request to last byte
    source_timeout_s: float = 1800.0  # listing and fetching one source

    @property
    def max_post_bytes(self) -> int:
        return int(self.max_post_mb * 1024 * 1024)

    @property
    def max_response_bytes(self) -> int:
        return int(self.max_response_mb * 1024 * 1024)


@dataclass(slots=True)
class SourceConfig:
    name: str
    kind: str  # a key of jobs.sources.SOURCE_KINDS
    format: str  # a name in jobs.formats.registry.FORMAT_NAMES
    path: str  # directory: a local folder; github: the folder inside the repository; feed, arxiv: unused
    repo: str = ""  # github: owner/name
    branch: str = "main"
    include: list[str] = field(default_factory=list)  # file-name globs; empty: the format's defaults
    lookback_days: int | None = None  # skip posts dated older than this on every run (None: all)
    api_url: str = "https://api.github.com"
    raw_url: str = "https://raw.githubusercontent.com"
    url: str = ""  # feed: the Atom or RSS feed's URL
    categories: list[str] = field(default_factory=list)  # arxiv: e.g. ["cs.CV", "cs.GR"]
    listing_url: str = "https://rss.arxiv.org/rss"  # arxiv: a category's listing is {listing_url}/{category}
    limits: Limits = field(default_factory=Limits)

    @property
    def patterns(self) -> list[str]:
        return self.include or default_include(self.format)


@dataclass(slots=True)
class ScheduleConfig:
    time: str = "08:00"  # HH:MM, daily
    timezone: str = "UTC"


IMAGE_MODES = ("full", "thumbnail")


@dataclass(slots=True)
class FeedsConfig:
    max_per_cycle: int = 25  # papers per card feed per cycle; the header counts the rest
    # The first screenshot on a card: "full" width, a "thumbnail" (also True), or none (False).
    images: bool | str = True


@dataclass(slots=True)
class WatchdogConfig:
    missed_weekdays: int = 3  # a weekday source is late after this many weekdays without a post
    gap_factor: float = 3.0  # any other source: after this many times its usual gap between posts


@dataclass(slots=True)
class Config:
    database_path: Path  # the SQLite file (database.path, or a sqlite:// database.url)
    sources: list[SourceConfig]
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    feeds: FeedsConfig = field(default_factory=FeedsConfig)
    watchdog: WatchdogConfig = field(default_factory=WatchdogConfig)
    path: Path | None = None  # the file it was read from
    # database.url or PAPERBOY_DATABASE_URL when given; None: SQLite at database_path
    database_url: DatabaseUrl | None = None

    def database(self) -> DatabaseUrl:
        """Where the store is, for jobs.store.backends.open_database: the URL, else the SQLite file."""
        return self.database_url or DatabaseUrl.for_path(self.database_path)

    def database_name(self) -> str:
        """The database as messages name it: the file, or the URL without its password."""
        url = self.database()
        return str(url.path) if url.path is not None else url.shown


class ConfigError(ValueError):
    """A config problem, worded for the person editing the file."""


DEFAULT_CONFIG_PATH = Path("config/config.yaml")
EXAMPLE_CONFIG_PATH = Path(__file__).resolve().parents[1] / "config" / "config.example.yaml"


def default_config_path() -> Path:
    """config/config.yaml when the user made one, else the shipped example (reads both public repos)."""
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else EXAMPLE_CONFIG_PATH
