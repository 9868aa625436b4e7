"""What every source offers the pipeline: a listing of posts and a way to fetch one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PostRef:
    """One post in a source. `version` changes whenever the post's content does
    (a git blob sha for GitHub, a content fingerprint for a folder)."""

    path: str  # posix path relative to the source's folder
    version: str


@dataclass(slots=True)
class Listing:
    refs: list[PostRef] | None  # None: the listing is unchanged since `etag` (HTTP 304)
    etag: str | None = None


@dataclass(slots=True)
class Fetched:
    content: bytes | None  # None: not modified since the etag / last_modified we sent
    etag: str | None = None
    last_modified: str | None = None


class SourceError(Exception):
    """A source could not be listed or a post could not be fetched; the message says why."""


class TooLarge(SourceError):
    """A post or an answer is bigger than a configured limit; fetching it again would not help."""


class RateLimited(SourceError):
    """GitHub said no more requests until `reset_at`; not retried in a loop."""

    def __init__(self, message: str, reset_at: datetime | None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class Source(Protocol):
    name: str

    async def list_posts(self, etag: str | None = None) -> Listing: ...

    async def fetch(
        self, ref: PostRef, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched: ...
