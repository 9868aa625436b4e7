"""Sending the outbox to Discord. Every message was planned in the database first; this module only
sends what is pending and stores the message id; targets.py says where each row goes and what a failure means."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
import discord

from bot.delivery import forum
from bot.delivery.budget import BUDGET, Budget, Reservations
from bot.delivery.safe_form import safe_form
from bot.delivery.targets import Spend, Target, Targets, describe_failure, is_gone
from bot.ui.buttons import paper_view, papers_view
from bot.ui.embeds import Images, paper_embed
from bot.ui.language import guild_languages, member_languages
from bot.ui.paper_pages import page_args
from bot.ui.render import alert_line, club_line, footer_line, header_embed, top_embed
from bot.ui.reused import Reused
from jobs.messages import (
    AlertMessage,
    CardMessage,
    ClubMessage,
    DayMessage,
    DigestMessage,
    DirectMessage,
    FooterMessage,
    HeaderMessage,
    PayloadError,
    TopMessage,
)
from jobs.models import Paper
from jobs.plan.released import release_refused
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
# limit of 50 requests/s; the budget (below) keeps every sender together under it.
SEND_WORKERS = 5
# Rows claimed at a time (each the next row of its own target).
CLAIM_BATCH = 20
# Sends recorded together, in one transaction: a batch is written when it holds RECORD_BATCH sends, when its
# first waited RECORD_EVERY_S, before each claim (a target's next row is claimable once the one before is
# recorded) and when the run ends. A row sent and not yet recorded is marked tried: after a crash it is
# found by its marker and adopted, not sent again.
RECORD_BATCH = 20
RECORD_EVERY_S = 1.0
# A claim's lease: renewed every third of it while the sender runs; a dead sender's rows go to another after it.
LEASE_S = 30.0
# A tried row is looked for among its target's newest messages (a crash is found at the next start).
LOOKED_AT = 50


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
                 languages: Languages | None = None, locale: str | None = None,
                 reused: Reused | None = None) -> dict[str, Any] | None:
    """The send() arguments for an outbox row; None when its paper is gone from the database.
    `papers` caches the papers read during one send run (a fan-out sends each to many people),
    `languages` each target's languages (target_languages); `locale` is the Discord locale of the
    row's server. PayloadError: the row holds no message Paperboy knows."""
    message = item.message
    language, lang = await target_languages(store, item, locale, languages)
    match message:
        case HeaderMessage():
            return {"embed": header_embed(message, lang)}
        case FooterMessage():  # rows planned by a Paperboy before headers counted what was left out
            return {"content": footer_line(message)}
        case AlertMessage():
            return {"content": alert_line(message, lang)}
        case ClubMessage():  # a journal-club presenter's reminder (jobs/club.py)
            return {"content": club_line(message, await store.get_paper(message.arxiv_id), lang)}
        case TopMessage():  # a server's weekly top (jobs/lab_week.py)
            found = await store.get_papers([p[0] for p in message.papers])
            return {"embed": top_embed(message, found, lang)}
        case DigestMessage() | DayMessage():  # a feed's topic-day or a member's day of matches: one paged message
            day = PagedDay.of(message)
            assert day is not None
            return await page_args(store, item.id, day, language=language, lang=lang, reused=reused)
        case CardMessage() | DirectMessage():
            return await _cards(store, message, images=images, papers=papers, language=language, lang=lang,
                                reused=reused)


async def _cards(store: Store, message: CardMessage | DirectMessage, *, images: Images,
                 papers: dict[str, Paper | None] | None, language: str, lang: Lang,
                 reused: Reused | None = None) -> dict[str, Any] | None:
    """A card row (one paper; older rows and DMs, several): each paper's full embed and its buttons."""
    ids = message.papers
    matched = message.matched if isinstance(message, DirectMessage) else {}
    appearance = message.shown or {}
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
    def build() -> discord.ui.View:
        return (paper_view(shown[0], language=language, lang=lang) if len(shown) == 1
                else papers_view(shown, language, lang))

    # The same card (or set of cards) to many channels: one view, built once a run.
    key = ("cards", tuple((p.arxiv_id, p.topic) for p in shown), language, lang)
    view = reused.one(key, build) if reused is not None else build()
    args: dict[str, Any] = {"embeds": embeds, "view": view}
    if isinstance(message, DirectMessage) and message.content:
        args["content"] = message.content
    return args


