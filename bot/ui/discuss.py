"""💬 Discuss under a paper opened from a channel's day: one public thread per paper in that channel, its
card first and a link back to the day's message; a second click (by anyone) finds it again."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any, Self

import discord

from bot.client import Interaction
from bot.i18n.replies import say
from bot.ui.buttons import paper_view, stored_paper
from bot.ui.embeds import paper_embed, trim
from bot.ui.language import guild_languages, server_locale
from bot.ui.views import PersistentItem
from jobs.models import Paper
from jobs.present import limits
from jobs.present.i18n import t
from jobs.present.latex import latex_to_text
from jobs.records import PagedDay
from jobs.store import Store


class _KeyLock:
    """A lock and how many clicks hold or wait for it: the last one out drops it from the table."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


_THREAD_LOCKS: dict[tuple[int, str], _KeyLock] = {}  # (channel, arXiv id): one Discuss at a time


@contextlib.asynccontextmanager
async def _one_at_a_time(key: tuple[int, str]) -> AsyncIterator[None]:
    """Two clicks on one paper in one channel make one thread. The table keeps only keys in use: one
    entry per paper ever clicked would grow for the life of the process."""
    entry = _THREAD_LOCKS.setdefault(key, _KeyLock())
    entry.users += 1
    try:
        async with entry.lock:
            yield
    finally:
        entry.users -= 1
        if not entry.users:
            del _THREAD_LOCKS[key]


async def read_day(store: Store, outbox_id: int) -> PagedDay | None:
    """The day an outbox row pages through; None when the row is gone or is no day."""
    row = await store.outbox_item(outbox_id)
    return PagedDay.of(row.message) if row is not None else None


def thread_name(paper: Paper) -> str:
    """A thread's name ends with the arXiv id, so that a second click finds it."""
    suffix = f" · {paper.arxiv_id}"
    return trim(latex_to_text(paper.title or "Paper"), limits.THREAD_NAME - len(suffix)) + suffix


async def find_thread(channel: discord.TextChannel, arxiv_id: str) -> discord.Thread | None:
    suffix = f" · {arxiv_id}"
    for thread in channel.threads:
        if thread.name.endswith(suffix):
            return thread
    async for thread in channel.archived_threads(limit=100):
        if thread.name.endswith(suffix):
            return thread
    return None


# What opening a paper's thread takes: making it, then posting its card in it.
THREAD_PERMISSIONS = ("create_public_threads", "send_messages_in_threads", "embed_links")


def permission_name(flag: str) -> str:
    """A permission as Discord's settings name it: send_messages_in_threads -> Send Messages in Threads."""
    return " ".join(word if word == "in" else word.capitalize() for word in flag.split("_"))


def missing_thread_permissions(channel: discord.TextChannel) -> list[str]:
    """The names of the permissions the bot lacks in `channel` to open a paper's thread."""
    perms = channel.permissions_for(channel.guild.me)
    return [permission_name(flag) for flag in THREAD_PERMISSIONS if not getattr(perms, flag)]


class DiscussButton(PersistentItem[discord.ui.Button[Any]],
                    template=r"pb:discuss:(?P<oid>\d{1,12}):(?P<mid>\d{1,19}):(?P<key>[\w./-]{4,30})"):
    """Opens a public thread for one paper of a day, its card first, a link back to the day's message; a
    second click (by anyone) finds that thread, reopening it when it was archived. One thread per paper,
    not per message: a message can carry only one thread, and a day lists many papers. The custom_id names
    the day's outbox row (the topic and date the card shows) and its message in the channel."""

    def __init__(self, key: str, lang: str = "en") -> None:
        super().__init__(discord.ui.Button(label="💬 " + t("button.discuss", lang),
                                           style=discord.ButtonStyle.success, custom_id=f"pb:discuss:{key}"))
        oid, mid, self.arxiv_id = key.split(":", 2)
        self.outbox_id, self.message_id = int(oid), int(mid)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(f"{match['oid']}:{match['mid']}:{match['key']}")

    async def clicked(self, interaction: Interaction) -> None:
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            await interaction.response.send_message(say(interaction, "discuss.text_only"), ephemeral=True)
            return
        paper = await stored_paper(interaction, self.arxiv_id)
        if paper is None:
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        day = await read_day(interaction.client.store, self.outbox_id)
        if day is not None:
            paper = day.labelled(paper)
        async with _one_at_a_time((channel.id, paper.arxiv_id)):
            thread = await find_thread(channel, paper.arxiv_id)
            if thread is not None:
                await interaction.client.store.record_thread(channel.guild.id, paper.arxiv_id, thread.id)
                if thread.archived:
                    thread = await thread.edit(archived=False)
                await thread.add_user(interaction.user)
                await interaction.followup.send(say(interaction, "discuss.found", thread=thread.mention),
                                                ephemeral=True)
                return
            missing = missing_thread_permissions(channel)
            if missing:  # checked first: a thread the bot cannot write in would stay empty
                names = " · ".join(f"**{name}**" for name in missing)
                await interaction.followup.send(say(interaction, "discuss.missing", names=names), ephemeral=True)
                return
            try:
                thread = await channel.create_thread(name=thread_name(paper), auto_archive_duration=10080,
                                                     type=discord.ChannelType.public_thread)
            except discord.Forbidden:
                await interaction.followup.send(
                    say(interaction, "discuss.forbidden"), ephemeral=True)
                return
            await interaction.client.store.record_thread(channel.guild.id, paper.arxiv_id, thread.id)
        digest = channel.get_partial_message(self.message_id).jump_url
        where = " · ".join(x for x in ((day.topic, day.date) if day else ()) if x) or "the digest"
        store = interaction.client.store
        also_in = (await store.paper_topics([paper.arxiv_id])).get(paper.arxiv_id, [])
        language, lang = await guild_languages(store, interaction.guild_id, server_locale(interaction))
        await thread.send(  # in the channel, for everyone: the server's languages
            content=t("discuss.opened_from", lang, user=interaction.user.mention, where=where, url=digest),
            embed=paper_embed(paper, images=interaction.client.config.feeds.images, also_in=also_in,
                              language=language, lang=lang),
            view=paper_view(paper, language=language, lang=lang), allowed_mentions=discord.AllowedMentions.none(),
        )
        await thread.add_user(interaction.user)
        await interaction.followup.send(say(interaction, "discuss.opened", thread=thread.mention), ephemeral=True)
