"""One ingest run: list every source, fetch what is new or changed, parse, store.

A broken post is recorded as failed with its reason and the run goes on; a source that cannot be
listed is reported and the other sources go on. Listing and fetching one source share a deadline
(limits.source_timeout_s); a post over limits.max_post_mb is recorded as failed without being parsed;
parsing runs in a worker thread so that a big post does not freeze the event loop (the bot's gateway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import httpx

from jobs.config import SourceConfig
from jobs.formats import format_that_parses, parse_post
from jobs.formats.registry import AUTO
from jobs.gc_pause import no_cyclic_gc
from jobs.models import FormatError, ParsedPost
from jobs.records import PostState
from jobs.sources import SOURCE_KINDS, build_source
from jobs.sources.base import Fetched, Listing, PostRef, Source, SourceError, TooLarge
from jobs.store.areas import IngestArea

log = logging.getLogger(__name__)

FETCH_CONCURRENCY = 8
# Posts are stored a batch at a time, one transaction each: a commit (and the full-text index's
# flush) per post was most of an ingest's time. A crash loses at most the batch in hand, whose posts
# stay unrecorded, so the next run fetches them again.
STORE_BATCH_POSTS = 64
STORE_BATCH_PAPERS = 2000


@dataclass(slots=True)
class SourceReport:
    name: str
    posts_new: int = 0
    posts_changed: int = 0
    posts_unchanged: int = 0
    posts_failed: int = 0
    papers_new: int = 0
    error: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    incomplete: bool = False  # some posts could not be fetched (not: could not be parsed): worth a retry
    warning: str | None = None  # e.g. the files read do not parse in the source's format

    def line(self) -> str:
        if self.error:
            return f"{self.name}: FAILED: {self.error}"
        return (
            f"{self.name}: posts new {self.posts_new}, changed {self.posts_changed}, "
            f"failed {self.posts_failed}, unchanged {self.posts_unchanged}; papers new {self.papers_new}"
            + (f"; WARNING: {self.warning}" if self.warning else "")
        )


@dataclass(slots=True)
class IngestReport:
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def papers_new(self) -> int:
        return sum(s.papers_new for s in self.sources)

    @property
    def ok(self) -> bool:
        return all(s.error is None for s in self.sources)


async def ingest(
    store: IngestArea,
    sources: list[SourceConfig],
    client: httpx.AsyncClient | None = None,
) -> IngestReport:
    report = IngestReport()
    own_client = client is None
    if client is None:
        from jobs.sources.http import make_client

        # Off the loop: the client's TLS context reads the CA bundle, 60-100 ms of CPU (benchmarks/loop_block.py).
        client = await asyncio.to_thread(make_client)
    try:
        for cfg in sources:
            # A big post is tens of thousands of papers and their lists alive at once: without the pause the
            # collector walks them all, GIL held, as they pile up (jobs/gc_pause.py; benchmarks/loop_block.py).
            # Paused per source, so its papers are freed before it runs again.
            with no_cyclic_gc():
                report.sources.append(await ingest_source(store, cfg, client))
    finally:
        if own_client:
            await client.aclose()
    return report


async def ingest_source(store: IngestArea, cfg: SourceConfig, client: httpx.AsyncClient) -> SourceReport:
    """List, fetch what changed, parse and store, in listing order; see `SourceRun` for each step."""
    source_id = await store.upsert_source(cfg.name, cfg.kind, cfg.format, SOURCE_KINDS[cfg.kind].location(cfg))
    run = SourceRun(store, cfg, source_id, build_source(cfg, client))
    listing = await run.list_posts()
    if listing is None:
        return run.rep
    if listing.refs is None:  # 304: nothing changed anywhere in the folder
        run.rep.posts_unchanged = len(await store.post_states(run.source_id))
        await store.finish_source_run(run.source_id, listing_etag=listing.etag, error=None)
        return run.rep
    todo = await run.changed(listing.refs)
    results = await asyncio.gather(*(run.fetch(ref, state) for ref, state in todo))
    async with _Batches(store, run.source_id, run.rep) as batches:
        for (ref, state), result in zip(todo, results, strict=True):
            parsed = await run.parse(ref, result)
            if parsed is not None:
                await batches.add(ref, result, parsed, new=state is None)
    await run.check_format()
    # Forget the listing's etag when a fetch failed, so the next run lists again and retries it.
    run.rep.incomplete = run.retry_next_run
    etag = None if run.retry_next_run else listing.etag
    await store.finish_source_run(run.source_id, listing_etag=etag, error=None)
    return run.rep


class SourceRun:
    """One source's run: its report, deadline and what its steps learn on the way."""

    def __init__(self, store: IngestArea, cfg: SourceConfig, source_id: int, source: Source) -> None:
        self.store, self.cfg, self.source_id, self.source = store, cfg, source_id, source
        self.rep = SourceReport(cfg.name)
        self.limits = cfg.limits
        # Listing and fetching share one deadline.
        self.deadline = asyncio.get_running_loop().time() + cfg.limits.source_timeout_s
        self.gate = asyncio.Semaphore(FETCH_CONCURRENCY)
        self.retry_next_run = False
        # A source whose files parse but yield no paper, or fail, may name the wrong format: one such file
        # is kept to find the format that would parse it.
        self.found_papers = False
        self.unparsed: tuple[str, bytes] | None = None

    @property
    def out_of_time(self) -> str:
        return (f"source run over its {self.limits.source_timeout_s:g} s limit (limits.source_timeout_s); "
                "what was stored is kept, the rest is tried next run")

    async def list_posts(self) -> Listing | None:
        """The listing, or None when it failed (recorded and logged)."""
        try:
            async with asyncio.timeout_at(self.deadline):
                return await self.source.list_posts(await self.store.listing_etag(self.source_id))
        except TimeoutError:
            self.rep.error = f"listing: {self.out_of_time}"
        except SourceError as exc:
            self.rep.error = str(exc)
        await self.store.finish_source_run(self.source_id, listing_etag=None, error=self.rep.error)
        log.warning("source %s: %s", self.cfg.name, self.rep.error)
        return None

    async def changed(self, refs: list[PostRef]) -> list[tuple[PostRef, PostState | None]]:
        """The posts new or of another version than stored, with what is stored of them."""
        known = await self.store.post_states(self.source_id)
        todo: list[tuple[PostRef, PostState | None]] = []
        for ref in refs:
            state = known.get(ref.path)
            if state is not None and state.version == ref.version:
                self.rep.posts_unchanged += 1
            else:
                todo.append((ref, state))
        return todo

    async def fetch(self, ref: PostRef, state: PostState | None) -> Fetched | SourceError:
        """One post (conditionally when it was stored well), concurrently with the others."""
        try:
            async with asyncio.timeout_at(self.deadline), self.gate:
                if state is not None and state.status == "ok":
                    return await self.source.fetch(ref, state.etag, state.last_modified)
                return await self.source.fetch(ref)
        except SourceError as exc:
            return exc
        except TimeoutError:
            return SourceError(self.out_of_time)

    async def parse(self, ref: PostRef, result: Fetched | SourceError) -> ParsedPost | None:
        """The post parsed, or None when there is nothing to store (what happened is counted)."""
        rep = self.rep
        if isinstance(result, SourceError):
            rep.posts_failed += 1
            rep.failures.append((ref.path, str(result)))
            if isinstance(result, TooLarge):  # stored as failed: fetching the same version again would not help
                await self.store.record_failed_post(self.source_id, ref, str(result))
            else:  # not stored: the content was never seen, so the next run retries it
                self.retry_next_run = True
            return None
        if result.content is None:
            # 304 although the version changed: the server still has the old bytes cached. The post keeps
            # its old version, so the next run fetches it again.
            rep.posts_unchanged += 1
            self.retry_next_run = True
            return None
        try:
            if len(result.content) > self.limits.max_post_bytes:
                raise FormatError(f"the post is {len(result.content) / (1024 * 1024):.4g} MB, over the "
                                  f"{self.limits.max_post_mb:g} MB limit (limits.max_post_mb); not parsed")
            parsed = await asyncio.to_thread(parse_post, result.content, ref.path, self.cfg.format,
                                             source=self.cfg.name)
        except FormatError as exc:
            await self.store.record_failed_post(self.source_id, ref, str(exc))
            rep.posts_failed += 1
            rep.failures.append((ref.path, str(exc)))
            if self.unparsed is None and len(result.content) <= self.limits.max_post_bytes:
                self.unparsed = (ref.path, result.content)
            return None
        if parsed.papers:
            self.found_papers = True
        elif self.unparsed is None:
            self.unparsed = (ref.path, result.content)
        return parsed

    async def check_format(self) -> None:
        """Warn when nothing read this run parsed as the source's format but another format would."""
        if self.found_papers or self.unparsed is None or self.cfg.format == AUTO:
            return
        right = await asyncio.to_thread(format_that_parses, self.unparsed[1], self.unparsed[0])
        if right is not None and right != self.cfg.format:
            self.rep.warning = (f"no file read this run parses as format {self.cfg.format} ({self.unparsed[0]} did "
                                f"not); they parse as {right}: set `format: {right}` (or auto) for source "
                                f"{self.cfg.name}")
            log.warning("source %s: %s", self.cfg.name, self.rep.warning)