def _mark(item: OutboxItem, args: dict[str, Any]) -> None:
    """The row's marker on the message, where a later look finds it: the end of its last embed's footer,
    as forum posts carry it. (A message of text alone, an alert, is found by its text.)"""
    embeds = args.get("embeds") or ([args["embed"]] if args.get("embed") is not None else [])
    if embeds:
        forum.mark(embeds[-1], forum.marker(item))


async def find_message(target: discord.abc.Messageable, item: OutboxItem, args: dict[str, Any],
                       me: int) -> int | None:
    """The bot's message carrying the row's marker (or, for text alone, the same text) among the target's
    recent messages, or None."""
    tag = forum.marker(item)
    text = None if args.get("embeds") or args.get("embed") is not None else args.get("content")
    try:
        async for message in target.history(limit=LOOKED_AT):
            if message.author.id != me:
                continue
            if text is not None and message.content == text:
                return message.id
            if any((e.footer.text or "").endswith(tag) for e in message.embeds):
                return message.id
    except discord.HTTPException as exc:
        # Not knowing, post: a message posted twice is better than a message never posted.
        log.warning("outbox %s: could not look for an earlier try (%s); posting", item.id, exc)
    return None


async def _post(target: Target, item: OutboxItem, args: dict[str, Any], *, tried: bool, me: int,
                spend: Spend) -> int | None:
    """Send one outbox row; the new message's id (None when there was nothing to post). `tried`: an
    earlier try may have reached Discord: the message is looked for by its marker first, and adopted if
    found. (A message's own retries within a run need no look: Discord answers a resend with the same
    nonce with the first message; a forum post takes no nonce, so it looks after any try.)"""
    if isinstance(target, discord.ForumChannel):
        if tried:
            await spend(2)  # the forum's threads, then the match's first message
        return await forum.post(target, item, args, look=tried)
    _mark(item, args)
    if item.tried:  # by another run or sender: outside the nonce window
        await spend(1)
        found = await find_message(target, item, args, me)
        if found is not None:
            log.info("outbox %s: adopted message %s, sent by a try that did not get to record it", item.id, found)
            return found
    message = await target.send(**args, nonce=nonce_for(item))  # discord.py sets enforce_nonce
    return message.id


