"""The Discord bot token: where it was read from, whether it has a token's shape, and what to say when
Discord refuses it. Checked before connecting, so a placeholder (`your-token`) or a half-pasted token is
named at once instead of as discord.py's "Improper token has been passed"."""

from __future__ import annotations

import os
import re
from pathlib import Path

TOKEN_ENV = "DISCORD_TOKEN"
RESET_AT = ("the Discord developer portal (https://discord.com/developers/applications) → your application → Bot "
            "→ Reset Token")
# Three base64url parts joined by dots: the bot's id, a timestamp, an HMAC (about 70 characters in all).
_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


def token_source(token: str, dotenv_file: str | Path | None) -> str:
    """Where `token` came from, as a person would look for it: the .env file or the environment."""
    if dotenv_file:
        from dotenv import dotenv_values

        if (dotenv_values(dotenv_file).get(TOKEN_ENV) or "").strip() == token:
            return f"{TOKEN_ENV} in {os.path.abspath(dotenv_file)}"
    return f"the environment variable {TOKEN_ENV}"


def shape_problem(token: str) -> str | None:
    """Why `token` cannot be a bot token, or None when it looks like one."""
    if _SHAPE.fullmatch(token):
        return None
    if token.lower().startswith("bot "):
        return "starts with 'Bot ': give the token alone"
    return (f"does not look like a bot token ({len(token)} characters; a token is about 70, three parts "
            "joined by dots)")


def refused(where: str) -> str:
    """The line for a token Discord refused (a wrong, reset or revoked one)."""
    return (f"Discord refused the bot token ({where}): it is wrong, or was reset. Reset it at {RESET_AT}, "
            f"and put the new one in .env as {TOKEN_ENV}=…")
