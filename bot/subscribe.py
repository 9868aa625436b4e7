"""Adding a subscription, shared by /subscribe and the Follow topic button."""

from __future__ import annotations

import discord

from jobs.matching import MAX_EXCLUDES, MIN_EXCLUDE, excludes_everything, split_keywords
from jobs.present.i18n import t
from jobs.store import Store
from jobs.subscriptions import MAX_SUBSCRIPTIONS, MAX_VALUE, folded_value

CLEAR = "-"  # `exclude: -` clears a subscription's or a feed's exclusions


async def remember_dm_channel(store: Store, user: discord.User | discord.Member) -> None:
    """Store the user's DM channel now, so each later delivery costs one request, not two."""
    state = await store.dm_state(user.id)
    if state.dm_channel_id is None:
        channel = await user.create_dm()
        await store.set_dm_channel(user.id, channel.id)


def read_excludes(text: str, keywords: list[str], what: str, lang: str) -> tuple[list[str], str | None]:
    """The exclusions typed (comma separated; CLEAR for none) and None, or [] and the reply refusing them:
    too short, too many, or one that every paper matching `keywords` (named `what`) contains."""
    if text.strip() == CLEAR:
        return [], None
    words = split_keywords(text)
    short = next((w for w in words if len(w) < MIN_EXCLUDE), None)
    if short is not None:
        return [], t("exclude.too_short", lang, min=MIN_EXCLUDE, word=discord.utils.escape_markdown(short))
    if len(words) > MAX_EXCLUDES:
        return [], t("exclude.too_many", lang, max=MAX_EXCLUDES)
    words = [w[:MAX_VALUE] for w in words]
    everything = excludes_everything(keywords, words)
    if everything is not None:
        return [], t("exclude.everything", lang, what=what, word=discord.utils.escape_markdown(everything))
    return words, None


def excludes_line(words: list[str], lang: str) -> str:
    """What a subscription or feed now leaves out, for a reply."""
    if not words:
        return t("exclude.cleared", lang)
    return t("exclude.set", lang, words=", ".join(f"`{discord.utils.escape_markdown(w)}`" for w in words))


async def subscribe(store: Store, user: discord.User | discord.Member, kind: str, value: str,
                    lang: str = "en", exclude: str | None = None) -> str:
    """Add the subscription (leaving out papers that mention any of `exclude`, comma separated) and return
    the reply for the user, in `lang`. Given `exclude`, a subscription they already have takes it."""
    value = " ".join(value.split())
    noun = t(f"kind.{kind}", lang)
    if len(value) < 2:
        return t("subscribe.too_short", lang, kind=noun)
    if len(value) > MAX_VALUE:
        return t("subscribe.too_long", lang, kind=noun, max=MAX_VALUE)
    shown = discord.utils.escape_markdown(value)
    excludes: list[str] = []
    if exclude is not None and exclude.strip():
        excludes, refused = read_excludes(exclude, [value] if kind == "keyword" else [], f"{noun} **{shown}**",
                                          lang)
        if refused is not None:
            return refused
    sub, status = await store.add_subscription(user.id, kind, value, folded_value(kind, value),
                                               MAX_SUBSCRIPTIONS)
    if status == "full" or sub is None:
        return t("subscribe.full", lang, max=MAX_SUBSCRIPTIONS)
    given = exclude is not None and bool(exclude.strip())
    if given:
        await store.set_subscription_excludes(user.id, sub.id, excludes)
    if status == "duplicate":
        if given:
            return t("exclude.updated", lang, kind=noun, value=shown) + " " + excludes_line(excludes, lang)
        return t("subscribe.duplicate", lang, kind=noun, value=shown)
    await remember_dm_channel(store, user)
    done = t("subscribe.done", lang, kind=noun, value=shown)
    return done + (" " + excludes_line(excludes, lang) if excludes else "")
