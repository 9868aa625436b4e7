"""Adding a subscription, shared by /subscribe and the Follow topic button."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

import discord

from jobs.matching import MAX_EXCLUDES, MIN_EXCLUDE, excludes_everything, split_keywords
from jobs.models import Paper
from jobs.plan.preview import PREVIEW_DAYS, PREVIEW_PAPERS, Preview, subscription_preview
from jobs.present.i18n import t
from jobs.regex_filter import MAX_PATTERN, check
from jobs.store.areas import FiltersArea, PapersArea, SubscriptionsArea
from jobs.subscriptions import MAX_SUBSCRIPTIONS, MAX_VALUE, folded_value

CLEAR = "-"  # `exclude: -` clears a subscription's or a feed's exclusions



class SubscribeStore(SubscriptionsArea, FiltersArea, PapersArea, Protocol):
    """The store areas a new subscription uses: subscriptions and DM state, its filters, the papers it
    previews."""

async def remember_dm_channel(store: SubscriptionsArea, user: discord.User | discord.Member) -> None:
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


def read_regex(text: str, lang: str) -> tuple[str | None, str | None]:
    """The pattern typed (None for CLEAR) and None, or None and the reply refusing it with the reason."""
    pattern = text.strip()
    if pattern == CLEAR:
        return None, None
    refusal = check(pattern)
    if refusal is not None:
        return None, t(f"regex.{refusal.reason}", lang, detail=refusal.detail, max=MAX_PATTERN)
    return pattern, None


def regex_line(pattern: str | None, lang: str) -> str:
    """What a subscription or feed now keeps by, for a reply."""
    if pattern is None:
        return t("regex.cleared", lang)
    return t("regex.set", lang, pattern=pattern.replace("`", "'"))


async def recent_papers(store: PapersArea) -> list[Paper]:
    """The papers of the newest PREVIEW_DAYS post days (at most PREVIEW_PAPERS), for `preview_line`."""
    latest = max((info.latest for info in await store.topics() if info.latest), default=None)
    if latest is None:
        return []
    since = (date.fromisoformat(latest[:10]) - timedelta(days=PREVIEW_DAYS - 1)).isoformat()
    ids = (await store.recent_papers(since))[:PREVIEW_PAPERS]
    found = await store.get_papers(ids)
    return [found[i] for i in ids if i in found]


def preview_line(preview: Preview, lang: str) -> str:
    """How many recent papers the filters keep; said plainly when they keep none ("" when nothing was due or
    they keep everything)."""
    if not preview.wanted or preview.kept == preview.wanted:
        return ""
    if not preview.kept:
        return t("filter.none", lang, n=preview.wanted, days=PREVIEW_DAYS)
    return t("filter.kept", lang, kept=preview.kept, n=preview.wanted, days=PREVIEW_DAYS)


def excludes_line(words: list[str], lang: str) -> str:
    """What a subscription or feed now leaves out, for a reply."""
    if not words:
        return t("exclude.cleared", lang)
    return t("exclude.set", lang, words=", ".join(f"`{discord.utils.escape_markdown(w)}`" for w in words))


async def subscribe(store: SubscribeStore, user: discord.User | discord.Member, kind: str, value: str,
                    lang: str = "en", exclude: str | None = None, regex: str | None = None) -> str:
    """Add the subscription (leaving out papers that mention any of `exclude`, comma separated, and keeping
    only those `regex` finds) and return the reply for the user, in `lang`. Given `exclude` or `regex`, a
    subscription they already have takes it; either that keeps no recent paper is said so."""
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
    pattern: str | None = None
    regex_given = regex is not None and bool(regex.strip())
    if regex_given:
        assert regex is not None
        pattern, refused = read_regex(regex, lang)
        if refused is not None:
            return refused
    sub, status = await store.add_subscription(user.id, kind, value, folded_value(kind, value),
                                               MAX_SUBSCRIPTIONS)
    if status == "full" or sub is None:
        return t("subscribe.full", lang, max=MAX_SUBSCRIPTIONS)
    given = exclude is not None and bool(exclude.strip())
    if given:
        sub = await store.set_subscription_excludes(user.id, sub.id, excludes) or sub
    if regex_given:
        sub = await store.set_subscription_regex(user.id, sub.id, pattern) or sub
    notes = ([excludes_line(sub.excludes, lang)] if given or (status != "duplicate" and sub.excludes) else []) + (
        [regex_line(sub.regex, lang)] if regex_given else [])
    if given or regex_given:
        notes.append(preview_line(subscription_preview(kind, value, sub.excludes, sub.regex,
                                                       await recent_papers(store)), lang))
    tail = "".join(" " + n for n in notes if n)
    if status == "duplicate":
        if given or regex_given:
            return t("exclude.updated", lang, kind=noun, value=shown) + tail
        return t("subscribe.duplicate", lang, kind=noun, value=shown)
    await remember_dm_channel(store, user)
    return t("subscribe.done", lang, kind=noun, value=shown) + tail
