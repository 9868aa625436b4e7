"""Where the database is, as a URL: which backend (jobs/store/backends.py) and how to reach it.

`sqlite:///relative/path.db` and `sqlite:////absolute/path.db` (SQLAlchemy's spelling: the path is what
follows the third slash) or config's `database: {path: …}` are the SQLite store; `postgresql://user:pw@
host:5432/name` (or `postgres://`) is PostgreSQL. Kept apart from the store package, which loads
aiosqlite and numpy: config validation and `check-config` only need the scheme list and the parse.

A URL may hold a password: anything shown to a person goes through `DatabaseUrl.shown` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urlsplit, urlunsplit

# scheme -> backend name
SCHEMES: dict[str, str] = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
ENV_VAR = "PAPERBOY_DATABASE_URL"


class DatabaseUrlError(ValueError):
    """A database URL that names no backend or cannot be used; the message never holds the password."""


@dataclass(frozen=True, slots=True)
class DatabaseUrl:
    backend: str  # a value of SCHEMES
    url: str  # as given, password and all: for the driver only
    key: str  # where it came from, for messages: "database.url", "database.path" or ENV_VAR
    path: Path | None = None  # the SQLite file

    @property
    def shown(self) -> str:
        """The URL as a person may see it: the password replaced by ***."""
        return redact(self.url)

    @classmethod
    def for_path(cls, path: Path, key: str = "database.path") -> DatabaseUrl:
        return cls("sqlite", f"sqlite:///{path}", key, path)


def redact(url: str) -> str:
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    except ValueError:  # an unparseable port: show nothing after the scheme rather than risk the password
        return url.split("://", 1)[0] + "://…"
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def parse_database_url(url: str, key: str = "database.url", base: Path | None = None) -> DatabaseUrl:
    """The URL checked and split; DatabaseUrlError names `key`, the URL (no password) and the schemes.
    A relative SQLite path is relative to `base` (default: the working directory)."""
    text = url.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    schemes = ", ".join(f"{s}://" for s in SCHEMES)
    if scheme not in SCHEMES:
        what = f"the scheme {scheme}:// is not supported" if scheme else "not a URL"
        raise DatabaseUrlError(f"{key}: {redact(text)!r}: {what}; use one of {schemes} "
                               "(e.g. postgresql://user@host:5432/paperboy or sqlite:///data/paperboy.db)")
    backend = SCHEMES[scheme]
    if backend == "sqlite":
        rest = text.split("://", 1)[1]
        if not rest.startswith("/") or rest == "/":
            raise DatabaseUrlError(f"{key}: {text!r}: a SQLite URL is sqlite:///relative/path.db or "
                                   "sqlite:////absolute/path.db")
        path = Path(rest[1:].split("?", 1)[0])
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        return DatabaseUrl("sqlite", text, key, path)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError as exc:
        raise DatabaseUrlError(f"{key}: {redact(text)!r}: {exc}") from None
    if not parts.hostname and "host=" not in parts.query:
        raise DatabaseUrlError(f"{key}: {redact(text)!r}: no host; e.g. postgresql://user@127.0.0.1:5432/paperboy")
    return DatabaseUrl(backend, text, key)
