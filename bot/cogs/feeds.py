"""/feed add|remove|list|resume and /digest run: a server's admins choose where papers go."""

from __future__ import annotations

from typing import Protocol

import discord
from discord import app_commands

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import reply_lang, say
from bot.subscribe import excludes_line, preview_line, read_excludes, read_regex, recent_papers, regex_line
from bot.ui import paper_pages
from bot.ui.autocomplete import topic_choices
from bot.ui.embeds import LIST_COLOUR
from bot.ui.views import ItemOwner
from jobs.matching import split_keywords
from jobs.plan.preview import feed_preview
from jobs.plan.rank import MAX_SCORE
from jobs.present import limits
from jobs.present.i18n import t
from jobs.records import ALL_TOPICS, Feed
from jobs.search.query import QueryError, resolve_topic
from jobs.store.areas import FeedsArea, FiltersArea, PapersArea

MANAGE = discord.Permissions(manage_guild=True)
# A forum gets each paper as its own post (tagged with the topic when the forum has such a tag).
FeedChannel = discord.TextChannel | discord.Thread | discord.ForumChannel
REGEX_HELP = "Only papers this regular expression finds (RE2 syntax, any case); '-' for none"
SCORE_HELP = "Only papers scoring at least this: keyword in title 2, elsewhere 1; code 1; venue 1 (0: none)"
STYLES = [app_commands.Choice(name="digest: one message a day, a paged list", value="digest"),
          app_commands.Choice(name="cards: a card per paper", value="cards")]


def _style_for(channel: FeedChannel, asked: str | None) -> tuple[str | None, str]:
    """The style a feed in `channel` gets (None: keep the feed's own), and a note when it differs."""
    if isinstance(channel, discord.ForumChannel):
        note = " A forum gets a post per paper, for discussion." if asked == "digest" else ""
        return "cards", note
    return asked, ""


def _no_such(interaction: Interaction, channel: FeedChannel, topic: str) -> str:
    return say(interaction, "feed.no_such", channel=channel.mention,
               topic=discord.utils.escape_markdown(topic[:100]))


def _needs(channel: FeedChannel, me: discord.Member, lang: str = "en") -> list[str]:
    """The permissions Paperboy lacks in `channel`, named as the asker's Discord client (`lang`) names them."""
    perms = channel.permissions_for(me)
    missing = []
    if not perms.view_channel:
        missing.append(t("permission.view_channel", lang))
    if not (perms.send_messages_in_threads if isinstance(channel, discord.Thread) else perms.send_messages):
        missing.append(t("permission.send_messages", lang))
    if not perms.embed_links:
        missing.append(t("permission.embed_links", lang))
    return missing


class FeedsStore(FeedsArea, PapersArea, FiltersArea, Protocol):
    """The store areas the feeds cog uses: feeds, their topics and exclusions."""


