"""Where posts come from: `build_source(cfg, client)` gives a Source for a SourceConfig; the kinds
are in `SOURCE_KINDS` (jobs.sources.registry)."""

from __future__ import annotations

from ..post_date import post_date
from .arxiv import ArxivSource
from .base import Fetched, Listing, PostRef, RateLimited, Source, SourceError
from .directory import DirectorySource
from .feed import FeedSource
from .github import GitHubSource
from .http import RetryPolicy, make_client
from .registry import SOURCE_KINDS, build_source

__all__ = [
    "SOURCE_KINDS",
    "ArxivSource",
    "DirectorySource",
    "FeedSource",
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
