"""Kind `feed`: digest posts published as the entries of an Atom or RSS feed (a Hexo, Hugo or Jekyll blog).

The feed is read with one conditional GET (If-None-Match / If-Modified-Since from the last run: a 304 reads
nothing new) under the usual limits (limits.request_timeout_s, limits.max_response_mb), and parsed with
feedparser. Each entry is one post:

- its path is where the entry's link points (`2024/12/09/Paper/2024-12-09/3DGS`; else its id), so the post
  keeps its path however the feed reorders, and a date in it dates the post (jobs.post_date);
- its version is a fingerprint of the entry (title, date, content), so an unchanged entry is not read again;
- its content is the entry's HTML (`content`), or, when the feed carries only a summary, the page the entry
  links to (fetched under limits.max_post_mb), wrapped with the entry's title and date, which the HTML
  reader (jobs.formats.html) makes the post's front matter: the title is the topic.

A feed that shrinks or reorders loses nothing: posts that leave the feed stay stored with their papers (the
pipeline only reads what the listing names).
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from ..config import SourceConfig
from ..post_date import post_date
from . import http
from .base import Fetched, Listing, PostRef, SourceError
from .directory import lookback_cutoff, utc_today

log = logging.getLogger(__name__)

__all__ = ["FeedSource", "Validators", "parse_feed"]


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional GET sends back (ETag, Last-Modified), kept in the store as the listing's etag."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def load(cls, stored: str | None) -> Validators:
        if not stored:
            return cls()
        try:
            data = json.loads(stored)
        except ValueError:
            return cls(etag=stored)  # a plain ETag
        if not isinstance(data, dict):
            return cls()
        return cls(data.get("etag") or None, data.get("last_modified") or None)

    def dump(self) -> str | None:
        if not (self.etag or self.last_modified):
            return None
        return json.dumps({"etag": self.etag, "last_modified": self.last_modified})


def parse_feed(content: bytes, url: str) -> Any:
    """feedparser's reading of a feed; SourceError when it is not one. HTML is left as the feed gave it
    (never shown as HTML: the post's format reads it)."""
    import feedparser  # imported on first need

    doc = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=True, response_headers={
        "content-location": url})
    if not doc.entries and not doc.get("feed", {}).get("title") and doc.get("bozo"):
        raise SourceError(f"GET {url}: not an Atom or RSS feed ({doc.get('bozo_exception')}); check `url`")
    return doc


def _iso_date(entry: Any) -> str:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return f"{parsed.tm_year:04d}-{parsed.tm_mon:02d}-{parsed.tm_mday:02d}"
    return ""


def _entry_path(entry: Any) -> str:
    """Where the entry's link points (its id when it has no link): stable however the feed is ordered."""
    for value in (entry.get("link"), entry.get("id")):
        if isinstance(value, str) and value.strip():
            parts = urlsplit(value.strip())
            path = unquote(parts.path).strip("/") if parts.scheme in ("http", "https") else value.strip()
            if path:
                return path
    return " ".join(str(entry.get("title") or "untitled").split())


