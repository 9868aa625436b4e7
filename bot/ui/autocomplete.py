"""Autocomplete choices within Discord's limits: at most 25, names and values up to 100 characters."""

from __future__ import annotations

from discord import app_commands

from jobs.present import limits

MAX_CHOICES = limits.AUTOCOMPLETE_CHOICES
MAX_LEN = limits.OPTION_TEXT


def topic_choices(names: list[str], current: str) -> list[app_commands.Choice[str]]:
    """Names containing what was typed (case-insensitive), those starting with it first."""
    typed = current.strip().casefold()
    hits = [n for n in names if typed in n.casefold()] if typed else list(names)
    hits.sort(key=lambda n: not n.casefold().startswith(typed))
    return [app_commands.Choice(name=n[:MAX_LEN], value=n[:MAX_LEN]) for n in hits[:MAX_CHOICES]]
