"""The source kinds: config `kind` -> the class that reads such a source. The config validator takes
its list of kinds (and which keys belong to which kind) from here, and `build_source` its class."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from ..config import SourceConfig
from .arxiv import ArxivSource
from .base import Source, SourceError
from .directory import DirectorySource
from .feed import FeedSource
from .github import GitHubSource
from .http import DEFAULT_RETRY, RetryPolicy

__all__ = ["SOURCE_KINDS", "SourceKind", "build_source"]


class SourceKind(Protocol):
    """What a source class offers the registry besides being a Source."""

    kind: str
    options: tuple[str, ...]  # config keys only this kind takes (others reject them)

    def from_config(self, cfg: SourceConfig, client: httpx.AsyncClient, *, retry: Any = ...) -> Source: ...

    def location(self, cfg: SourceConfig) -> str: ...  # where it reads, as recorded in the database


SOURCE_KINDS: dict[str, SourceKind] = {
    cls.kind: cls for cls in (DirectorySource, GitHubSource, FeedSource, ArxivSource)
}


def build_source(
    cfg: SourceConfig, client: httpx.AsyncClient, *, retry: RetryPolicy = DEFAULT_RETRY
) -> Source:
    """The Source for `cfg.kind`. `client` (from `make_client()`) is shared and owned by the caller;
    the directory kind does not use it. Raises SourceError for an unknown kind or a bad `repo`, `url` or
    `categories`."""
    kind = SOURCE_KINDS.get(cfg.kind)
    if kind is None:
        raise SourceError(f"source {cfg.name!r}: unknown kind {cfg.kind!r} (known kinds: {', '.join(SOURCE_KINDS)})")
    return kind.from_config(cfg, client, retry=retry)