class _Batches:
    """Parsed posts stored a batch at a time, in listing order so appearance ids follow the posts' order.
    The batch being stored runs in SQLite's thread (without the GIL) while the next is parsed; leaving the
    block waits for the last one, and an error or a cancellation rolls back the one in hand."""

    def __init__(self, store: IngestArea, source_id: int, rep: SourceReport) -> None:
        self.store, self.source_id, self.rep = store, source_id, rep
        self.posts: list[tuple[PostRef, Fetched, ParsedPost]] = []
        self.new: list[bool] = []
        self.storing: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Batches:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            await self.flush()  # the last batch
            await self.flush()  # and waits for it
        elif self.storing is not None:  # cancelled or failed: the batch in hand is rolled back, not left running
            self.storing.cancel()
            with contextlib.suppress(BaseException):
                await self.storing

    async def add(self, ref: PostRef, fetched: Fetched, parsed: ParsedPost, *, new: bool) -> None:
        self.posts.append((ref, fetched, parsed))
        self.new.append(new)
        if len(self.posts) >= STORE_BATCH_POSTS or sum(len(p.papers) for _, _, p in self.posts) >= STORE_BATCH_PAPERS:
            await self.flush()

    async def flush(self) -> None:
        if self.storing is not None:
            await self.storing
        self.storing = (asyncio.create_task(self._store(self.posts.copy(), self.new.copy()))
                        if self.posts else None)
        self.posts.clear()
        self.new.clear()

    async def _store(self, posts: list[tuple[PostRef, Fetched, ParsedPost]], new: list[bool]) -> None:
        outcomes = await self.store.record_posts(self.source_id, posts)
        for outcome, is_new in zip(outcomes, new, strict=True):
            self.rep.papers_new += outcome.new_papers
            if is_new:
                self.rep.posts_new += 1
            else:
                self.rep.posts_changed += 1
