"""Autocomplete choices within Discord's limits: at most 25, names and values up to 100 characters."""

from __future__ import annotations

from discord import app_commands

from jobs.present import limits
from jobs.search.query import matching_topics

MAX_CHOICES = limits.AUTOCOMPLETE_CHOICES
MAX_LEN = limits.OPTION_TEXT


def topic_choices(names: list[str], current: str) -> list[app_commands.Choice[str]]:
    """The topics matching what was typed (jobs.search.query.matching_topics: the rule /search's topic
    option resolves by), as Discord's choices."""
    return [app_commands.Choice(name=n[:MAX_LEN], value=n[:MAX_LEN])
            for n in matching_topics(names, current, MAX_CHOICES)]
