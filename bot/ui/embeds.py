"""The paper embed: built here, and only here, for the feed, search, /paper and DMs.

Discord rejects a message whose embed breaks a limit (400, error 50035), so every text is trimmed
to its limit at a sentence or list-item boundary, with "…", before anything is sent.
"""

from __future__ import annotations

import re
import zlib

import discord

from jobs.models import Paper, arxiv_abs_url
from jobs.present import limits
from jobs.present.clip import clip, display_width
from jobs.present.i18n import t
from jobs.present.latex import latex_to_text, readable
from jobs.present.parts import labelled_parts
from jobs.present.reading import Lead, lead, reads_english
from jobs.present.summary import english_takeaways, plain_list_text
from jobs.present.venue import venue_badge
from jobs.text import URL_RE

# Discord's limits (jobs/present/limits.py), by the names this module has always used.
TITLE_MAX = limits.EMBED_TITLE
DESCRIPTION_MAX = limits.EMBED_DESCRIPTION
FIELD_VALUE_MAX = limits.EMBED_FIELD_VALUE
FOOTER_MAX = limits.EMBED_FOOTER
AUTHOR_MAX = limits.EMBED_AUTHOR
EMBED_TOTAL_MAX = limits.EMBED_TOTAL
URL_MAX = limits.URL
AUTHORS_SHOWN = 4
CARD_TAKEAWAYS = 3  # a card shows this many; the Abstract reply shows them all
# `feeds.images`: a thumbnail (True, "thumbnail"), the figure at full width ("full"), or none (False).
Images = bool | str

LIST_COLOUR = discord.Colour(0x4E79A7)  # every list embed (search, /latest, /topics, /feed list)
# A readable, colour-blind-friendly palette; a topic always gets the same colour.
_PALETTE = (0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948, 0xB07AA1, 0xFF9DA7, 0x9C755F, 0x5D8AA8)


def topic_colour(topic: str) -> discord.Colour:
    return discord.Colour(_PALETTE[zlib.crc32(topic.encode("utf-8")) % len(_PALETTE)])


def trim(text: str, limit: int) -> str:
    """Fit `text` in `limit` characters (a Discord limit), cut where a reader would (jobs.present.clip)."""
    return clip(text, limit)


def format_authors(authors: list[str], shown: int = AUTHORS_SHOWN) -> str:
    if len(authors) <= shown:
        return ", ".join(authors)
    return ", ".join(authors[:shown]) + " et al."


def title_text(paper: Paper) -> str:
    """The title as readers see it everywhere: LaTeX as text ($E^{3}$Gen -> E³Gen)."""
    return latex_to_text(paper.title) if paper.title.strip() else paper.arxiv_id


def _english_only(paper: Paper, opening: Lead, language: str) -> bool:
    """Whether a paper shown in `language` reads in English alone: then its takeaways are English too (so
    for a paper that has no Chinese text at all, in any language)."""
    return (language == "en" or reads_english(paper)) and bool(opening.english) and not opening.chinese


def _lead(paper: Paper, language: str) -> tuple[str, list[str]]:
    """The lead a card opens with (jobs.present.reading.lead) and the takeaway lines under it: in English the
    abstract's method and result sentences (the digests' own takeaways are Chinese), else the digest's."""
    opening = lead(paper, language)
    if _english_only(paper, opening, language):
        items = english_takeaways(readable(paper.abstract))
        return opening.text(), [f"{n}. {plain_list_text(t)}" for n, t in enumerate(items, 1)]
    return opening.text("\n\n"), _items(paper)


def _items(paper: Paper) -> list[str]:
    """The takeaways as card lines: daily-arXiv's parts with their labels (动机 / 方法 / …), others
    numbered; text that starts like a list item ("1)") is escaped so it does not nest a list."""
    if "takeaways_lossy" in paper.flags:
        return []
    parts = labelled_parts(paper)
    if parts:
        return [f"**{label}** {plain_list_text(readable(text))}" for label, text in parts]
    return [f"{n}. {plain_list_text(readable(text))}" for n, text in enumerate(paper.takeaways, 1)]


