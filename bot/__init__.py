"""Paperboy's Discord app: `create_bot(config)` builds the bot; `python -m bot` runs it.

The app (and discord.py with it) loads on first use of `create_bot`, so the offline commands
(`parse`, `search`, `check-config`) start without it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import PaperboyBot, create_bot

__all__ = ["PaperboyBot", "create_bot"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from bot import app

        return getattr(app, name)
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
