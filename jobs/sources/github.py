"""Kind `github`: posts in a folder of a GitHub repository.

Listed with the git trees API (one request: `GET {api}/repos/{owner}/{repo}/git/trees/{branch}?recursive=1`,
sent with the previous ETag so an unchanged repository costs a 304), read through raw URLs
(`{raw}/{owner}/{repo}/{branch}/{percent-encoded path}`, which do not count against the API limit).
A `GITHUB_TOKEN` in the environment is sent to the API only, never to raw URLs.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from ..config import SourceConfig
from . import http
from .base import Fetched, Listing, PostRef, SourceError
from .directory import git_blob_sha, lookback_cutoff, select_refs, utc_today

log = logging.getLogger(__name__)

_SHA = re.compile(r"[0-9a-f]{40}")
_SYMLINK_MODE = "120000"


class GitHubSource:
    kind = "github"
    options: tuple[str, ...] = ("repo", "branch", "api_url", "raw_url")  # config keys only this kind takes

    @classmethod
    def from_config(
        cls, cfg: SourceConfig, client: httpx.AsyncClient, *, retry: http.RetryPolicy = http.DEFAULT_RETRY
    ) -> GitHubSource:
        return cls(cfg, client, retry=retry)

    @staticmethod
    def location(cfg: SourceConfig) -> str:
        return f"{cfg.repo}@{cfg.branch}:{cfg.path}"

    def __init__(
        self,
        cfg: SourceConfig,
        client: httpx.AsyncClient,
        *,
        retry: http.RetryPolicy = http.DEFAULT_RETRY,
        token: str | None = None,
        today: Callable[[], date] = utc_today,
    ) -> None:
        owner, _, repo = cfg.repo.strip().strip("/").partition("/")
        if not owner or not repo or "/" in repo:
            raise SourceError(f"source {cfg.name!r}: `repo` must be 'owner/name', got {cfg.repo!r}")
        if not cfg.branch:
            raise SourceError(f"source {cfg.name!r}: `branch` is empty")
        self.name = cfg.name
        self.cfg = cfg
        self.client = client
        self.retry = retry
        self.owner, self.repo = owner, repo
        self.branch = cfg.branch
        self.folder = cfg.path.strip().strip("/")
        self.patterns = list(cfg.patterns)
        self.today = today
        if token is None:
            token = os.environ.get("GITHUB_TOKEN", "").strip() or None
        self.token = token
        self.api_url = cfg.api_url.rstrip("/")
        self.raw_url = cfg.raw_url.rstrip("/")
        self.warnings: list[str] = []  # non-fatal problems of the last listing (e.g. truncated tree)

    # ------------------------------------------------------------------ listing

    @property
    def _where(self) -> str:
        return f"{self.owner}/{self.repo}@{self.branch}"

    def _api_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _tree_url(self, tree: str) -> str:
        return (
            f"{self.api_url}/repos/{quote(self.owner, safe='')}/{quote(self.repo, safe='')}"
            f"/git/trees/{quote(tree, safe='/')}?recursive=1"
        )

    async def _get_tree(self, tree: str, etag: str | None) -> tuple[http.GetResult, dict[str, Any] | None]:
        no_token = "" if self.token else " (a private repository also answers 404 without GITHUB_TOKEN)"
        result = await http.get(
            self.client,
            self._tree_url(tree),
            headers=self._api_headers(),
            etag=etag,
            retry=self.retry,
            deadline=self.cfg.limits.request_timeout_s,
            max_bytes=self.cfg.limits.max_response_bytes,
            hints={
                404: f"repository {self.owner}/{self.repo} or branch {self.branch!r} not found; "
                f"check `repo` and `branch` of source {self.name!r}{no_token}",
                401: "GITHUB_TOKEN was rejected; renew it or unset it",
                403: "GitHub refused access; check GITHUB_TOKEN's permissions",
                409: f"repository {self.owner}/{self.repo} is empty",
            },
            rate_limit_hint=(
                "GitHub's API allows 5,000 requests/hour with this token"
                if self.token
                else "set GITHUB_TOKEN for 5,000 requests/hour (60 without)"
            ),
        )
        if result.not_modified:
            return result, None
        try:
            data = json.loads(result.content or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceError(f"GET {result.url}: the answer is not JSON ({exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("tree"), list):
            raise SourceError(f"GET {result.url}: the answer has no `tree` list; is api_url right?")
        return result, data

    async def list_posts(self, etag: str | None = None) -> Listing:
        """The wanted blobs under the folder. With the ETag of an earlier listing, an unchanged
        repository gives Listing(refs=None, etag). A truncated tree is fetched again from the folder's
        own subtree; if still incomplete, the listing is partial and `self.warnings` says so."""
        self.warnings = []
        result, data = await self._get_tree(self.branch, etag)
        if data is None:
            return Listing(refs=None, etag=result.etag or etag)

        prefix = f"{self.folder}/" if self.folder else ""
        entries: list[tuple[str, str]] = []
        folder_seen = not self.folder
        tree: list[Any] = data["tree"]
        if data.get("truncated"):
            subtree_sha = next(
                (
                    entry.get("sha")
                    for entry in tree
                    if isinstance(entry, dict) and entry.get("type") == "tree" and entry.get("path") == self.folder
                ),
                None,
            )
            if self.folder and isinstance(subtree_sha, str):
                log.info("%s: tree of %s truncated; listing %s/ alone", self.name, self._where, self.folder)
                _, sub = await self._get_tree(subtree_sha, None)
                if sub is not None:
                    tree = [
                        {**entry, "path": f"{prefix}{entry.get('path')}"}
                        for entry in sub["tree"]
                        if isinstance(entry, dict)
                    ]
                    data = sub
            if data.get("truncated"):
                self.warnings.append(
                    f"source {self.name!r}: GitHub truncated the tree of {self._where} (too many files); "
                    f"the listing is incomplete — point `path` at a smaller folder"
                )

        for entry in tree:
            if not isinstance(entry, dict):
                continue
            path, sha, kind = entry.get("path"), entry.get("sha"), entry.get("type")
            if not isinstance(path, str):
                continue
            if path == self.folder or path.startswith(prefix):
                folder_seen = True
            if kind != "blob" or not isinstance(sha, str) or entry.get("mode") == _SYMLINK_MODE:
                continue
            if prefix and not path.startswith(prefix):
                continue
            entries.append((path[len(prefix):], sha))

        if not folder_seen:
            if data.get("truncated"):
                self.warnings.append(
                    f"source {self.name!r}: folder {self.folder!r} is not in the truncated tree of {self._where}"
                )
            else:
                raise SourceError(
                    f"source {self.name!r}: folder {self.folder!r} not found in {self._where} — "
                    f"check `path` (the folder inside the repository)"
                )
        for warning in self.warnings:
            log.warning("%s", warning)

        cutoff = lookback_cutoff(self.cfg.lookback_days, self.today())
        return Listing(refs=select_refs(entries, self.patterns, cutoff), etag=result.etag)

    # ------------------------------------------------------------------ fetching

    def raw_file_url(self, path: str) -> str:
        full = f"{self.folder}/{path}" if self.folder else path
        return (
            f"{self.raw_url}/{quote(self.owner, safe='')}/{quote(self.repo, safe='')}"
            f"/{quote(self.branch, safe='/')}/{quote(full, safe='/')}"
        )

    async def fetch(
        self, ref: PostRef, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """The file's bytes from the raw URL (no Authorization sent). With etag / last_modified, an
        unchanged file gives Fetched(content=None). If the bytes do not hash to the listing's blob sha,
        raw.githubusercontent.com is still serving a cached older copy (it caches ~5 minutes): that
        raises SourceError rather than handing out stale content under the new version."""
        url = self.raw_file_url(ref.path)
        limits = self.cfg.limits
        result = await http.get(
            self.client,
            url,
            etag=etag,
            last_modified=last_modified,
            retry=self.retry,
            deadline=limits.request_timeout_s,
            max_bytes=min(limits.max_post_bytes, limits.max_response_bytes),
            limit_key="limits.max_post_mb" if limits.max_post_bytes <= limits.max_response_bytes
            else "limits.max_response_mb",
            hints={
                404: f"the file is gone (renamed or deleted since the listing?); check `path` of source "
                f"{self.name!r}",
            },
        )
        if result.not_modified:
            return Fetched(content=None, etag=result.etag, last_modified=result.last_modified)
        content = result.content or b""
        if _SHA.fullmatch(ref.version) and git_blob_sha(content) != ref.version:
            raise SourceError(
                f"GET {url}: the content is not blob {ref.version} from the listing — the branch moved "
                f"or raw.githubusercontent.com still serves a cached copy; try again in a few minutes"
            )
        return Fetched(content=content, etag=result.etag, last_modified=result.last_modified)