def _fit_lines(lines: list[str], limit: int, hidden: int = 0, lang: str = "en") -> str:
    """The lines that fit in `limit`, whole, then a note (in `lang`) of what was left for the Abstract reply."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        rest = len(lines) - i + hidden
        note = t("card.more", lang, n=rest)
        if used + len(line) + 1 + len(note) + 1 > limit:
            if not out:  # even the first item is too long: trim inside it
                return trim(line, limit)
            out.append(note)
            return "\n".join(out)
        out.append(line)
        used += len(line) + 1
    note = t("card.more", lang, n=hidden)
    if hidden and used + len(note) <= limit:  # always so after a line; with no lines, only if it fits
        out.append(note)
    return "\n".join(out)


def _description(paper: Paper, budget: int, language: str = "zh", *, every_item: bool = False,
                 lang: str = "en") -> str:
    """The summary in `language` (_lead) then at most CARD_TAKEAWAYS takeaways (all with `every_item`);
    the English abstract when the Chinese text was lost. Never longer than `budget`."""
    lead, items = _lead(paper, language)
    shown = items if every_item else items[:CARD_TAKEAWAYS]
    if not shown:
        return trim(lead, budget)
    # Keep room for at least the first takeaways; the summary yields first.
    lead = trim(lead, max(budget // 2, budget - 40 - sum(len(t) + 1 for t in shown)))
    head = f"{lead}\n\n" if lead else ""
    if len(head) + 4 > budget:  # no room for even a short item: the lead alone
        return trim(lead, budget)
    return head + _fit_lines(shown, budget - len(head), len(items) - len(shown), lang)


def _url(candidate: str | None, fallback: str | None = None) -> str | None:
    """A link Discord accepts (http(s), no spaces, at most URL_MAX), else `fallback`: a bad URL in one
    post must not make Discord refuse the whole message."""
    if candidate and candidate.startswith(("https://", "http://")) and len(candidate) <= URL_MAX \
            and not any(c.isspace() for c in candidate):
        return candidate
    return fallback


def _abs_link(paper: Paper) -> str | None:
    return _url(paper.abs_url, _url(arxiv_abs_url(paper.arxiv_id)))


def _title(paper: Paper) -> str | None:
    # Discord refuses a blank title where it refuses a blank field: say nothing rather than " ".
    return trim(title_text(paper).strip() or paper.arxiv_id.strip(), TITLE_MAX) or None


def button_urls(paper: Paper) -> list[str]:
    """The links a card shows as buttons (bot/ui/buttons.py): PDF and Code."""
    return [url for key in ("pdf", "code") if _linkable(url := paper.links.get(key, ""))]


def _linkable(url: str) -> bool:
    # Discord caps a link button's URL at 512 characters.
    return _url(url) is not None and len(url) <= 512


_LEAD_IN = re.compile(
    r"(?:(?:our\s+|the\s+)?(?:source\s+)?(?:code|codes|github|repository|repo)(?:\s+and\s+\w+)?"
    r"(?:\s+(?:is|are|will\s+be))?(?:\s+(?:publicly|made))?(?:\s+(?:available|released))?"
    r"(?:\s+(?:at|on|in))?\s*[:：]?\s*)$",
    re.IGNORECASE,
)


def comment_text(paper: Paper) -> str:
    """The arXiv comment without the URLs the card already has as buttons (and their "Code:" lead-in)."""
    comment = paper.comment
    buttons = {u.rstrip("/") for u in button_urls(paper)}
    if not comment or not buttons:
        return comment
    out, last = [], 0
    for m in URL_RE.finditer(comment):
        if m.group(0).rstrip(".,;)").rstrip("/") not in buttons:
            continue
        before = comment[last:m.start()]
        out.append(_LEAD_IN.sub("", before))
        last = m.end()
    out.append(comment[last:])
    text = " ".join("".join(out).split())
    return re.sub(r"\s*[,;.:：]\s*$|^\s*[,;.:]\s*", "", text).strip() or ""


def matched_text(label: str, lang: str = "en") -> str:
    """A subscription's label as planned ("topic: 3DGS", "keyword: nerf") in `lang`; a label of
    another shape is shown as it is."""
    kind, sep, value = label.partition(": ")
    if lang == "en" or not sep or kind not in ("topic", "keyword", "author"):
        return label
    return t("card.matched_value", lang, kind=t(f"kind.{kind}", lang), value=value)


def paper_embed(paper: Paper, *, images: Images = True, matched: str | None = None,
                language: str = "zh", also_in: list[str] | None = None, lang: str = "en") -> discord.Embed:
    """The rich embed for one paper, labelled with the appearance it shows (`paper.topic` and
    `paper.date`): `also_in` names the paper's other topics; `matched` the subscription that brought
    it (DMs); `language` is one of jobs.present.reading.READINGS, how the paper's own text reads; `lang` the
    language of Paperboy's words on it (field names, footer, notes)."""
    embed = discord.Embed(title=_title(paper), url=_abs_link(paper), colour=topic_colour(paper.topic))
    authors = format_authors([a for a in paper.authors if a.strip()])
    if authors.strip():
        embed.set_author(name=trim(authors, AUTHOR_MAX))
    others = [t for t in also_in or [] if t and t.strip() and t != paper.topic]
    also = t("card.also_in", lang, topics=", ".join(others)) if others else ""
    footer = " · ".join(x for x in (paper.topic, paper.date, t("card.arxiv", lang, id=paper.arxiv_id), also)
                        if x.strip())
    embed.set_footer(text=trim(footer, FOOTER_MAX))
    fields = ((t("card.matched", lang), matched_text(matched, lang) if matched else matched),
              (t("card.comment", lang), comment_text(paper)))
    for name, value in fields:
        if value and value.strip():  # Discord refuses an empty field value, and blank is empty
            embed.add_field(name=name, value=trim(value.strip(), FIELD_VALUE_MAX), inline=False)
    image = _url(paper.images[0]) if images and paper.images else None
    if image:
        if images == "full":
            embed.set_image(url=image)
        else:
            embed.set_thumbnail(url=image)
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed))
    embed.description = _description(paper, budget, language, lang=lang).strip() or None
    return embed


