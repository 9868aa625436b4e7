"""The paper embed: built here, and only here, for the feed, search, /paper and DMs.

Discord rejects a message whose embed breaks a limit (400, error 50035), so every text is trimmed
to its limit at a sentence or list-item boundary, with "…", before anything is sent.
"""

from __future__ import annotations

import re
import zlib

import discord

from jobs.models import Paper
from jobs.present.latex import latex_to_text
from jobs.present.summary import english_one_liner

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
URL_MAX = 2048
AUTHORS_SHOWN = 4

LIST_COLOUR = discord.Colour(0x4E79A7)  # every list embed (search, /latest, /topics, /feed list)
# Languages a card reads in (the server's or the member's setting): Chinese, English, or both.
READING_LANGUAGES = ("zh", "en", "both")
# A readable, colour-blind-friendly palette; a topic always gets the same colour.
_PALETTE = (0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F, 0x5D8AA8)
_BOUNDARY = re.compile(r"(?<=[。！？!?；;.])\s*|\n")


def topic_colour(topic: str) -> discord.Colour:
    return discord.Colour(_PALETTE[zlib.crc32(topic.encode("utf-8")) % len(_PALETTE)])


def trim(text: str, limit: int) -> str:
    """Fit `text` in `limit` characters, cutting after the last sentence or line that fits, then "…".
    Falls back to a word boundary, then to a hard cut, when no boundary is near enough."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    room = text[: limit - 1]
    floor = int(limit * 0.5)  # don't throw away more than half to land on a boundary
    cut = max((m.start() for m in _BOUNDARY.finditer(room) if m.start() >= floor), default=-1)
    if cut < 0:
        space = room.rfind(" ")
        cut = space if space >= floor else len(room)
    return room[:cut].rstrip() + "…"


def _trim_list(items: list[str], limit: int) -> str:
    """A numbered list that stops at the last whole item that fits, then a "…" line (counted too)."""
    lines: list[str] = []
    used = -1  # the newlines between lines: one fewer than the lines
    for i, item in enumerate(items, 1):
        line = f"{i}. {item}"
        last = i == len(items)
        # Room for this line, and for the "…" line after it unless it is the last.
        if used + 1 + len(line) + (0 if last else 2) > limit:
            if not lines:  # even the first item is too long: trim inside it
                return trim(line, limit)
            lines.append("…")
            break
        lines.append(line)
        used += 1 + len(line)
    return "\n".join(lines)


def format_authors(authors: list[str], shown: int = AUTHORS_SHOWN) -> str:
    if len(authors) <= shown:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + " et al."


def title_text(paper: Paper) -> str:
    """The title as readers see it everywhere: LaTeX as text ($E^{3}$Gen -> E³Gen)."""
    return latex_to_text(paper.title) if paper.title.strip() else paper.arxiv_id


def _lead(paper: Paper, language: str) -> tuple[str, bool]:
    """The summary a card opens with, and whether the (Chinese) takeaways follow it. `en` puts an English
    one-liner from the abstract where the Chinese summary goes; `both` shows the two."""
    lossy = "summary_lossy" in paper.flags or not paper.summary
    english = english_one_liner(paper.abstract) if paper.abstract else ""
    if language == "en" and english:
        return english, False
    if language == "both" and english and not lossy:
        return f"{paper.summary}\n\n🇬🇧 {english}", True
    return (paper.abstract if lossy else paper.summary), True


def _description(paper: Paper, budget: int, language: str = "zh") -> str:
    """The Chinese summary then the takeaways; the English abstract when the Chinese text was lost."""
    lead, with_takeaways = _lead(paper, language)
    takeaways = [] if "takeaways_lossy" in paper.flags or not with_takeaways else paper.takeaways
    if not takeaways:
        return trim(lead, budget)
    # Keep room for at least the first takeaways; the summary yields first.
    lead = trim(lead, max(budget // 2, budget - 40 - sum(len(t) + 4 for t in takeaways)))
    head = f"{lead}\n\n**Key takeaways**\n" if lead else "**Key takeaways**\n"
    if len(head) + 4 > budget:  # no room for even "1. …": the lead alone
        return trim(lead, budget)
    return head + _trim_list(takeaways, budget - len(head))


def _url(candidate: str | None, fallback: str | None = None) -> str | None:
    """A link Discord accepts (http(s), no spaces, at most URL_MAX), else `fallback`: a bad URL in one
    post must not make Discord refuse the whole message."""
    if candidate and candidate.startswith(("https://", "http://")) and len(candidate) <= URL_MAX \
            and not any(c.isspace() for c in candidate):
        return candidate
    return fallback


def _abs_link(paper: Paper) -> str | None:
    return _url(paper.links.get("abs"), _url(f"https://arxiv.org/abs/{paper.arxiv_id}"))


def _title(paper: Paper) -> str | None:
    # Discord refuses a blank title where it refuses a blank field: say nothing rather than " ".
    return trim(title_text(paper).strip() or paper.arxiv_id.strip(), TITLE_MAX) or None


def paper_embed(paper: Paper, *, images: bool = True, matched: str | None = None,
                language: str = "zh") -> discord.Embed:
    """The rich embed for one paper. `matched` names the subscription that brought it (DMs); `language`
    is one of READING_LANGUAGES."""
    embed = discord.Embed(title=_title(paper), url=_abs_link(paper), colour=topic_colour(paper.topic))
    authors = format_authors([a for a in paper.authors if a.strip()])
    if authors.strip():
        embed.set_author(name=trim(authors, AUTHOR_MAX))
    footer = " · ".join(x for x in (paper.topic, paper.date, f"arXiv {paper.arxiv_id}") if x.strip())
    embed.set_footer(text=trim(footer, FOOTER_MAX))
    for name, value in (("Matched", matched), ("Comment", paper.comment)):
        if value and value.strip():  # Discord refuses an empty field value, and blank is empty
            embed.add_field(name=name, value=trim(value.strip(), FIELD_VALUE_MAX), inline=False)
    image = _url(paper.images[0]) if images and paper.images else None
    if image:
        embed.set_image(url=image)
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed))
    embed.description = _description(paper, budget, language).strip() or None
    return embed


def abstract_embed(paper: Paper) -> discord.Embed:
    embed = discord.Embed(title=_title(paper), url=_abs_link(paper), colour=topic_colour(paper.topic))
    embed.set_footer(text=trim(f"Abstract · arXiv {paper.arxiv_id}", FOOTER_MAX))
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed))
    embed.description = trim(paper.abstract.strip() or "This entry has no English abstract.", budget)
    return embed


def embed_text(embed: discord.Embed) -> str:
    """A plain-text rendering of an embed, for the dry run and logs."""
    lines = []
    if embed.author and embed.author.name:
        lines.append(embed.author.name)
    if embed.title:
        lines.append(f"## {embed.title}" + (f"  <{embed.url}>" if embed.url else ""))
    if embed.description:
        lines.append(embed.description)
    for field in embed.fields:
        lines.append(f"[{field.name}] {field.value}")
    if embed.image and embed.image.url:
        lines.append(f"[image] {embed.image.url}")
    if embed.footer and embed.footer.text:
        lines.append(f"-- {embed.footer.text}")
    return "\n".join(lines)
