"""Kind `directory`: posts in a local folder (recursive), plus the file filters every kind shares.

A post's `version` is its git blob sha1 (sha1 of b"blob <size>\\0" + content): it changes exactly when
the bytes do, and equals the `sha` GitHub's tree API gives for the same file, so a local checkout and
the GitHub source agree. Hashes are cached per file on (size, mtime_ns, ctime_ns, inode), so a listing
only reads files that changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import posixpath
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from ..config import SourceConfig
from ..post_date import post_date
from .base import Fetched, Listing, PostRef, SourceError, TooLarge

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- filters shared by every kind


def utc_today() -> date:
    return datetime.now(UTC).date()


def lookback_cutoff(lookback_days: int | None, today: date) -> date | None:
    """The oldest post date kept: today - lookback_days (so 0 keeps only today's posts)."""
    if lookback_days is None:
        return None
    return today - timedelta(days=max(0, lookback_days))


def is_wanted(path: str, patterns: Sequence[str], cutoff: date | None) -> bool:
    """Does the file name match one of the globs, and is the post (if dated) not older than cutoff?"""
    name = posixpath.basename(path)
    if not any(fnmatchcase(name, pattern) for pattern in patterns):
        return False
    if cutoff is not None:
        dated = post_date(path)
        if dated is not None and dated < cutoff:
            return False
    return True


def select_refs(
    items: Iterable[tuple[str, str]], patterns: Sequence[str], cutoff: date | None
) -> list[PostRef]:
    """(path, version) pairs -> the wanted ones as PostRefs, sorted by path."""
    refs = [PostRef(path, version) for path, version in items if is_wanted(path, patterns, cutoff)]
    refs.sort(key=lambda ref: ref.path)
    return refs


def git_blob_sha(content: bytes) -> str:
    digest = hashlib.sha1(b"blob %d\0" % len(content), usedforsecurity=False)
    digest.update(content)
    return digest.hexdigest()


# ---------------------------------------------------------------- the directory source

_StatKey = tuple[int, int, int, int]
# A file modified this recently could change again within the same mtime tick without its stat
# changing, so its hash is not cached (the "racy git" problem).
_RACY_NS = 2_000_000_000


def _hash_file(path: str) -> str:
    with open(path, "rb") as handle:
        return git_blob_sha(handle.read())


class DirectorySource:
    """Posts in a local folder. `PostRef.path` is the posix path relative to the folder."""

    kind = "directory"
    options: tuple[str, ...] = ()  # config keys only this kind takes

    @classmethod
    def from_config(cls, cfg: SourceConfig, client: object, *, retry: object = None) -> DirectorySource:
        return cls(cfg)  # a local folder needs no HTTP client

    @staticmethod
    def location(cfg: SourceConfig) -> str:
        return cfg.path

    def __init__(self, cfg: SourceConfig, *, today: Callable[[], date] = utc_today) -> None:
        self.name = cfg.name
        self.cfg = cfg
        self.root = Path(cfg.path).expanduser()
        self.patterns = list(cfg.patterns)
        self.today = today
        self.warnings: list[str] = []  # non-fatal problems of the last listing
        self._hashes: dict[str, tuple[_StatKey, str]] = {}

    def _missing(self, what: str) -> SourceError:
        return SourceError(
            f"source {self.name!r}: folder {str(self.root)!r} {what} — create it, mount it, "
            f"or fix `path` in the config"
        )

    def _walk(self, cutoff: date | None) -> tuple[list[tuple[str, str]], list[str]]:
        if not self.root.exists():
            raise self._missing("does not exist")
        if not self.root.is_dir():
            raise self._missing("is not a folder")
        problems: list[str] = []

        def on_error(exc: OSError) -> None:
            problems.append(f"source {self.name!r}: cannot read {exc.filename!r}: {exc.strerror or exc}")

        items: list[tuple[str, str]] = []
        seen: set[str] = set()
        root = str(self.root)
        for folder, dirnames, filenames in os.walk(root, onerror=on_error):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_folder = os.path.relpath(folder, root)
            for filename in filenames:
                if filename.startswith("."):
                    continue
                rel = filename if rel_folder == "." else f"{rel_folder}/{filename}"
                rel = rel.replace(os.sep, "/")
                if not is_wanted(rel, self.patterns, cutoff):
                    continue
                full = os.path.join(folder, filename)
                try:
                    stat = os.stat(full)
                    if not os.path.isfile(full):
                        continue
                    key: _StatKey = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
                    cached = self._hashes.get(rel)
                    if cached is not None and cached[0] == key:
                        version = cached[1]
                    else:
                        version = _hash_file(full)
                        if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _RACY_NS:
                            self._hashes[rel] = (key, version)
                        else:
                            self._hashes.pop(rel, None)
                except OSError as exc:
                    on_error(exc)
                    continue
                seen.add(rel)
                items.append((rel, version))
        for stale in self._hashes.keys() - seen:
            del self._hashes[stale]
        return items, problems

    async def list_posts(self, etag: str | None = None) -> Listing:
        """All wanted posts. The listing's etag is a fingerprint of (path, version) pairs: passing it
        back gives Listing(refs=None) when nothing changed."""
        cutoff = lookback_cutoff(self.cfg.lookback_days, self.today())
        items, problems = await asyncio.to_thread(self._walk, cutoff)
        self.warnings = problems
        for problem in problems:
            log.warning("%s", problem)
        refs = select_refs(items, self.patterns, cutoff)
        fingerprint = hashlib.sha1(usedforsecurity=False)
        for ref in refs:
            fingerprint.update(f"{ref.path}\0{ref.version}\n".encode())
        new_etag = f'"{fingerprint.hexdigest()}"'
        if etag is not None and etag == new_etag:
            return Listing(refs=None, etag=new_etag)
        return Listing(refs=refs, etag=new_etag)

    def _read(self, full: Path) -> bytes:
        cap = self.cfg.limits.max_post_bytes
        with open(full, "rb") as handle:
            content = handle.read(cap + 1)  # never more than the limit in memory
        if len(content) > cap:
            raise TooLarge(
                f"source {self.name!r}: {str(full)!r} is over the {cap / (1024 * 1024):.4g} MB limit "
                "(limits.max_post_mb)"
            )
        return content

    async def fetch(
        self, ref: PostRef, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        """The file's bytes (etag / last_modified are ignored: a local read is cheap)."""
        relative = PurePosixPath(ref.path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise SourceError(f"source {self.name!r}: refusing path {ref.path!r} outside the folder")
        full = self.root.joinpath(*relative.parts)
        try:
            content = await asyncio.to_thread(self._read, full)
        except FileNotFoundError as exc:
            raise SourceError(
                f"source {self.name!r}: {str(full)!r} is gone (deleted or renamed since the listing)"
            ) from exc
        except OSError as exc:
            raise SourceError(f"source {self.name!r}: cannot read {str(full)!r}: {exc.strerror or exc}") from exc
        return Fetched(content=content)