BRIEF_AUTHORS = 3
BRIEF_LEAD = 230  # screen columns (a Chinese character is two): about three lines of an embed
BRIEF_ITEM = 54  # a takeaway: one line of an embed (27 Chinese characters)
BRIEF_ITEMS = 3  # takeaways at most: real Kedreamix takeaways are short, and nine made an embed 12 lines high
BRIEF_TEXT = 600  # the whole description: a page of five stays about one screen high


def _brief_items(paper: Paper, language: str, opening: Lead) -> list[str]:
    """The takeaways a brief embed may show, as plain text (daily-arXiv's parts keep their labels); in
    English the abstract's method and result sentences, as on a card."""
    if _english_only(paper, opening, language):
        return english_takeaways(readable(paper.abstract))[:BRIEF_ITEMS]
    if "takeaways_lossy" in paper.flags:
        return []
    parts = labelled_parts(paper)
    if parts:
        return [f"**{label}** {readable(text)}" for label, text in parts][:BRIEF_ITEMS]
    return [readable(x) for x in paper.takeaways[:BRIEF_ITEMS]]


def _brief_lead(opening: Lead) -> str:
    """The lead in about three lines a language, each cut where a reader would."""
    def short(text: str) -> str:
        return clip(" ".join(text.split()), BRIEF_LEAD, measure=display_width)

    return Lead(short(opening.chinese), short(opening.english)).text()


def brief_embed(paper: Paper, *, number: int | None = None, language: str = "zh", lang: str = "en",
                reasons: list[str] | None = None, also_in: list[str] | None = None) -> discord.Embed:
    """One paper of a day's page: its linked title (numbered as the page's menu numbers it), first authors,
    a line of badges that also says why it ranks where it does (`reasons` such as a matched keyword, already
    in `lang`; the venue; PDF and Code), the summary in `language` and as many takeaways as fit, each cut
    where a reader would. In a DM (`also_in` given) the footer names its topic, day and other topics. No
    footer otherwise: a page of five stays one screen high."""
    title = title_text(paper).strip() or paper.arxiv_id
    if number is not None:
        title = f"{number}. {title}"
    embed = discord.Embed(title=trim(title, TITLE_MAX), url=_abs_link(paper), colour=topic_colour(paper.topic))
    authors = [a for a in paper.authors if a.strip()]
    if authors:
        embed.set_author(name=trim(format_authors(authors, BRIEF_AUTHORS), AUTHOR_MAX))
    badge = venue_badge(paper.comment)
    links = [f"[{t('button.' + key, lang)}]({paper.links[key]})" for key in ("pdf", "code")
             if paper.links.get(key) in button_urls(paper)]
    badges = " · ".join([*(reasons or []), *([f"`{badge}`"] if badge else []), *links])
    lines = [badges] if badges else []
    opening = lead(paper, language)
    if text := _brief_lead(opening):
        lines.append(text)
    used = sum(display_width(x) + 1 for x in lines)
    for item in _brief_items(paper, language, opening):
        line = "- " + clip(plain_list_text(" ".join(item.split())), BRIEF_ITEM, measure=display_width)
        if used + display_width(line) + 1 > BRIEF_TEXT:
            break
        lines.append(line)
        used += display_width(line) + 1
    embed.description = trim("\n".join(x for x in lines if x), DESCRIPTION_MAX) or None
    if also_in is not None:  # a DM's page: which topic and day it is, and the paper's other topics
        others = [x for x in also_in if x and x.strip() and x != paper.topic]
        also = t("card.also_in", lang, topics=", ".join(others)) if others else ""
        embed.set_footer(text=trim(" · ".join(x for x in (paper.topic, paper.date, also) if x.strip()), FOOTER_MAX))
    return embed


def abstract_embed(paper: Paper, *, lang: str = "en") -> discord.Embed:
    """Every takeaway (or labelled part) the card left out, then the English abstract; Paperboy's
    words (footer, heading) in `lang`, the clicker's."""
    embed = discord.Embed(title=_title(paper), url=_abs_link(paper), colour=topic_colour(paper.topic))
    embed.set_footer(text=trim(t("abstract.footer", lang, id=paper.arxiv_id), FOOTER_MAX))
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed))
    abstract = paper.abstract.strip() or t("abstract.none", lang)
    items = _items(paper)
    if not items:
        embed.description = trim(abstract, budget)
        return embed
    heading = f"\n\n**{t('abstract.heading', lang)}**\n"
    room = budget - len(heading) - min(len(abstract), budget // 2)
    head = _fit_lines(items, room, lang=lang)
    embed.description = trim(f"{head}{heading}{abstract}", budget)
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
    if embed.thumbnail and embed.thumbnail.url:
        lines.append(f"[thumbnail] {embed.thumbnail.url}")
    if embed.footer and embed.footer.text:
        lines.append(f"-- {embed.footer.text}")
    return "\n".join(lines)