def _entry_html(entry: Any) -> str | None:
    """The entry's full HTML, or None when the feed carries only a summary (or nothing)."""
    for part in entry.get("content") or []:
        value = part.get("value") if isinstance(part, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    return None


def wrap(body: str, title: str, when: str) -> bytes:
    """An HTML document of the post: the entry's title and date in its head (the post's front matter)."""
    head = f"<title>{html.escape(title)}</title>" if title else ""
    if when:
        head += f'<meta name="date" content="{html.escape(when)}">'
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


@dataclass(slots=True)
class _Entry:
    title: str
    date: str
    link: str
    html: str | None  # the entry's own content, else None (the linked page is the post)
    summary: str


class FeedSource:
    """Posts that are the entries of one Atom or RSS feed (`url`)."""

    kind = "feed"
    options: tuple[str, ...] = ("url",)  # config keys only this kind takes

    @classmethod
    def from_config(
        cls, cfg: SourceConfig, client: httpx.AsyncClient, *, retry: http.RetryPolicy = http.DEFAULT_RETRY
    ) -> FeedSource:
        return cls(cfg, client, retry=retry)

    @staticmethod
    def location(cfg: SourceConfig) -> str:
        return cfg.url

    def __init__(
        self,
        cfg: SourceConfig,
        client: httpx.AsyncClient,
        *,
        retry: http.RetryPolicy = http.DEFAULT_RETRY,
        today: Callable[[], date] = utc_today,
    ) -> None:
        if not cfg.url.startswith(("http://", "https://")):
            raise SourceError(f"source {cfg.name!r}: `url` must be an http(s) URL of a feed, got {cfg.url!r}")
        self.name = cfg.name
        self.cfg = cfg
        self.client = client
        self.retry = retry
        self.today = today
        self.warnings: list[str] = []
        self._entries: dict[str, _Entry] = {}  # the last listing's entries, by path

    async def list_posts(self, etag: str | None = None) -> Listing:
        """One PostRef per entry. `etag` is the last run's validators (Validators.dump): a 304 gives
        Listing(refs=None)."""
        validators = Validators.load(etag)
        limits = self.cfg.limits
        result = await http.get(
            self.client, self.cfg.url, etag=validators.etag, last_modified=validators.last_modified,
            retry=self.retry, deadline=limits.request_timeout_s, max_bytes=limits.max_response_bytes,
            headers={"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"},
            hints={404: f"no feed there; check `url` of source {self.name!r}"},
        )
        if result.not_modified:
            return Listing(refs=None, etag=etag)
        doc = await asyncio.to_thread(parse_feed, result.content or b"", self.cfg.url)
        self.warnings = []
        self._entries = {}
        refs: list[PostRef] = []
        cutoff = lookback_cutoff(self.cfg.lookback_days, self.today())
        for entry in doc.entries:
            when = _iso_date(entry)
            path = _entry_path(entry)
            if when and post_date(path) is None:
                path = f"{when}/{path}"  # undated paths take the entry's date (for the post and the lookback)
            if path in self._entries:  # two entries pointing at one page: the first (newest) is read
                self.warnings.append(f"source {self.name!r}: two entries point at {path!r}; the first is read")
                continue
            dated = post_date(path)
            if cutoff is not None and dated is not None and dated < cutoff:
                continue
            item = _Entry(
                title=" ".join(str(entry.get("title") or "").split()),
                date=when,
                link=str(entry.get("link") or ""),
                html=_entry_html(entry),
                summary=str(entry.get("summary") or ""),
            )
            self._entries[path] = item
            fingerprint = hashlib.sha1(usedforsecurity=False)
            for part in (item.title, item.date, item.link, item.html or item.summary):
                fingerprint.update(part.encode("utf-8", "replace") + b"\0")
            refs.append(PostRef(path, fingerprint.hexdigest()))
        for warning in self.warnings:
            log.warning("%s", warning)
        new = Validators(result.etag, result.last_modified).dump()
        return Listing(refs=refs, etag=new)

    async def fetch(self, ref: PostRef, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """The entry as an HTML document: its own content, else the page it links to. (The pipeline fetches
        only entries whose fingerprint changed, so the page is read without validators.)"""
        entry = self._entries.get(ref.path)
        if entry is None:
            raise SourceError(f"source {self.name!r}: entry {ref.path!r} is no longer in the feed")
        if entry.html is not None:
            return Fetched(content=wrap(entry.html, entry.title, entry.date))
        if not entry.link.startswith(("http://", "https://")):
            # Nothing to read but the summary: the format says whether it holds a post.
            return Fetched(content=wrap(entry.summary, entry.title, entry.date) if entry.summary.strip() else b"")
        limits = self.cfg.limits
        result = await http.get(
            self.client, entry.link, retry=self.retry, deadline=limits.request_timeout_s,
            max_bytes=min(limits.max_post_bytes, limits.max_response_bytes),
            limit_key="limits.max_post_mb" if limits.max_post_bytes <= limits.max_response_bytes
            else "limits.max_response_mb",
            hints={404: f"the entry's page is gone; the feed of source {self.name!r} links to it"},
        )
        page = (result.content or b"").decode("utf-8", errors="replace")
        # An empty page is an empty post (so said), not an empty document with the entry's title.
        content = wrap(page, entry.title, entry.date) if page.strip() else b""
        return Fetched(content=content, etag=result.etag, last_modified=result.last_modified)
