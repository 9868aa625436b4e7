"""Sending the outbox to Discord. Every message was planned in the database first; this module only
sends what is pending and stores the message id; targets.py says where each row goes and what a failure means."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import discord

from bot.delivery.targets import Target, Targets, describe_failure, is_gone
from bot.ui.buttons import paper_view, papers_view
from bot.ui.digest_message import digest_message
from bot.ui.embeds import paper_embed, trim
from bot.ui.render import footer_line, header_embed
from jobs.models import Paper
from jobs.records import OutboxItem
from jobs.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
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


async def render(store: Store, item: OutboxItem, *, images: bool,
                 papers: dict[str, Paper | None] | None = None) -> dict[str, Any] | None:
    """The send() arguments for an outbox row; None when its paper is gone from the database.
    `papers` caches the papers read during one send run (a fan-out sends each to many people)."""
    payload = item.payload
    if "header" in payload:
        return {"embed": header_embed(payload["header"])}
    if "footer" in payload:  # rows planned by a Paperboy before headers counted what was left out
        return {"content": footer_line(payload["footer"])}
    if "digest" in payload:
        return await digest_message(store, item.id, day=payload["digest"])
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
        embeds.append(paper_embed(paper, images=images, matched=matched.get(arxiv_id),
                                  also_in=topics.get(arxiv_id)))
        shown.append(paper)
    if not embeds:
        return None
    view = paper_view(shown[0]) if len(shown) == 1 else papers_view(shown)
    args: dict[str, Any] = {"embeds": embeds, "view": view}
    if payload.get("content"):
        args["content"] = payload["content"]
    return args


async def _post(target: Target, item: OutboxItem, args: dict[str, Any]) -> int | None:
    """Send one outbox row; the new message's id (None when there was nothing to post)."""
    if isinstance(target, discord.ForumChannel):
        # In a forum each paper is its own post, for discussion; the header and closing lines have
        # no place there. Thread creation takes no nonce, so Discord cannot de-duplicate a resend.
        if "embeds" not in args and "view" not in args:
            return None
        embed = args["embeds"][0] if "embeds" in args else args["embed"]  # a card, or a digest's day
        topic = ((item.payload.get("digest") or {}).get("topic")
                 or (embed.footer.text or "").split(" · ")[0]).casefold()
        tags = [t for t in target.available_tags if t.name.casefold() == topic][:1]
        created = await target.create_thread(name=trim(embed.title or "Paper", 100), embeds=[embed],
                                             view=args.get("view", discord.utils.MISSING), applied_tags=tags)
        return created.message.id
    message = await target.send(**args, nonce=nonce_for(item))  # discord.py sets enforce_nonce
    return message.id


async def send_pending(store: Store, targets: Targets, *, images: bool, guild_id: int | None = None,
                       kind: str | None = None, workers: int = SEND_WORKERS) -> SendReport:
    """Send every pending outbox row. Each target (a channel, a member's DMs) gets its messages in
    order, one in flight at a time; `workers` targets are served at once, round-robin, so one busy
    target (Discord allows a DM channel about 5 messages per 5 s) does not hold up the others. A target
    that cannot work (deleted channel, lost access, closed DMs) is given up on and reported; a target
    that fails for a passing reason keeps the rest of its rows pending, in order, for the next run."""
    report = SendReport()
    queues: dict[tuple[str, int], deque[OutboxItem]] = {}
    for item in await store.pending(guild_id=guild_id, kind=kind):
        queues.setdefault((item.kind, item.target_id), deque()).append(item)
    ready = deque(queues)
    # Per run: each paper is read once, each target resolved once (a subscriber's DM channel is a
    # database lookup; a channel not in the cache, a request), however many messages use them.
    papers: dict[str, Paper | None] = {}

    async def send_one(key: tuple[str, int], item: OutboxItem, target: list[Target]) -> bool:
        """Send one row; False when the rest of this target's rows must wait or fail."""
        queue = queues[key]
        try:
            args = await render(store, item, images=images, papers=papers)
            if args is None:
                await store.mark_failed([item.id], "the paper is no longer in the database", final=True)
                return True
            if not target:
                target.append(await targets.resolve(item))
            message_id = await _post(target[0], item, args)
        except discord.HTTPException as exc:
            report.failed += 1
            if not is_gone(exc):
                final = item.attempts + 1 >= MAX_ATTEMPTS
                await store.mark_failed([item.id], describe_failure(exc, "the target"), final=final)
                log.warning("outbox %s: %s (attempt %s)", item.id, exc, item.attempts + 1)
                return final  # given up on this row: the next may go; else keep the order
            reason = await targets.failed(item, exc)
            # Everything else for this target fails with it, without another request.
            await store.mark_failed([item.id, *(i.id for i in queue)], reason, final=True)
            report.failed += len(queue)
            queue.clear()
            report.paused.append(reason)
            return False
        await store.mark_sent(item.id, message_id)
        report.sent += message_id is not None
        report.papers += len(args.get("embeds", [])) or len((item.payload.get("digest") or {}).get("papers", []))
        return True

    resolved: dict[tuple[str, int], list[Target]] = {}

    async def worker() -> None:
        while ready:
            key = ready.popleft()
            queue = queues[key]
            if await send_one(key, queue.popleft(), resolved.setdefault(key, [])) and queue:
                ready.append(key)

    await asyncio.gather(*(worker() for _ in range(min(workers, len(ready)))))
    return report
