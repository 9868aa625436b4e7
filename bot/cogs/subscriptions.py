"""/subscribe, /unsubscribe, /subscriptions: each member follows topics, keywords and authors by DM."""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Interaction, PaperboyClient
from bot.dm_schedule import DMS, FREQUENCY, WEEKDAYS, schedule_line, set_away, set_schedule
from bot.i18n.replies import reply_lang, say
from bot.subscribe import subscribe
from bot.ui.autocomplete import MAX_CHOICES, MAX_LEN, topic_choices
from bot.ui.buttons import FollowTopicButton
from bot.ui.embeds import trim
from bot.ui.language import CHOICES, member_language
from bot.ui.views import ItemOwner
from jobs.dm_schedule import MAX_CATCHUP
from jobs.present import limits
from jobs.present.i18n import t
from jobs.present.plural import plural
from jobs.search.query import QueryError, resolve_topic
from jobs.store.areas import DmScheduleArea, FiltersArea, PapersArea, SettingsArea, SubscriptionsArea
from jobs.subscriptions import MAX_SUBSCRIPTIONS

ALL = "all"


class SubscriptionsStore(SubscriptionsArea, PapersArea, SettingsArea, FiltersArea, DmScheduleArea, Protocol):
    """The store areas the subscriptions cog uses: subscriptions and DM state,
    topics, the member's language, exclusions, when DMs go out."""