def _describe(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return describe_failure(exc, "the target")
    if isinstance(exc, TimeoutError):
        return f"no answer from Discord within {SEND_TIMEOUT:.0f} s"
    return f"network error: {type(exc).__name__}: {exc}"


def claimer_name() -> str:
    """Who holds a claim, for leases and for a person reading the outbox: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def send_pending(store: Store, targets: Targets, *, images: Images, guild_id: int | None = None,
                       kind: str | None = None, workers: int = SEND_WORKERS,
                       retry_delays: tuple[float, ...] = RETRY_DELAYS, stop: asyncio.Event | None = None,
                       claimer: str | None = None, budget: Budget = BUDGET, lease: float = LEASE_S,
                       ) -> SendReport:
    """Send the pending outbox rows this sender can claim (jobs/store/claims.py): each target (a channel,
    a member's DMs) gets its messages in order, one in flight at a time across every sender; `workers`
    targets are served at once, so one busy target (Discord allows a DM channel about 5 messages per 5 s)
    does not hold up the others. Every request first takes its share of the bot's one budget (`budget`,
    shared by every sender). A target that cannot work (deleted channel, lost access, closed DMs) is given
    up on and reported; a target that fails for a passing reason keeps the rest of its rows pending, in
    order, for the next run. A message sent but not recorded (the database refused the write: a full disk)
    pauses the sending until a record works, and is found by its marker before it is sent again. Once
    `stop` is set no new send starts: what is not yet sent stays pending."""
    run = SendRun(store, targets, images=images, guild_id=guild_id, kind=kind, workers=workers,
                  retry_delays=retry_delays, stop=stop or asyncio.Event(), claimer=claimer or claimer_name(),
                  budget=budget, lease=lease)
    return await run.run()


class SendRun:
    """One run of `send_pending`: what it claimed, what is in flight, and what it learned on the way."""

    def __init__(self, store: Store, targets: Targets, *, images: Images, guild_id: int | None, kind: str | None,
                 workers: int, retry_delays: tuple[float, ...], stop: asyncio.Event, claimer: str, budget: Budget,
                 lease: float) -> None:
        self.store, self.targets, self.images = store, targets, images
        self.guild_id, self.kind, self.workers = guild_id, kind, workers
        self.retry_delays, self.stop, self.claimer, self.budget, self.lease = retry_delays, stop, claimer, budget, lease
        self.report = SendReport()
        self.me = targets.client.user.id if targets.client.user is not None else 0
        self.ready: deque[OutboxItem] = deque()  # claimed, not yet started
        self.busy: set[int] = set()  # started, not finished
        self.skip: list[int] = []  # kept for a later run (a passing failure): this run claims them no more
        self.gone: dict[tuple[str, int], str] = {}  # targets given up on this run, and why
        self.claiming = asyncio.Lock()
        self.halted: list[str] = []  # why sending stopped (a record that could not be written)
        # Per run: each paper is read once, each target resolved once (a subscriber's DM channel is a
        # database lookup; a channel not in the cache, a request), however many messages use them.
        self.papers: dict[str, Paper | None] = {}
        self.reused = Reused(papers=self.papers)  # and each embed and view built once
        self.languages: Languages = {}
        self.resolved: dict[tuple[str, int], Target] = {}
        self.running: set[asyncio.Task[None]] = set()
        self.budget_left = Reservations(store.take_send_budget, budget)
        # Sent, not yet recorded (written in batches, see RECORD_BATCH); their ids stay out of claims until
        # they are recorded, with those of a batch being written.
        self.unrecorded: list[_Posted] = []
        self.recording_ids: set[int] = set()
        self.recording = asyncio.Lock()

    async def run(self) -> SendReport:
        beat = asyncio.create_task(self.heartbeat())
        try:
            self.spawn(1)
            while self.running:
                done, _ = await asyncio.wait(set(self.running), return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # a bug or a database out of reach ends the run, as before
        finally:
            for task in self.running:
                task.cancel()
            await asyncio.gather(*self.running, return_exceptions=True)
            with contextlib.suppress(Exception):  # what was sent is recorded; if not, it is found by its marker
                await self.record()
            beat.cancel()
            await asyncio.gather(beat, return_exceptions=True)
            if self.ready or self.halted or self.stop.is_set():  # what is claimed and unsent goes back for any sender
                with contextlib.suppress(Exception):  # the rows still ready were never begun: untried again
                    await self.store.release_claims(self.claimer, [i.id for i in self.ready if not i.tried])
        return self.report

    def spawn(self, count: int) -> None:
        for _ in range(count):
            task = asyncio.create_task(self.worker())
            self.running.add(task)
            task.add_done_callback(self.running.discard)

    async def worker(self) -> None:
        while (item := await self.next_item()) is not None:
            try:
                await self.send_one(item)
            finally:
                self.busy.discard(item.id)
            if self.ready:  # more targets claimed than workers at them: bring the others back
                self.spawn(min(self.workers - len(self.running), len(self.ready)))

    async def heartbeat(self) -> None:
        while True:  # leases outlive a stalled round; a dead sender's run out
            await asyncio.sleep(self.lease / 3)
            try:
                await self.store.renew_claims(self.claimer, self.lease)
            except Exception as exc:  # the next claim or record says it plainly
                log.warning("could not renew this sender's claims: %s", exc)

    async def spend(self, requests: int) -> None:
        await self.budget_left.spend(requests)

    async def next_item(self) -> OutboxItem | None:
        """The next row to send, claimed in batches; None when there is none to claim now (a row of a
        target in flight comes when that send ends: the worker ending it claims again)."""
        if self.stop.is_set() or self.halted:
            return None
        async with self.claiming:
            if not self.ready:
                # First the record: the targets of what was sent have their next rows ready. A stop that came
                # meanwhile (a SIGTERM during the last send) starts nothing more.
                if not await self.record() or self.stop.is_set():
                    return None
                self.ready.extend(await self.store.claim_outbox(
                    self.claimer, CLAIM_BATCH, exclude=[*self.busy, *self.skip, *self.recording_ids],
                    lease=self.lease, guild_id=self.guild_id, kind=self.kind))
            if not self.ready:
                return None
            item = self.ready.popleft()
            self.busy.add(item.id)
            return item

    async def send_one(self, item: OutboxItem) -> None:
        key = (item.kind, item.target_id)
        if key in self.gone:  # its target was given up on this run: fail it without a request
            await self.store.mark_failed([item.id], self.gone[key], final=True)
            self.report.failed += 1
            return
        try:
            args = await render(self.store, item, images=self.images, papers=self.papers,
                                languages=self.languages, locale=self.targets.locale(item.guild_id),
                                reused=self.reused)
        except PayloadError as exc:  # written by a bug or by hand: say which row and why, and send the rest
            await self.store.mark_failed([item.id], f"it cannot be read: {exc}", final=True)
            log.error("outbox %s given up: it cannot be read: %s", item.id, exc)
            self.report.failed += 1
            return
        if args is None:
            await self.store.mark_failed([item.id], "the paper is no longer in the database", final=True)
            return
        posted = await self.post(item, args)
        if posted is None:
            return
        self.unrecorded.append(posted)
        self.recording_ids.add(item.id)
        if (len(self.unrecorded) >= RECORD_BATCH
                or time.monotonic() - self.unrecorded[0].at >= RECORD_EVERY_S):
            await self.record()

    async def post(self, item: OutboxItem, args: dict[str, Any]) -> _Posted | None:
        """Post one row, retrying a passing failure and a refused payload once in a smaller form; None when
        it was not posted (what happened is recorded)."""
        key = (item.kind, item.target_id)
        tried = item.tried  # by an earlier run or another sender: look before posting again
        delays, attempt, safe = (*self.retry_delays, None), 0, False
        while True:
            try:
                if key not in self.resolved:
                    self.resolved[key] = await self.targets.resolve(item, spend=self.spend)
                await self.spend(1)
                if not await self.store.begin_send(item.id, self.claimer, self.lease):
                    log.warning("outbox %s: no longer this sender's (its lease ran out); left to the sender "
                                "that holds it", item.id)
                    return None
                async with asyncio.timeout(SEND_TIMEOUT):
                    message_id = await _post(self.resolved[key], item, args, tried=tried, me=self.me,
                                             spend=self.spend)
                return _Posted(item, message_id, args)
            except SEND_FAILURES as exc:
                if _refused_payload(exc) and not safe:  # once more, smaller and plainer: its papers are not lost
                    log.warning("outbox %s: Discord refused it (%s); trying a smaller form", item.id, _describe(exc))
                    args, safe = safe_form(args), True
                    continue
                if not await self.retry_after(item, exc, delays[attempt]):
                    return None
                tried = True  # a failed try may have reached Discord all the same
                attempt += 1

    async def retry_after(self, item: OutboxItem, exc: BaseException, delay: float | None) -> bool:
        """Whether to try `item` again after `exc`: waits `delay` first; otherwise records why not."""
        if isinstance(exc, discord.HTTPException) and (is_gone(exc) or exc.status in PAYLOAD_REFUSED):
            await self.refused(item, exc)
            return False
        if delay is None or self.stop.is_set():
            await self.passing(item, exc)
            return False
        log.info("outbox %s: %s; trying again in %.0f s", item.id, _describe(exc), delay)
        await asyncio.sleep(delay)  # short: a shutdown waits this out (SHUTDOWN_GRACE is longer)
        if self.stop.is_set():
            await self.passing(item, exc)
            return False
        return True

    async def record(self) -> bool:
        """Store what was sent and not yet recorded, in one transaction; False once sending is paused. When
        the database will not take it (a full disk), sending pauses: the write is tried again, and if it
        still fails this run stops starting sends. Those rows stay pending and tried: the next run finds
        their messages by their markers instead of sending them again."""
        async with self.recording:
            batch, self.unrecorded = self.unrecorded, []
            if not batch:
                return not self.halted
            for wait in (0.0, *self.retry_delays):
                await asyncio.sleep(wait)
                try:
                    await self.store.mark_sent_many([(p.item.id, p.message_id) for p in batch])
                    break
                except Exception as exc:  # whatever the database raised: nothing more is sent until it works
                    problem = f"{type(exc).__name__}: {exc}"
            else:
                ids = ", ".join(str(p.item.id) for p in batch)
                reason = (f"sending paused: Discord took outbox row(s) {ids} but the database did not record "
                          f"them ({problem}); they are looked for, not sent again, once the database writes")
                if not self.halted:
                    self.halted.append(reason)
                    self.report.paused.append(reason)
                    log.error("%s", reason)
                return False
            for posted in batch:
                self.recording_ids.discard(posted.item.id)
                self.report.sent += posted.message_id is not None
                day = PagedDay.of(posted.item.message)
                self.report.papers += len(day.papers) if day is not None else len(posted.args.get("embeds", []))
            return not self.halted

    async def refused(self, item: OutboxItem, exc: discord.HTTPException) -> None:
        self.report.failed += 1
        if not is_gone(exc):
            # Discord refused this payload in both forms (400, e.g. 50035 invalid form body): it would refuse
            # it every time, so give it up now, let the rest of the queue go, and give its papers back.
            reason = describe_failure(exc, "the target")
            release = await release_refused(self.store, item, reason)
            log.warning("outbox %s given up: Discord refused it: %s; %s papers released to be planned again, "
                        "%s given up", item.id, reason, release.released, release.given_up)
            return
        reason = await self.targets.failed(item, exc)
        # Everything else for this target fails with it, without another request.
        self.gone[(item.kind, item.target_id)] = reason
        await self.store.mark_failed([item.id], reason, final=True)
        self.report.paused.append(reason)

    async def passing(self, item: OutboxItem, exc: BaseException) -> None:
        """A failure that may pass (network, timeout, 5xx): this row, and its target's later rows to
        keep their order, wait for the next run; after MAX_ATTEMPTS runs the row is given up."""
        self.report.failed += 1
        final = item.attempts + 1 >= MAX_ATTEMPTS
        await self.store.mark_failed([item.id], _describe(exc), final=final)
        if not final:
            self.skip.append(item.id)
        log.warning("outbox %s: %s (attempt %s%s)", item.id, _describe(exc), item.attempts + 1,
                    ", given up" if final else "")


@dataclass(slots=True)
class _Posted:
    item: OutboxItem
    message_id: int | None
    args: dict[str, Any]  # as posted: the smaller form when the first was refused
    at: float = field(default_factory=time.monotonic)


def _refused_payload(exc: BaseException) -> bool:
    """Discord refused the payload itself (400/413), not the target: a smaller form may pass."""
    return isinstance(exc, discord.HTTPException) and exc.status in PAYLOAD_REFUSED and not is_gone(exc)
