"""Where posts come from: `build_source(cfg, client)` gives a Source for a SourceConfig."""

from __future__ import annotations

import httpx

from ..config import SourceConfig
from .base import Fetched, Listing, PostRef, RateLimited, Source, SourceError
from .directory import DirectorySource, post_date
from .github import GitHubSource
from .http import DEFAULT_RETRY, RetryPolicy, make_client

__all__ = [
    "DirectorySource",
    "Fetched",
    "GitHubSource",
    "Listing",
    "PostRef",
    "RateLimited",
    "RetryPolicy",
    "Source",
    "SourceError",
    "build_source",
    "make_client",
    "post_date",
]


def build_source(
    cfg: SourceConfig, client: httpx.AsyncClient, *, retry: RetryPolicy = DEFAULT_RETRY
) -> Source:
    """The Source for `cfg.kind`. `client` (from `make_client()`) is shared and owned by the caller;
    the directory kind does not use it. Raises SourceError for an unknown kind or a bad `repo`."""
    if cfg.kind == "directory":
        return DirectorySource(cfg)
    if cfg.kind == "github":
        return GitHubSource(cfg, client, retry=retry)
    raise SourceError(f"source {cfg.name!r}: unknown kind {cfg.kind!r} (expected 'directory' or 'github')")