class Subscriptions(ItemOwner):
    PERSISTENT = (FollowTopicButton,)  # "Follow topic" under any paper we ever sent

    def __init__(self, bot: PaperboyClient, store: SubscriptionsStore) -> None:
        super().__init__(bot)
        self.store = store

    @app_commands.command(name="subscribe", description="Get new papers on a topic, keyword or author by DM")
    @app_commands.describe(
        topic="A digest topic", keyword="A word or phrase (any case) in the title, abstract or summary",
        author="An author's name (any case, accents optional)",
        exclude="Leave out papers mentioning any of these (comma separated, any case); '-' for none",
        regex="Only papers this regular expression finds (RE2 syntax, any case); '-' for none",
    )
    async def subscribe_(self, interaction: Interaction, topic: str | None = None,
                         keyword: str | None = None, author: str | None = None, exclude: str | None = None,
                         regex: str | None = None) -> None:
        given = {k: v for k, v in (("topic", topic), ("keyword", keyword), ("author", author)) if v and v.strip()}
        if len(given) != 1:
            await interaction.response.send_message(say(interaction, "subscribe.one_of"), ephemeral=True)
            return
        kind, value = next(iter(given.items()))
        if kind == "topic":
            known = await self.store.known_topics()
            try:
                value = resolve_topic(value, known)
            except QueryError:
                listing = ", ".join(known[:20]) or say(interaction, "none_yet")
                await interaction.response.send_message(
                    say(interaction, "subscribe.unknown_topic", topic=discord.utils.escape_markdown(value[:100]),
                        known=listing), ephemeral=True,
                )
                return
        reply = await subscribe(self.store, interaction.user, kind, value, reply_lang(interaction), exclude, regex)
        await interaction.response.send_message(reply, ephemeral=True)

    @subscribe_.autocomplete("topic")
    async def topic_autocomplete(self, interaction: Interaction,
                                 current: str) -> list[app_commands.Choice[str]]:
        return topic_choices(await self.store.known_topics(), current)

    @app_commands.command(name="unsubscribe", description="Stop one of your subscriptions, or all of them")
    @app_commands.describe(subscription="One of yours, or 'all'")
    async def unsubscribe(self, interaction: Interaction, subscription: str) -> None:
        user_id = interaction.user.id
        lang = reply_lang(interaction)
        if subscription.strip().casefold() == ALL:
            removed = await self.store.remove_subscriptions(user_id)
            text = t("unsubscribe.all", lang, n=len(removed)) if removed else t("unsubscribe.nothing", lang)
        else:
            subs = await self.store.subscriptions(user_id)
            wanted = subscription.strip()
            target = next((s for s in subs if str(s.id) == wanted or s.label().casefold() == wanted.casefold()
                           or s.value.casefold() == wanted.casefold()), None)
            if target is None:
                text = t("unsubscribe.no_such", lang)
            else:
                await self.store.remove_subscriptions(user_id, target.id)
                text = t("unsubscribe.done", lang, kind=t(f"kind.{target.kind}", lang),
                         value=discord.utils.escape_markdown(target.value))
        await interaction.response.send_message(text, ephemeral=True)

    @unsubscribe.autocomplete("subscription")
    async def unsubscribe_autocomplete(self, interaction: Interaction,
                                       current: str) -> list[app_commands.Choice[str]]:
        typed = current.strip().casefold()
        subs = await self.store.subscriptions(interaction.user.id)
        choices = [app_commands.Choice(name=s.label()[:MAX_LEN], value=str(s.id))
                   for s in subs if typed in s.label().casefold()]
        if subs and typed in ALL:
            count = plural(len(subs), "subscription", reply_lang(interaction))
            choices.insert(0, app_commands.Choice(name=f"all ({count})", value=ALL))
        return choices[:MAX_CHOICES]

    @app_commands.command(name="subscriptions", description="What you follow (only you see this)")
    @app_commands.describe(language="The language of papers in your DMs: zh Chinese, en English, both",
                           dms="Pause your DMs (nothing is kept meanwhile) or resume them",
                           time="The hour your day's DM comes, like 08:00 (whole hours; '-': when papers arrive)",
                           timezone="Your timezone for time:, like Europe/Berlin or Asia/Shanghai (default UTC)",
                           frequency="One DM a day, or one a week", weekday="The day a weekly DM comes")
    @app_commands.choices(language=CHOICES, dms=DMS, frequency=FREQUENCY, weekday=WEEKDAYS)
    async def subscriptions(self, interaction: Interaction, language: app_commands.Choice[str] | None = None,
                            dms: app_commands.Choice[str] | None = None, time: str | None = None,
                            timezone: str | None = None, frequency: app_commands.Choice[str] | None = None,
                            weekday: app_commands.Choice[int] | None = None) -> None:
        lang = reply_lang(interaction)
        if any(x is not None for x in (dms, time, timezone, frequency, weekday)):
            said = await set_schedule(self.store, interaction.user.id, lang, dms=dms and dms.value, time=time,
                                      timezone=timezone, frequency=frequency and frequency.value,
                                      weekday=weekday and weekday.value)
            if language is not None:
                await self.store.set_member_language(interaction.user.id, language.value)
                said += "\n" + t("settings.my_language_set", lang, language=t(f"language.{language.value}", lang))
            await interaction.response.send_message(said, ephemeral=True)
            return
        if language is not None:
            await self.store.set_member_language(interaction.user.id, language.value)
            await interaction.response.send_message(
                t("settings.my_language_set", lang, language=t(f"language.{language.value}", lang)), ephemeral=True
            )
            return
        subs = await self.store.subscriptions(interaction.user.id)
        if not subs:
            await interaction.response.send_message(t("subscriptions.none", lang), ephemeral=True)
            return
        lines = [f"• {t(f'kind.{s.kind}', lang)}: **{discord.utils.escape_markdown(s.value)}**"
                 + (" · " + t("exclude.listed", lang, words=", ".join(s.excludes)) if s.excludes else "")
                 + (" · " + t("regex.listed", lang, pattern=s.regex.replace("`", "'")) if s.regex else "")
                 for s in subs]
        reading = await member_language(self.store, interaction.user.id)
        tail = ["\n" + t("settings.my_language", lang, language=t(f"language.{reading}", lang)),
                schedule_line(await self.store.dm_schedule(interaction.user.id), lang)]
        state = await self.store.dm_state(interaction.user.id)
        if state.closed_reason:
            tail.append("\n" + t("dm.stopped", lang, reason=state.closed_reason, help=t("dm.open_help", lang)))
        # 25 subscriptions with ten exclusions and a pattern each pass Discord's 4,096: each line gets its share.
        share = (limits.EMBED_DESCRIPTION - len("\n".join(tail)) - 1) // len(lines) - 1
        text = "\n".join([trim(line, share) for line in lines] + tail)
        embed = discord.Embed(title=t("subscriptions.title", lang, n=len(subs), max=MAX_SUBSCRIPTIONS),
                              description=trim(text, limits.EMBED_DESCRIPTION), colour=0x59A14F)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="away", description="Pause your DMs until a date; then one DM with the best you missed")
    @app_commands.describe(until="The day you are back, like 2026-01-05 (your timezone); '-': back now",
                           catchup="How many papers your welcome-back DM shows (default 10, at most 50)")
    async def away(self, interaction: Interaction, until: str,
                   catchup: app_commands.Range[int, 1, MAX_CATCHUP] | None = None) -> None:
        lang = reply_lang(interaction)
        await interaction.response.send_message(
            await set_away(self.store, interaction.user.id, until, catchup, self.bot.clock(), lang),
            ephemeral=True)

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: Interaction, command: Any) -> None:
        """A member whose DMs were closed hears about it the next time they use any command."""
        state = await self.store.dm_state(interaction.user.id)
        if state.closed_reason is None or state.told:
            return
        await interaction.followup.send(
            say(interaction, "dm.undelivered", reason=state.closed_reason, help=say(interaction, "dm.open_help")),
            ephemeral=True,
        )
        await self.store.reopen_dm(interaction.user.id)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Subscriptions(bot, bot.store))
