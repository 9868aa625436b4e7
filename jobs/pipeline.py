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
from jobs.models import FormatError, ParsedPost
from jobs.records import PostState
from jobs.sources import SOURCE_KINDS, build_source
from jobs.sources.base import Fetched, PostRef, SourceError, TooLarge
from jobs.store import Store

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
    store: Store,
    sources: list[SourceConfig],
    client: httpx.AsyncClient | None = None,
) -> IngestReport:
    report = IngestReport()
    own_client = client is None
    if client is None:
        from jobs.sources.http import make_client

        client = make_client()
    try:
        for cfg in sources:
            report.sources.append(await ingest_source(store, cfg, client))
    finally:
        if own_client:
            await client.aclose()
    return report


async def ingest_source(store: Store, cfg: SourceConfig, client: httpx.AsyncClient) -> SourceReport:
    rep = SourceReport(cfg.name)
    location = SOURCE_KINDS[cfg.kind].location(cfg)
    source_id = await store.upsert_source(cfg.name, cfg.kind, cfg.format, location)
    source = build_source(cfg, client)
    limits = cfg.limits
    run_deadline = asyncio.get_running_loop().time() + limits.source_timeout_s
    out_of_time = (
        f"source run over its {limits.source_timeout_s:g} s limit (limits.source_timeout_s); "
        "what was stored is kept, the rest is tried next run"
    )
    try:
        async with asyncio.timeout_at(run_deadline):
            listing = await source.list_posts(await store.listing_etag(source_id))
    except TimeoutError:
        rep.error = f"listing: {out_of_time}"
        await store.finish_source_run(source_id, listing_etag=None, error=rep.error)
        log.warning("source %s: %s", cfg.name, rep.error)
        return rep
    except SourceError as exc:
        rep.error = str(exc)
        await store.finish_source_run(source_id, listing_etag=None, error=rep.error)
        log.warning("source %s: %s", cfg.name, exc)
        return rep
    if listing.refs is None:  # 304: nothing changed anywhere in the folder
        rep.posts_unchanged = len(await store.post_states(source_id))
        await store.finish_source_run(source_id, listing_etag=listing.etag, error=None)
        return rep

    known = await store.post_states(source_id)
    todo: list[tuple[PostRef, PostState | None]] = []
    for ref in listing.refs:
        state = known.get(ref.path)
        if state is not None and state.version == ref.version:
            rep.posts_unchanged += 1
        else:
            todo.append((ref, state))

    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def fetch(ref: PostRef, state: PostState | None) -> Fetched | SourceError:
        try:
            async with asyncio.timeout_at(run_deadline), gate:
                if state is not None and state.status == "ok":
                    return await source.fetch(ref, state.etag, state.last_modified)
                return await source.fetch(ref)
        except SourceError as exc:
            return exc
        except TimeoutError:
            return SourceError(out_of_time)

    # Fetch concurrently, store in listing order so appearance ids follow the posts' order.
    results = await asyncio.gather(*(fetch(ref, state) for ref, state in todo))
    retry_next_run = False
    batch: list[tuple[PostRef, Fetched, ParsedPost]] = []
    batch_new: list[bool] = []
    # The batch being stored: SQLite works in the connection's thread (without the GIL) while the
    # next batch is parsed. One at a time, in order, so appearance ids still follow the listing.
    storing: asyncio.Task[None] | None = None
    # A source whose files parse but yield no paper, or fail, may name the wrong format: one such file is
    # kept to find the format that would parse it.
    found_papers = False
    unparsed: tuple[str, bytes] | None = None

    async def store_batch(posts: list[tuple[PostRef, Fetched, ParsedPost]], new: list[bool]) -> None:
        outcomes = await store.record_posts(source_id, posts)
        for outcome, is_new in zip(outcomes, new, strict=True):
            rep.papers_new += outcome.new_papers
            if is_new:
                rep.posts_new += 1
            else:
                rep.posts_changed += 1

    async def flush() -> None:
        nonlocal storing
        if storing is not None:
            await storing
        storing = asyncio.create_task(store_batch(batch.copy(), batch_new.copy())) if batch else None
        batch.clear()
        batch_new.clear()

    try:
        for (ref, state), result in zip(todo, results, strict=True):
            if isinstance(result, TooLarge):
                # Stored as failed: fetching the same version again would not help.
                await store.record_failed_post(source_id, ref, str(result))
                rep.posts_failed += 1
                rep.failures.append((ref.path, str(result)))
                continue
            if isinstance(result, SourceError):
                # Not stored as a failed post: the content was never seen, so the next run retries it.
                rep.posts_failed += 1
                rep.failures.append((ref.path, str(result)))
                retry_next_run = True
                continue
            if result.content is None:
                # 304 although the version changed: the server still has the old bytes cached. The
                # post keeps its old version, so the next run fetches it again.
                rep.posts_unchanged += 1
                retry_next_run = True
                continue
            try:
                if len(result.content) > limits.max_post_bytes:
                    raise FormatError(
                        f"the post is {len(result.content) / (1024 * 1024):.4g} MB, over the "
                        f"{limits.max_post_mb:g} MB limit (limits.max_post_mb); not parsed"
                    )
                parsed = await asyncio.to_thread(parse_post, result.content, ref.path, cfg.format, source=cfg.name)
            except FormatError as exc:
                await store.record_failed_post(source_id, ref, str(exc))
                rep.posts_failed += 1
                rep.failures.append((ref.path, str(exc)))
                if unparsed is None and len(result.content) <= limits.max_post_bytes:
                    unparsed = (ref.path, result.content)
                continue
            if parsed.papers:
                found_papers = True
            elif unparsed is None:
                unparsed = (ref.path, result.content)
            batch.append((ref, result, parsed))
            batch_new.append(state is None)
            if len(batch) >= STORE_BATCH_POSTS or sum(len(p.papers) for _, _, p in batch) >= STORE_BATCH_PAPERS:
                await flush()
        await flush()  # the last batch
        await flush()  # and waits for it
    except BaseException:
        if storing is not None:  # cancelled or failed: the batch in hand is rolled back, not left running
            storing.cancel()
            with contextlib.suppress(BaseException):
                await storing
        raise
    if not found_papers and unparsed is not None and cfg.format != AUTO:
        right = await asyncio.to_thread(format_that_parses, unparsed[1], unparsed[0])
        if right is not None and right != cfg.format:
            rep.warning = (f"no file read this run parses as format {cfg.format} ({unparsed[0]} did not); they "
                           f"parse as {right}: set `format: {right}` (or auto) for source {cfg.name}")
            log.warning("source %s: %s", cfg.name, rep.warning)
    # Forget the listing's etag when a fetch failed, so the next run lists again and retries it.
    rep.incomplete = retry_next_run
    etag = None if retry_next_run else listing.etag
    await store.finish_source_run(source_id, listing_etag=etag, error=None)
    return rep
