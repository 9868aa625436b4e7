"""Kind `arxiv`: arXiv's own listing of each category (`categories: [cs.CV, cs.GR]`), read from
`{listing_url}/{category}` (https://rss.arxiv.org/rss/cs.CV by default; `listing_url` points elsewhere, a
mirror or a test's server).

Each category's listing of a day is one post, `cs.CV/2024-12-03` (dated by the listing's pubDate), read by
the `arxiv` format (jobs.formats.arxiv_listing): each entry a paper, its topic the category. A paper a digest
already brought is merged with it by the store's one rule (jobs.merge): never stored twice, the digest's
summary and takeaways kept. Each listing is read with a conditional GET (its ETag / Last-Modified from the last
run, kept in the store as the listing's etag): an unchanged category reads nothing new. The categories are
read one after another, with a pause between requests to arxiv.org (arXiv asks for one request per 3 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from ..config import SourceConfig
from . import http
from .base import Fetched, Listing, PostRef, SourceError
from .directory import utc_today

__all__ = ["CATEGORY_RE", "ArxivSource"]

CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?$")  # cs.CV, math.AG, hep-th, astro-ph.GA
ARXIV_PAUSE_S = 3.0
_LISTING_DATE_RE = re.compile(r"<(pubDate|lastBuildDate|updated)>\s*([^<]{6,60}?)\s*</\1>")


def _listing_date(body: bytes) -> str:
    """The day the listing announces (the channel's pubDate, in arXiv's own time zone), else today (UTC)."""
    head = body[:8192].decode("utf-8", errors="replace")
    cut = min((i for i in (head.find("<item"), head.find("<entry")) if i >= 0), default=len(head))
    for m in _LISTING_DATE_RE.finditer(head, 0, cut):
        raw = m.group(2)
        try:
            return parsedate_to_datetime(raw).date().isoformat()
        except (TypeError, ValueError):
            if re.match(r"\d{4}-\d{2}-\d{2}", raw):
                return raw[:10]
    return utc_today().isoformat()


class ArxivSource:
    kind = "arxiv"
    options: tuple[str, ...] = ("categories", "listing_url")  # config keys only this kind takes

    @classmethod
    def from_config(
        cls, cfg: SourceConfig, client: httpx.AsyncClient, *, retry: http.RetryPolicy = http.DEFAULT_RETRY
    ) -> ArxivSource:
        return cls(cfg, client, retry=retry)

    @staticmethod
    def location(cfg: SourceConfig) -> str:
        return f"{cfg.listing_url.rstrip('/')}/{'+'.join(cfg.categories)}"

    def __init__(
        self, cfg: SourceConfig, client: httpx.AsyncClient, *, retry: http.RetryPolicy = http.DEFAULT_RETRY
    ) -> None:
        if not cfg.categories:
            raise SourceError(f"source {cfg.name!r}: `categories` is empty; name one or more, e.g. [cs.CV]")
        bad = [c for c in cfg.categories if not CATEGORY_RE.match(c)]
        if bad:
            raise SourceError(f"source {cfg.name!r}: {bad[0]!r} is not an arXiv category such as cs.CV")
        self.name = cfg.name
        self.cfg = cfg
        self.client = client
        self.retry = retry
        self.base = cfg.listing_url.rstrip("/")
        host = (urlsplit(self.base).hostname or "").lower()
        self.pause = ARXIV_PAUSE_S if host == "arxiv.org" or host.endswith(".arxiv.org") else 0.0
        self.warnings: list[str] = []
        self._bodies: dict[str, bytes] = {}

    def listing_url(self, category: str) -> str:
        return f"{self.base}/{quote(category, safe='.-')}"

    async def list_posts(self, etag: str | None = None) -> Listing:
        """One post per category: its listing of the day. `etag` holds, per category, the last answer's
        validators and the post it was; a category answering 304 keeps that post (unchanged)."""
        try:
            known = json.loads(etag) if etag else {}
        except ValueError:
            known = {}
        if not isinstance(known, dict):
            known = {}
        limits = self.cfg.limits
        refs: list[PostRef] = []
        kept: dict[str, dict[str, str | None]] = {}
        changed = False
        for i, category in enumerate(self.cfg.categories):
            if i and self.pause:
                await asyncio.sleep(self.pause)
            before = known.get(category) if isinstance(known.get(category), dict) else {}
            has_post = bool(before.get("path") and before.get("version"))
            url = self.listing_url(category)
            result = await http.get(
                self.client, url, etag=before.get("etag") if has_post else None,
                last_modified=before.get("last_modified") if has_post else None,
                retry=self.retry, deadline=limits.request_timeout_s,
                max_bytes=min(limits.max_post_bytes, limits.max_response_bytes),
                limit_key="limits.max_post_mb" if limits.max_post_bytes <= limits.max_response_bytes
                else "limits.max_response_mb",
                hints={404: f"no listing for category {category!r}; check `categories` of source {self.name!r}"},
            )
            if result.not_modified:
                refs.append(PostRef(str(before["path"]), str(before["version"])))
                kept[category] = {**before, "etag": result.etag, "last_modified": result.last_modified}
                continue
            changed = True
            body = result.content or b""
            path = f"{category}/{_listing_date(body)}"
            version = hashlib.sha1(body, usedforsecurity=False).hexdigest()
            self._bodies[path] = body
            refs.append(PostRef(path, version))
            kept[category] = {"etag": result.etag, "last_modified": result.last_modified, "path": path,
                              "version": version}
        token = json.dumps(kept, sort_keys=True)
        return Listing(refs=refs if changed else None, etag=token)

    async def fetch(self, ref: PostRef, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """The listing read by `list_posts` (each is read once a run)."""
        body = self._bodies.get(ref.path)
        if body is None:
            raise SourceError(f"source {self.name!r}: listing {ref.path!r} was not read this run; it is read next run")
        return Fetched(content=body)
