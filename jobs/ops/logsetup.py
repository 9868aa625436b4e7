"""Logging for the bot and its tools: a level, a readable or a JSON-lines format, and discord.py's
voice warnings (Paperboy has no voice) kept out of the log."""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
LEVEL_ENV, FORMAT_ENV = "PAPERBOY_LOG_LEVEL", "PAPERBOY_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# discord.Client.__init__ warns once per process that voice needs PyNaCl and davey (discord.py 2.7:
# only discord.client logs these; discord.voice_state's warnings are about real voice connections).
_VOICE_LOGGERS = ("discord.client",)
_VOICE_MARK = "voice will NOT be supported"


class LogSetupError(ValueError):
    """A log level or format that is not one we know."""


class NoVoiceWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name in _VOICE_LOGGERS and _VOICE_MARK in record.getMessage())


def _choice(value: str | None, env: str, choices: tuple[str, ...], default: str, what: str) -> str:
    """The flag's value, else the environment's, else the default; checked case-insensitively."""
    raw = value if value is not None else os.environ.get(env) or default
    chosen = raw.strip().upper() if what == "level" else raw.strip().lower()
    if chosen not in choices:
        source = f"--log-{what}" if value is not None else env
        raise LogSetupError(f"{source}: unknown log {what} {raw!r} (choose one of {', '.join(choices)})")
    return chosen


def resolve_level(value: str | None) -> str:
    """`--log-level` if given, else PAPERBOY_LOG_LEVEL, else INFO."""
    return _choice(value, LEVEL_ENV, LEVELS, "INFO", "level")


def resolve_format(value: str | None) -> str:
    """`--log-format` if given, else PAPERBOY_LOG_FORMAT, else text."""
    return _choice(value, FORMAT_ENV, FORMATS, "text", "format")


def json_formatter() -> logging.Formatter:
    """One JSON object per line: ts (ISO-8601 UTC), level, logger, message, exc_info when there is one,
    and any `extra=` fields (the cycle summary's figures, say)."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="ts",
        json_ensure_ascii=False,
    )


def configure_logging(level: str | None = None, fmt: str | None = None, stream: TextIO | None = None) -> None:
    """Set up the root logger from flags (None: the environment, then the defaults). Replaces any
    handlers a previous call made. Raises LogSetupError for a junk level or format."""
    level, fmt = resolve_level(level), resolve_format(fmt)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    # On the handler, so it sees records that propagate up from discord's own loggers.
    handler.addFilter(NoVoiceWarnings())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
