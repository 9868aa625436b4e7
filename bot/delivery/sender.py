"""Sending the outbox to Discord. Every message was planned in the database first; this module only
sends what is pending and stores the message id; targets.py says where each row goes and what a failure means."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import discord

from bot.delivery import forum
from bot.delivery.safe_form import safe_form
from bot.delivery.targets import Target, Targets, describe_failure, is_gone
from bot.ui.buttons import paper_view, papers_view
from bot.ui.embeds import Images, paper_embed
from bot.ui.language import guild_languages, member_languages
from bot.ui.paper_pages import page_args
from bot.ui.render import alert_line, club_line, footer_line, header_embed, top_embed
from jobs.messages import ClubMessage, TopMessage
from jobs.models import Paper
from jobs.present.i18n import Lang
from jobs.records import OutboxItem, PagedDay
from jobs.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A send that fails in passing (network, timeout, 5xx) is tried again within this run, well inside
# Discord's nonce window: if the first had in fact gone through, Discord answers with that message.
RETRY_DELAYS = (1.0, 4.0)
# A send that takes longer is abandoned (and retried as above); discord.py itself waits on 429s.
SEND_TIMEOUT = 60.0
# Discord's answers to a payload it will never take (400: invalid form body, 50035; 413: too large).
# Any other status (429 after discord.py's own retries, 5xx, 401…) may pass.
PAYLOAD_REFUSED = (400, 413)
# What one send may raise without it being our fault or the database's.
SEND_FAILURES = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)
# Targets served at once. At Discord's usual 50-150 ms a request, 5 in flight stay near its global
# limit of 50 requests/s without tripping it; discord.py handles any 429 that still comes.
SEND_WORKERS = 5


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    papers: int = 0
    failed: int = 0
    paused: list[str] = field(default_factory=list)  # human-readable, one per paused target


def nonce_for(item: OutboxItem) -> str:
    """Derived from the outbox row: a resend after a crash is de-duplicated by Discord."""
    return f"pb{item.id}"


Languages = dict[tuple[str, int], tuple[str, Lang]]


async def target_languages(store: Store, item: OutboxItem, locale: str | None = None,
                           cache: Languages | None = None) -> tuple[str, Lang]:
    """How a row's papers read and the language of Paperboy's words around them: a channel's follow its
    server (`locale`: the server's Discord locale), a member's DMs follow them."""
    key = (item.kind, item.target_id)
    if cache is not None and key in cache:
        return cache[key]
    languages = (await member_languages(store, item.target_id) if item.kind == "dm"
                 else await guild_languages(store, item.guild_id, locale))
    if cache is not None:
        cache[key] = languages
    return languages


async def render(store: Store, item: OutboxItem, *, images: Images,
                 papers: dict[str, Paper | None] | None = None,
                 languages: Languages | None = None, locale: str | None = None) -> dict[str, Any] | None:
    """The send() arguments for an outbox row; None when its paper is gone from the database.
    `papers` caches the papers read during one send run (a fan-out sends each to many people),
    `languages` each target's languages (target_languages); `locale` is the Discord locale of the
    row's server."""
    payload = item.payload
    language, lang = await target_languages(store, item, locale, languages)
    if "header" in payload:
        return {"embed": header_embed(payload["header"], lang)}
    if "footer" in payload:  # rows planned by a Paperboy before headers counted what was left out
        return {"content": footer_line(payload["footer"])}
    if "alert" in payload:
        return {"content": alert_line(payload["alert"], lang)}
    if "club" in payload:  # a journal-club presenter's reminder (jobs/club.py)
        club = ClubMessage.from_payload(payload)
        paper = await store.get_paper(club.arxiv_id)
        return {"content": club_line(club, paper, lang)}
    if "top" in payload:  # a server's weekly top (jobs/lab_week.py)
        top = TopMessage.from_payload(payload)
        found = await store.get_papers([p[0] for p in top.papers])
        return {"embed": top_embed(top, found, lang)}
    day = PagedDay.of(payload)
    if day is not None:  # a feed's topic-day or a member's day of matches: one paged message
        return await page_args(store, item.id, day, language=language, lang=lang)
    ids: list[str] = payload.get("papers", [])
    matched: dict[str, str] = payload.get("matched", {})
    appearance: dict[str, list[str]] = payload.get("shown", {})
    topics = await store.paper_topics(ids)
    embeds: list[discord.Embed] = []
    shown: list[Paper] = []
    for arxiv_id in ids:
        if papers is not None and arxiv_id in papers:
            paper = papers[arxiv_id]
        else:
            paper = await store.get_paper(arxiv_id)
            if papers is not None:
                papers[arxiv_id] = paper
        if paper is None:
            continue
        if arxiv_id in appearance:  # labelled as the feed posted it (or the subscription matched it)
            topic, date = appearance[arxiv_id]
            paper = replace(paper, topic=topic or paper.topic, date=date or paper.date)
        embeds.append(paper_embed(paper, images=images, matched=matched.get(arxiv_id), language=language,
                                  also_in=topics.get(arxiv_id), lang=lang))
        shown.append(paper)
    if not embeds:
        return None
    view = (paper_view(shown[0], language=language, lang=lang) if len(shown) == 1
            else papers_view(shown, language, lang))
    args: dict[str, Any] = {"embeds": embeds, "view": view}
    if payload.get("content"):
        args["content"] = payload["content"]
    return args


async def _post(target: Target, item: OutboxItem, args: dict[str, Any], *, tried: bool) -> int | None:
    """Send one outbox row; the new message's id (None when there was nothing to post). `tried`: an
    earlier try may have reached Discord."""
    if isinstance(target, discord.ForumChannel):
        return await forum.post(target, item, args, look=tried)
    message = await target.send(**args, nonce=nonce_for(item))  # discord.py sets enforce_nonce
    return message.id


def _describe(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return describe_failure(exc, "the target")
    if isinstance(exc, TimeoutError):
        return f"no answer from Discord within {SEND_TIMEOUT:.0f} s"
    return f"network error: {type(exc).__name__}: {exc}"


async def send_pending(store: Store, targets: Targets, *, images: Images, guild_id: int | None = None,
                       kind: str | None = None, workers: int = SEND_WORKERS,
                       retry_delays: tuple[float, ...] = RETRY_DELAYS, stop: asyncio.Event | None = None,
                       ) -> SendReport:
    """Send every pending outbox row. Each target (a channel, a member's DMs) gets its messages in
    order, one in flight at a time; `workers` targets are served at once, round-robin, so one busy
    target (Discord allows a DM channel about 5 messages per 5 s) does not hold up the others. A target
    that cannot work (deleted channel, lost access, closed DMs) is given up on and reported; a target
    that fails for a passing reason keeps the rest of its rows pending, in order, for the next run.
    Once `stop` is set no new send starts: what is not yet sent stays pending."""
    stop = stop or asyncio.Event()
    report = SendReport()
    queues: dict[tuple[str, int], deque[OutboxItem]] = {}
    for item in await store.pending(guild_id=guild_id, kind=kind):
        queues.setdefault((item.kind, item.target_id), deque()).append(item)
    ready = deque(queues)
    # Per run: each paper is read once, each target resolved once (a subscriber's DM channel is a
    # database lookup; a channel not in the cache, a request), however many messages use them.
    papers: dict[str, Paper | None] = {}
    languages: Languages = {}

    async def send_one(key: tuple[str, int], item: OutboxItem, target: list[Target]) -> bool:
        """Send one row; False when the rest of this target's rows must wait or fail."""
        queue = queues[key]
        args = await render(store, item, images=images, papers=papers, languages=languages,
                            locale=targets.locale(item.guild_id))
        if args is None:
            await store.mark_failed([item.id], "the paper is no longer in the database", final=True)
            return True
        tried = item.tried  # by a run that crashed
        delays, attempt, safe = (*retry_delays, None), 0, False
        while True:
            delay = delays[attempt]
            try:
                if not target:
                    target.append(await targets.resolve(item))
                if isinstance(target[0], discord.ForumChannel) and ("embeds" in args or "view" in args) \
                        and not item.tried:
                    # No nonce for a forum post: say in the database first that it may reach Discord.
                    await store.mark_trying(item.id)
                    item.tried = True
                async with asyncio.timeout(SEND_TIMEOUT):
                    message_id = await _post(target[0], item, args, tried=tried)
                break
            except SEND_FAILURES as exc:
                refused_payload = isinstance(exc, discord.HTTPException) and exc.status in PAYLOAD_REFUSED \
                    and not is_gone(exc)
                if refused_payload and not safe:  # once more, smaller and plainer: its papers are not lost
                    log.warning("outbox %s: Discord refused it (%s); trying a smaller form", item.id, _describe(exc))
                    args, safe = safe_form(args), True
                    continue
                if isinstance(exc, discord.HTTPException) and (is_gone(exc) or exc.status in PAYLOAD_REFUSED):
                    return await refused(queue, item, exc)
                if delay is None or stop.is_set():
                    return await passing(item, exc)
                tried = True  # a failed try may have reached Discord all the same
                log.info("outbox %s: %s; trying again in %.0f s", item.id, _describe(exc), delay)
                await asyncio.sleep(delay)  # short: a shutdown waits this out (SHUTDOWN_GRACE is longer)
                attempt += 1
                if stop.is_set():
                    return await passing(item, exc)
        await store.mark_sent(item.id, message_id)
        report.sent += message_id is not None
        day = PagedDay.of(item.payload)
        report.papers += len(day.papers) if day is not None else len(args.get("embeds", []))
        return True

    async def refused(queue: deque[OutboxItem], item: OutboxItem, exc: discord.HTTPException) -> bool:
        report.failed += 1
        if not is_gone(exc):
            # Discord refused this payload (400, e.g. 50035 invalid form body): it would refuse it
            # every time, so give it up now and let the rest of the queue go.
            reason = describe_failure(exc, "the target")
            await store.mark_failed([item.id], reason, final=True)
            log.warning("outbox %s given up: Discord refused it: %s", item.id, reason)
            return True
        reason = await targets.failed(item, exc)
        # Everything else for this target fails with it, without another request.
        await store.mark_failed([item.id, *(i.id for i in queue)], reason, final=True)
        report.failed += len(queue)
        queue.clear()
        report.paused.append(reason)
        return False

    async def passing(item: OutboxItem, exc: BaseException) -> bool:
        """A failure that may pass (network, timeout, 5xx): this row, and its target's later rows to
        keep their order, wait for the next run; after MAX_ATTEMPTS runs the row is given up."""
        report.failed += 1
        final = item.attempts + 1 >= MAX_ATTEMPTS
        await store.mark_failed([item.id], _describe(exc), final=final)
        log.warning("outbox %s: %s (attempt %s%s)", item.id, _describe(exc), item.attempts + 1,
                    ", given up" if final else "")
        return final

    resolved: dict[tuple[str, int], list[Target]] = {}

    async def worker() -> None:
        while ready and not stop.is_set():
            key = ready.popleft()
            queue = queues[key]
            if await send_one(key, queue.popleft(), resolved.setdefault(key, [])) and queue:
                ready.append(key)

    await asyncio.gather(*(worker() for _ in range(min(workers, len(ready)))))
    return report
