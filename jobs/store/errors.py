"""What a database failure means to the person running Paperboy: one plain line naming the file and the fix."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from jobs.fatal import FatalError


class StoreUnavailable(FatalError):
    """The database cannot be opened or used; the message names it and the fix."""


class DatabaseDamaged(Exception):
    """SQLite's integrity check found problems (`problems`: what it said, first first)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "damaged")
        self.problems = problems


def database_problem(exc: BaseException, database: str | Path) -> str | None:
    """The plain line for a database that cannot be used, or None when `exc` is not such a failure."""
    text = str(exc)
    low = text.lower()
    where = f"database.path {database}"
    folder = Path(database).parent
    if Path(database).is_dir():
        return f"{where} is a folder; give a file name such as {Path(database) / 'paperboy.db'}"
    if isinstance(exc, FileNotFoundError | NotADirectoryError) and not folder.is_dir():
        return (f"{where}: cannot make its folder {folder} ({exc.strerror or text}); point database.path at a "
                "folder this user can write")
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in low or "file is encrypted" in low):
        return f"{where}: not an SQLite database (restore a backup or point database.path elsewhere)"
    if "malformed" in low or (isinstance(exc, sqlite3.DatabaseError) and "corrupt" in low):
        return (f"{where}: the database is damaged ({text}); restore a backup, or move the file away "
                "to start afresh")
    if "disk is full" in low or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return (f"{where}: the disk is full ({text}); free some space on {folder} or point "
                "database.path at a larger disk")
    if isinstance(exc, sqlite3.Error) and ("readonly" in low or "unable to open" in low or "read-only" in low):
        return (f"{where}: cannot write the database or its folder {folder} ({text}); Paperboy keeps "
                "journal files beside the database: make both writable by this user, or point "
                "database.path elsewhere")
    if getattr(exc, "errno", None) == errno.EROFS:
        return (f"{where}: the file system holding {folder} is read-only ({getattr(exc, 'filename', None) or text}); "
                "remount it read-write, or point database.path elsewhere")
    if isinstance(exc, PermissionError | IsADirectoryError):
        return (f"{where}: {exc.strerror or text} ({exc.filename or folder}); make {folder} and the database "
                "writable by this user, or point database.path elsewhere")
    if isinstance(exc, sqlite3.Error) and "disk i/o error" in low:
        return (f"{where}: a write to the disk failed ({text}); the disk may be full, over a file-size "
                f"limit or failing: check the free space on {folder} and the system log, or point "
                "database.path elsewhere")
    if "database is locked" in low:
        return (f"{where}: locked by another program ({text}); stop whatever else has the database "
                "open, then start again")
    if isinstance(exc, sqlite3.Error):
        return f"{where}: {text} (run with --verbose for the traceback)"
    return None
