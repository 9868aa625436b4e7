"""Feeds written by the tests: our own Kedreamix posts rendered to HTML (as Hexo renders them), Atom and RSS 2.0
documents carrying them, and a local server that answers a feed with ETag / Last-Modified and 304s."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from markdown_it import MarkdownIt
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

_MD = MarkdownIt("commonmark", {"html": True})
_FRONT_MATTER_RE = re.compile(r"\A\s*---\n(.*?)\n---\n", re.S)


def front_matter(post: str) -> dict[str, str]:
    m = _FRONT_MATTER_RE.match(post)
    if m is None:
        return {}
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in m.group(1).splitlines())
            if v and not k.startswith(" ")}


def render_body(post: str) -> str:
    """A Markdown post's body rendered to HTML (no front matter: a blog shows it as the page's title)."""
    m = _FRONT_MATTER_RE.match(post)
    return _MD.render(post[m.end():] if m else post)


def render_page(post: str) -> str:
    """The post as its blog's page: a whole HTML document with the topic as <title>, and some chrome."""
    title = front_matter(post).get("title", "")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
            f"<nav><a href='/'>Home</a></nav><article>{render_body(post)}</article>"
            "<footer>Powered by Hexo</footer></body></html>")


@dataclass
class FeedEntry:
    title: str
    link: str
    published: datetime
    html: str | None = None  # the full content; None: the feed carries only `summary`
    summary: str = ""


def atom(entries: list[FeedEntry], base: str = "https://blog.example") -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             "<title>A digest blog</title>", f'<link href="{base}/atom.xml" rel="self"/>',
             f"<updated>{datetime(2024, 12, 9, tzinfo=UTC).isoformat()}</updated>", f"<id>{base}/</id>"]
    for e in entries:
        parts += ["<entry>", f"<title>{escape(e.title)}</title>", f'<link href="{escape(e.link)}"/>',
                  f"<id>{escape(e.link)}</id>", f"<published>{e.published.isoformat()}</published>",
                  f"<updated>{e.published.isoformat()}</updated>"]
        if e.html is not None:
            parts.append(f'<content type="html"><![CDATA[{e.html}]]></content>')
        if e.summary:
            parts.append(f'<summary type="html">{escape(e.summary)}</summary>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


def rss(entries: list[FeedEntry], base: str = "https://blog.example") -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">', "<channel>",
             "<title>A digest blog</title>", f"<link>{base}/</link>", "<description>papers</description>"]
    for e in entries:
        parts += ["<item>", f"<title>{escape(e.title)}</title>", f"<link>{escape(e.link)}</link>",
                  f'<guid isPermaLink="true">{escape(e.link)}</guid>',
                  f"<pubDate>{format_datetime(e.published)}</pubDate>",
                  f"<description>{escape(e.summary or 'A digest of new papers.')}</description>"]
        if e.html is not None:
            parts.append(f"<content:encoded><![CDATA[{e.html}]]></content:encoded>")
        parts.append("</item>")
    parts += ["</channel>", "</rss>"]
    return "\n".join(parts).encode("utf-8")


class FeedServer:
    """Serves `body` at `path` with an ETag (or only a Last-Modified) and answers 304 to a request that
    names it; counts the GETs and the 304s."""

    def __init__(self, server: HTTPServer, path: str, body: bytes, *, use_etag: bool = True,
                 content_type: str = "application/atom+xml") -> None:
        self.changes = 0
        self.body = body
        self.use_etag = use_etag
        self.content_type = content_type
        self.gets = 0
        self.not_modified = 0
        self.requests: list[Request] = []
        server.expect_request(path).respond_with_handler(self.answer)
        self.url = server.url_for(path)

    @property
    def body(self) -> bytes:
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:  # a new body is modified a minute after the last
        self._body = value
        self.changes += 1
        self.modified = f"Mon, 09 Dec 2024 00:{self.changes:02d}:05 GMT"

    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest() + '"'

    def answer(self, request: Request) -> Response:
        self.gets += 1
        self.requests.append(request)
        if self.use_etag:
            validators = {"ETag": self.etag()}
            fresh = request.headers.get("If-None-Match") == self.etag()
        else:
            validators = {"Last-Modified": self.modified}
            fresh = request.headers.get("If-Modified-Since") == self.modified
        if fresh:
            self.not_modified += 1
            return Response(status=304, headers=validators)
        return Response(self.body, headers={**validators, "Content-Type": self.content_type})
