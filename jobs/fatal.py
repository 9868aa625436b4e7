"""Errors that end the process, said in one plain line that names the thing and the fix (the command
line, bot/cli.py, prints them).

A supervisor (systemd, Docker) restarts a process that exits, never one that hangs; and an operator
reading the log at 3 a.m. needs the file and the fix, not a traceback (`--verbose` shows that).
"""

from __future__ import annotations


class FatalError(RuntimeError):
    """Its message is the whole story: printed as is, exit code 1."""


class InstanceLocked(FatalError):
    """Another process holds the database."""
