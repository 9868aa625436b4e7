"""A message Discord refused (400 or 413: a field too long, a URL it will not take), made smaller and plainer
for one more try: text trimmed well inside every limit, no fields, images or link buttons. Its papers and its
controls stay, so a member still reads the day and pages through it."""

from __future__ import annotations

from typing import Any

import discord

from bot.ui.embeds import trim
from bot.ui.views import PaperboyView

CONTENT = 1000
TITLE = 200
DESCRIPTION = 400
FOOTER = 100


def _plain(embed: discord.Embed) -> discord.Embed:
    plain = discord.Embed(title=trim(embed.title or "", TITLE) or None, colour=embed.colour,
                          description=trim(embed.description or "", DESCRIPTION) or None)
    if embed.url and embed.url.startswith("https://arxiv.org/"):  # our own link form: safe
        plain.url = embed.url
    if embed.footer and embed.footer.text:
        plain.set_footer(text=trim(embed.footer.text, FOOTER))
    return plain


def safe_form(args: dict[str, Any]) -> dict[str, Any]:
    """The send() arguments of `args` in the smaller, plainer form."""
    safe: dict[str, Any] = {}
    if args.get("content"):
        safe["content"] = trim(args["content"], CONTENT)
    if args.get("embed") is not None:
        safe["embed"] = _plain(args["embed"])
    if args.get("embeds"):
        safe["embeds"] = [_plain(e) for e in args["embeds"]]
    view = args.get("view")
    if view is not None:
        kept = PaperboyView(timeout=None)
        for item in view.children:
            if not (isinstance(item, discord.ui.Button) and item.url):  # a link button may be what was refused
                kept.add_item(item)
        safe["view"] = kept
    return safe
