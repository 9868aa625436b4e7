"""The /status embed: jobs/status.py's sections, one field each."""

from __future__ import annotations

import discord

from bot.ui.embeds import FIELD_VALUE_MAX, trim
from jobs.status import Status


def status_embed(report: Status) -> discord.Embed:
    embed = discord.Embed(title="Paperboy status", colour=0x4E79A7)
    for title, lines in report.sections():
        embed.add_field(name=title, value=trim("\n".join(lines), FIELD_VALUE_MAX), inline=False)
    return embed
