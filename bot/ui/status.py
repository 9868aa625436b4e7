"""The /status embed: jobs/ops/status.py's sections, one field each, in the asker's language."""

from __future__ import annotations

import discord

from bot.ui.embeds import FIELD_VALUE_MAX, LIST_COLOUR, trim
from jobs.ops.status import Status
from jobs.present.i18n import t


def status_embed(report: Status, lang: str = "en") -> discord.Embed:
    embed = discord.Embed(title=t("status.title", lang), colour=LIST_COLOUR)
    for title, lines in report.sections(lang=lang):
        embed.add_field(name=title, value=trim("\n".join(lines), FIELD_VALUE_MAX), inline=False)
    return embed
