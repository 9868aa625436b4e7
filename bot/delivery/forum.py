"""A paper as its own forum post, created once even across crashes.

Discord de-duplicates a message sent with a nonce, but a forum post (a thread with its starter
message) takes no nonce: a crash between Discord's answer and our commit would post it again on the
next run. So the sender marks the row as tried before creating the post, the post carries the row's
marker at the end of its embed footer, and a row tried before is first looked for among the forum's
posts made by the bot: found, it is adopted rather than posted again.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.ui.embeds import EMBED_TOTAL_MAX, FOOTER_MAX, trim
from jobs.messages import DigestMessage
from jobs.records import OutboxItem

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100
ARCHIVED_LOOKED_AT = 50  # a crash is found at the next start; older posts are not worth the requests


def marker(item: OutboxItem) -> str:
    return f"#pb{item.id}"


def thread_name(embed: discord.Embed) -> str:
    return trim((embed.title or "Paper").strip() or "Paper", THREAD_NAME_MAX)


def mark(embed: discord.Embed, tag: str) -> None:
    """End the footer with the row's marker (once), keeping the embed within Discord's limits."""
    footer = embed.footer.text or ""
    if footer.endswith(tag):
        return
    suffix = f" · {tag}" if footer else tag
    embed.set_footer(text=trim(footer, FOOTER_MAX - len(suffix)) + suffix, icon_url=embed.footer.icon_url)
    over = len(embed) - EMBED_TOTAL_MAX
    if over > 0 and embed.description:
        embed.description = trim(embed.description, len(embed.description) - over)


async def find_post(forum: discord.ForumChannel, name: str, tag: str) -> int | None:
    """The starter message id of the bot's post in `forum` named `name` whose footer ends with `tag`."""
    me = forum.guild.me.id
    try:
        threads = [t for t in await forum.guild.active_threads() if t.parent_id == forum.id]
        threads += [t async for t in forum.archived_threads(limit=ARCHIVED_LOOKED_AT)]
    except discord.HTTPException as exc:
        # Not knowing, post: a paper posted twice is better than a paper never posted.
        log.warning("could not look for an earlier post in forum %s (%s); posting", forum.id, exc)
        return None
    for thread in threads:
        if thread.owner_id != me or thread.name.strip() != name.strip():
            continue
        try:
            first = [m async for m in thread.history(limit=1, oldest_first=True)]
        except discord.HTTPException:
            continue
        if first and any((e.footer.text or "").endswith(tag) for e in first[0].embeds):
            return first[0].id
    return None


async def post(forum: discord.ForumChannel, item: OutboxItem, args: dict[str, Any], *, look: bool) -> int | None:
    """Post one paper in `forum` (the header and closing lines have no place there: None). `look`: an
    earlier try may have made it (before a crash, or a timeout); if found, it is adopted."""
    if "embeds" not in args and "view" not in args:
        return None
    embed = args["embeds"][0] if "embeds" in args else args["embed"]  # a card, or a digest's day
    name, tag = thread_name(embed), marker(item)
    mark(embed, tag)
    if look:
        found = await find_post(forum, name, tag)
        if found is not None:
            log.info("outbox %s: adopted forum post %s, made by a try that did not get to record it", item.id, found)
            return found
    message = item.message
    topic = ((message.topic if isinstance(message, DigestMessage) else "")
             or (embed.footer.text or "").split(" · ")[0]).casefold()
    tags = [t for t in forum.available_tags if t.name.casefold() == topic][:1]
    created = await forum.create_thread(name=name, embeds=args.get("embeds") or [embed],
                                        view=args.get("view", discord.utils.MISSING),
                                        applied_tags=tags)
    return created.message.id