class Feeds(ItemOwner):
    """Admin commands: hidden from members without Manage Server, and refused to them by the tree
    (bot/tree.py) if a server's command settings let them through anyway."""

    feed = app_commands.Group(name="feed", description="Choose which channels get new papers",
                              guild_only=True, default_permissions=MANAGE)
    digest = app_commands.Group(name="digest", description="Run the paper digest",
                                guild_only=True, default_permissions=MANAGE)

    # A day's pages (digests and DMs), its language toggle, its menu and the Discuss button of the cards it opens.
    PERSISTENT = paper_pages.PERSISTENT

    def __init__(self, bot: PaperboyClient, store: FeedsStore) -> None:
        super().__init__(bot)
        self.store = store

    async def _canonical_topic(self, topic: str) -> str | None:
        topic = topic.strip()
        if topic.casefold() == ALL_TOPICS:
            return ALL_TOPICS
        try:
            return resolve_topic(topic, await self.store.known_topics())
        except QueryError:
            return None

    @feed.command(name="add", description="Post new papers of a topic in a channel")
    @app_commands.describe(
        channel="Where to post", topic="A topic, or 'all'",
        keywords="Only papers mentioning one of these (comma separated, any case)",
        style="digest (default): one message a day with a paged list; cards: a card per paper",
        exclude="Leave out papers mentioning any of these (comma separated, any case)",
        regex=REGEX_HELP, min_score=SCORE_HELP,
    )
    @app_commands.choices(style=STYLES)
    async def add(self, interaction: Interaction, channel: FeedChannel, topic: str,
                  keywords: str | None = None, style: str | None = None, exclude: str | None = None,
                  regex: str | None = None, min_score: app_commands.Range[int, 0, MAX_SCORE] | None = None) -> None:
        assert interaction.guild is not None
        lang = reply_lang(interaction)
        canonical = await self._canonical_topic(topic)
        if canonical is None:
            known = await self.store.known_topics()
            listing = ", ".join(known[:20]) or t("feed.no_topics", lang)
            await interaction.response.send_message(
                t("feed.unknown_topic", lang, topic=discord.utils.escape_markdown(topic[:100]), known=listing),
                ephemeral=True,
            )
            return
        missing = _needs(channel, interaction.guild.me, lang)
        if missing:
            await interaction.response.send_message(
                t("feed.cannot_post", lang, channel=channel.mention, missing=", ".join(missing)), ephemeral=True,
            )
            return
        words = split_keywords(keywords or "")
        excludes, refused = self._excludes(exclude, words, canonical, lang)
        if refused is None and regex is not None and regex.strip():
            _, refused = read_regex(regex, lang)
        if refused is not None:
            await interaction.response.send_message(refused, ephemeral=True)
            return
        chosen, note = _style_for(channel, style)
        feed, created = await self.store.add_feed(
            interaction.guild.id, channel.id, canonical, words, interaction.user.id, chosen
        )
        if excludes is not None:
            feed = await self.store.set_feed_excludes(channel.id, canonical, excludes) or feed
        sched = self.bot.config.schedule
        what = t("feed.every_topic", lang) if canonical == ALL_TOPICS else f"**{canonical}**"
        listed = ", ".join(f"`{w}`" for w in words)
        how = t(f"feed.style.{feed.style}", lang, max=self.bot.config.feeds.max_per_cycle)
        note = t("feed.forum_note", lang) if note else ""
        if created:
            text = t("feed.added", lang, channel=channel.mention, what=what,
                     filter=t("feed.mentioning", lang, words=listed) if words else "", how=how,
                     time=sched.time, timezone=sched.timezone, note=note)
        else:
            text = t("feed.updated", lang, channel=channel.mention, what=what,
                     keywords=listed or t("feed.none", lang), how=how, note=note)
        if excludes is not None:
            text += "\n" + excludes_line(feed.excludes, lang)
        filtered, feed = await self._filter(feed, regex, min_score, lang)
        if excludes is not None or filtered:
            text += "".join("\n" + line for line in filtered)
            text += "\n" + preview_line(feed_preview(feed, await recent_papers(self.store)), lang)
        await interaction.response.send_message(text.rstrip("\n"), ephemeral=True)

    async def _filter(self, feed: Feed, regex: str | None, min_score: int | None, lang: str) -> tuple[list[str], Feed]:
        """Set the feed's regex and minimum score when given (the regex already checked): the reply's lines
        and the feed now."""
        if (regex is None or not regex.strip()) and min_score is None:
            return [], feed
        lines = []
        pattern = feed.regex
        if regex is not None and regex.strip():
            pattern, _ = read_regex(regex, lang)
            lines.append(regex_line(pattern, lang))
        score = feed.min_score if min_score is None else min_score
        if min_score is not None:
            lines.append(t("score.set", lang, score=score, max=MAX_SCORE) if score else t("score.cleared", lang))
        feed = await self.store.set_feed_filter(feed.channel_id, feed.topic, pattern, score) or feed
        return lines, feed

    @staticmethod
    def _excludes(exclude: str | None, keywords: list[str], topic: str,
                  lang: str) -> tuple[list[str] | None, str | None]:
        """The feed's exclusions typed (None: not given) and None, or None and the reply refusing them."""
        if exclude is None or not exclude.strip():
            return None, None
        what = t("feed.keywords", lang, words=", ".join(f"`{w}`" for w in keywords)) if keywords else topic
        words, refused = read_excludes(exclude, keywords, what, lang)
        return (None, refused) if refused is not None else (words, None)

    @add.autocomplete("topic")
    async def add_topic(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return topic_choices([ALL_TOPICS, *await self.store.known_topics()], current)

    @feed.command(name="remove", description="Stop posting a topic in a channel")
    @app_commands.describe(channel="The feed's channel", topic="The feed's topic")
    async def remove(self, interaction: Interaction, channel: FeedChannel, topic: str) -> None:
        feed = await self.store.remove_feed(channel.id, await self._canonical_topic(topic) or topic)
        if feed is None:
            await interaction.response.send_message(_no_such(interaction, channel, topic), ephemeral=True)
            return
        await interaction.response.send_message(
            say(interaction, "feed.removed", channel=channel.mention, topic=feed.topic),
            ephemeral=True,
        )

    @remove.autocomplete("topic")
    async def remove_topic(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild is not None
        return topic_choices(sorted({f.topic for f in await self.store.feeds(interaction.guild.id)}), current)

    @feed.command(name="edit", description="Change how a feed posts (digest or cards) and what it leaves out")
    @app_commands.describe(channel="The feed's channel", topic="The feed's topic",
                           style="digest: one message a day with a paged list; cards: a card per paper",
                           exclude="Leave out papers mentioning any of these (comma separated); '-' for none",
                           regex=REGEX_HELP, min_score=SCORE_HELP)
    @app_commands.choices(style=STYLES)
    async def edit(self, interaction: Interaction, channel: FeedChannel, topic: str, style: str | None = None,
                   exclude: str | None = None, regex: str | None = None,
                   min_score: app_commands.Range[int, 0, MAX_SCORE] | None = None) -> None:
        lang = reply_lang(interaction)
        if style is None and (exclude is None or not exclude.strip()) and (regex is None or not regex.strip()) \
                and min_score is None:
            await interaction.response.send_message(t("feed.edit_nothing", lang), ephemeral=True)
            return
        canonical = await self._canonical_topic(topic) or topic
        feeds = await self.store.feeds(interaction.guild_id)
        feed = next((f for f in feeds if f.channel_id == channel.id and f.topic == canonical), None)
        if feed is None:
            await interaction.response.send_message(_no_such(interaction, channel, topic), ephemeral=True)
            return
        excludes, refused = self._excludes(exclude, feed.keywords, feed.topic, lang)
        if refused is None and regex is not None and regex.strip():
            _, refused = read_regex(regex, lang)
        if refused is not None:
            await interaction.response.send_message(refused, ephemeral=True)
            return
        lines = []
        if style is not None:
            chosen, note = _style_for(channel, style)
            feed = await self.store.set_feed_style(channel.id, canonical, chosen or style) or feed
            how = t(f"feed.style.{feed.style}", lang, max=self.bot.config.feeds.max_per_cycle)
            lines.append(t("feed.changed", lang, channel=channel.mention, topic=feed.topic, how=how,
                           note=t("feed.forum_note", lang) if note else ""))
        if excludes is not None:
            feed = await self.store.set_feed_excludes(channel.id, canonical, excludes) or feed
            lines.append(f"**{discord.utils.escape_markdown(feed.topic)}** · {channel.mention}: "
                         + excludes_line(feed.excludes, lang))
        filtered, feed = await self._filter(feed, regex, min_score, lang)
        lines += filtered
        if excludes is not None or filtered:
            lines.append(preview_line(feed_preview(feed, await recent_papers(self.store)), lang))
        await interaction.response.send_message("\n".join(line for line in lines if line), ephemeral=True)

    edit.autocomplete("topic")(remove_topic)

    @feed.command(name="resume", description="Resume a paused feed after fixing the channel")
    @app_commands.describe(channel="The feed's channel", topic="The feed's topic")
    async def resume(self, interaction: Interaction, channel: FeedChannel, topic: str) -> None:
        assert interaction.guild is not None
        missing = _needs(channel, interaction.guild.me, reply_lang(interaction))
        if missing:
            await interaction.response.send_message(
                say(interaction, "feed.still_paused", missing=", ".join(missing), channel=channel.mention),
                ephemeral=True,
            )
            return
        feed = await self.store.resume_feed(channel.id, await self._canonical_topic(topic) or topic)
        text = (say(interaction, "feed.resumed", channel=channel.mention, topic=feed.topic)
                if feed else _no_such(interaction, channel, topic))
        await interaction.response.send_message(text, ephemeral=True)

    resume.autocomplete("topic")(remove_topic)

    @feed.command(name="list", description="This server's feeds and their state")
    async def list_(self, interaction: Interaction) -> None:
        assert interaction.guild is not None
        feeds = await self.store.feeds(interaction.guild.id)
        lang = reply_lang(interaction)
        if not feeds:
            await interaction.response.send_message(t("feed.list_empty", lang), ephemeral=True)
            return
        lines = []
        for f in feeds:
            topic = t("feed.all_topics", lang) if f.topic == ALL_TOPICS else f.topic
            words = " · " + t("feed.keywords", lang, words=", ".join(f.keywords)) if f.keywords else ""
            words += " · " + t("exclude.listed", lang, words=", ".join(f.excludes)) if f.excludes else ""
            words += " · " + t("regex.listed", lang, pattern=f.regex.replace("`", "'")) if f.regex else ""
            words += " · " + t("score.listed", lang, score=f.min_score) if f.min_score else ""
            state = t("feed.paused", lang, reason=f.paused_reason) if f.paused_reason else t("feed.active", lang)
            lines.append(f"<#{f.channel_id}> · **{topic}**{words} · {f.style} · {state}")
        embed = discord.Embed(title=t("feed.list_title", lang), description="\n".join(lines)[:limits.EMBED_DESCRIPTION],
                              colour=LIST_COLOUR)
        await interaction.response.send_message(embed=embed, ephemeral=True)


    @digest.command(name="run", description="Fetch the digests now and post this server's new papers")
    async def run(self, interaction: Interaction) -> None:
        assert interaction.guild is not None
        if self.bot.digest_busy():
            # Said at once rather than queued behind it: the running cycle may take minutes.
            await interaction.response.send_message(say(interaction, "digest.busy"), ephemeral=True)
            return
        # Fetching sources can take longer than Discord's 3 seconds.
        await interaction.response.defer(ephemeral=True, thinking=True)
        summary = await self.bot.run_digest(guild_id=interaction.guild.id, trigger=f"command:{interaction.user.id}")
        # The cycle's own summary is the operator's log line, kept as logged (English).
        await interaction.followup.send(f"{say(interaction, 'digest.done')}\n```\n{summary.text()[:1800]}\n```",
                                        ephemeral=True)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Feeds(bot, bot.store))
