"""Replies in the member's own language: their Discord client's locale picks the catalogue's column."""

from __future__ import annotations

from typing import Any

import discord

from jobs.present.i18n import Lang, lang_of, t


def reply_lang(interaction: discord.Interaction[Any]) -> Lang:
    """en, zh-CN or zh-TW, from the locale of the member's client (zh-HK reads traditional)."""
    return lang_of(str(interaction.locale))


def say(interaction: discord.Interaction[Any], key: str, **kw: Any) -> str:
    """The catalogue entry `key` (jobs/present/i18n.py) in the member's language."""
    return t(key, reply_lang(interaction), **kw)
