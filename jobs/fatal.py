"""Errors that end the process, said in one plain line that names the thing and the fix.

A supervisor (systemd, Docker) restarts a process that exits, never one that hangs; and an operator
reading the log at 3 a.m. needs the file and the fix, not a traceback (`--verbose` shows that).
"""

from __future__ import annotations

import sys
from pathlib import Path


class FatalError(RuntimeError):
    """Its message is the whole story: printed as is, exit code 1."""


def describe_fatal(exc: BaseException, database: str | Path | None = None) -> str:
    """One line for any error that ends a command."""
    if isinstance(exc, FatalError):
        return str(exc)
    # Run outside .venv, or .venv half installed: said before importing the store, which needs packages too.
    if isinstance(exc, ModuleNotFoundError):
        from jobs.command import MISSING_PACKAGE_FIX

        return f"error: the Python package {exc.name!r} is not installed for {sys.executable}: {MISSING_PACKAGE_FIX}"
    from jobs.store.errors import database_problem  # the store knows what its errors mean

    if database is not None:
        problem = database_problem(exc, database)
        if problem is not None:
            return problem
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}:" if exc.filename else ""
        return f"error:{where} {exc.strerror} (run with --verbose for the traceback)"
    return f"error: {type(exc).__name__}: {exc} (run with --verbose for the traceback)"
