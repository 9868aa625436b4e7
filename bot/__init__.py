"""Paperboy's Discord app: `create_bot(config)` builds the bot; `python -m bot` runs it."""

from bot.app import PaperboyBot, create_bot

__all__ = ["PaperboyBot", "create_bot"]
