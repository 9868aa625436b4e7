"""What goes around a card feed's paper embeds: the day's header (and, in rows planned by an older
Paperboy, a separate closing line); the watchdog's alerts."""

from __future__ import annotations

import discord

from bot.ui.embeds import title_text, topic_colour, trim
from jobs.messages import AlertMessage, ClubMessage, FooterMessage, HeaderMessage, TopMessage
from jobs.models import Paper, arxiv_abs_url
from jobs.plan.released import refused_text
from jobs.present import limits
from jobs.present.i18n import t
from jobs.records import ALL_TOPICS


def _date_span(dates: list[str]) -> str:
    if not dates:
        return ""
    return dates[0] if len(dates) == 1 else f"{dates[0]} – {dates[-1]}"


def header_embed(h: HeaderMessage, lang: str = "en") -> discord.Embed:
    """A card feed's header in `lang`: topic, date and count as the title; when the feed's cap left
    papers out, which were shown first and where the rest are."""
    if h.feed_topic == ALL_TOPICS:
        name = ", ".join(h.topics[:6]) + (f" +{len(h.topics) - 6}" if len(h.topics) > 6 else "")
    else:
        name = h.feed_topic
    embed = discord.Embed(title=trim("📰 " + t("digest.header", lang, topic=name, date=_date_span(h.dates),
                                                n=h.count), limits.EMBED_TITLE),
                          colour=topic_colour(h.topics[0] if len(h.topics) == 1 else name))
    if h.more:
        latest = (t("header.latest", lang) if h.feed_topic == ALL_TOPICS
                  else t("header.latest_topic", lang, topic=h.feed_topic))
        embed.description = t("header.capped", lang, shown=h.shown or 0, count=h.count, more=h.more, latest=latest)
    return embed


def footer_line(f: FooterMessage) -> str:
    noun = "paper" if f.more == 1 else "papers"
    latest = "`/latest`" if f.feed_topic == ALL_TOPICS else f"`/latest topic:{f.feed_topic}`"
    return (f"…and {f.more} more {noun} not shown (this feed posts at most {f.shown} a day). "
            f"See them with {latest} or `/search`.")


def top_embed(top: TopMessage, papers: dict[str, Paper], lang: str = "en") -> discord.Embed:
    """The papers a server reacted to most (jobs/lab_week.py): each linked, with its counts and its thread."""
    lines = []
    for n, (arxiv_id, up, down, thread) in enumerate(top.papers, 1):
        paper = papers.get(arxiv_id)
        title = discord.utils.escape_markdown(trim(title_text(paper), 90)) if paper else arxiv_id
        url = paper.abs_url if paper else arxiv_abs_url(arxiv_id)
        line = f"{n}. **[{title}]({url})** · 👍 {up} · 👎 {down}"
        if thread:
            line += f" · 💬 <#{thread}>"
        lines.append(line)
    return discord.Embed(title=trim(t(f"top.title.{top.period}", lang, since=top.since, until=top.until),
                                    limits.EMBED_TITLE),
                         description=trim("\n".join(lines) or t("top.none", lang), limits.EMBED_DESCRIPTION),
                         colour=0xF28E2B)


def club_line(club: ClubMessage, paper: Paper | None, lang: str = "en") -> str:
    """A journal-club presenter's reminder, in their language."""
    title = discord.utils.escape_markdown(trim(title_text(paper), 120)) if paper else club.arxiv_id
    line = t("club.reminder", lang, title=title, when=club.starts_at)
    return line + (f" · 💬 <#{club.thread_id}>" if club.thread_id else "")


def alert_line(a: AlertMessage, lang: str = "en") -> str:
    """A watchdog event in `lang` (the server's), from its parts; rows planned before the parts were kept
    read as their English text. A message Discord refused twice (jobs/plan/released.py) is said once, with
    nothing to keep trying."""
    if a.event == "refused":
        return f"⚠️ {refused_text(a, lang)}"
    caught_up = a.event == "caught_up"
    text = _alert_text(a, lang, caught_up) or a.text
    if caught_up:
        return f"✅ {text}"
    return f"⚠️ {text}\n{t('alert.keeps_trying', lang)}"


def _alert_text(a: AlertMessage, lang: str, caught_up: bool) -> str | None:
    """The event's sentence from its parts, or None when the row has only the English text."""
    if lang == "en" or not a.source:
        return None
    if caught_up:
        if isinstance(a.papers, int) and a.since:
            key = "alert.caught_up" if a.papers else "alert.back"  # never "0 papers"
            return t(key, lang, source=a.source, n=a.papers, since=a.since)
        return None
    if a.cause in ("failed", "late") and a.reason:
        return t(f"alert.{a.cause}", lang, source=a.source, reason=a.reason)
    return None
