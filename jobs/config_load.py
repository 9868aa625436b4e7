"""Reading and validating config YAML. Every error names the file and the key.

A hostile or mistaken file gets a message, never a crash: numbers have ranges, a value is shown as a
short excerpt (never the repr of a huge one), and YAML whose aliases expand past a size limit (a
"billion laughs" bomb) is refused before it is built.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from jobs.config import (
    IMAGE_MODES,
    Config,
    ConfigError,
    FeedsConfig,
    Limits,
    ScheduleConfig,
    SourceConfig,
    WatchdogConfig,
    default_config_path,
)
from jobs.database_url import ENV_VAR, DatabaseUrl, DatabaseUrlError, parse_database_url
from jobs.formats.registry import AUTO, FORMAT_NAMES

ARXIV_FORMAT = "arxiv"  # the one format kind: arxiv reads, and only it

_TOP_KEYS = {"database", "sources", "schedule", "feeds", "limits", "watchdog"}
_SOURCE_KEYS = {"name", "kind", "format", "path", "include", "lookback_days"}  # + each kind's options
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_HTTP_URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.I)
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# A config is a few dozen values; past these it is a mistake or an attack, not a config.
MAX_CONFIG_BYTES = 1024 * 1024
MAX_YAML_NODES = 100_000  # after expanding aliases
LOOKBACK_DAYS = (1, 3650)
# key: (lowest, highest), all in the unit the key names
LIMIT_RANGES: dict[str, tuple[float, float]] = {
    "max_post_mb": (0.01, 1024),
    "max_response_mb": (0.01, 4096),
    "request_timeout_s": (1, 3600),
    "source_timeout_s": (1, 86400),
}


def excerpt(value: Any, width: int = 60) -> str:
    """A short, safe picture of a value for an error message: never a huge repr, never a crash
    (repr of an int of more than 4,300 digits raises ValueError)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:
            return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
        return repr(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= width else f"{value[:width]!r}… ({len(value):,} characters)"
    if isinstance(value, (list, dict)):
        kind = "list" if isinstance(value, list) else "mapping"
        return f"a {kind} of {len(value):,} item(s)"
    return f"a {type(value).__name__}"


def _expanded_size(root: yaml.Node) -> int:
    """Nodes in the document with every alias expanded, counted without expanding anything (a node
    reached twice through aliases counts twice)."""
    sizes: dict[int, int] = {}
    building: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in building:
            raise ConfigError("an alias refers to a value that contains it (a recursive YAML alias)")
        building.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        building.discard(key)
        sizes[key] = total = min(total, MAX_YAML_NODES + 1)
        return total

    return size(root)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps a number Python will not convert (over 4,300 digits) as its text, so the
    key's own check reports it instead of a ValueError from inside PyYAML."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def _safe_load(text: str, file: Path) -> Any:
    """yaml.safe_load that refuses a document whose aliases expand past MAX_YAML_NODES values."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            expanded = _expanded_size(node)
        except ConfigError as exc:
            raise ConfigError(f"{file}: {exc}") from None
        except RecursionError:
            raise ConfigError(f"{file}: the YAML is nested too deeply") from None
        if expanded > MAX_YAML_NODES:
            raise ConfigError(
                f"{file}: refused: its aliases expand to more than {MAX_YAML_NODES:,} values "
                "(a YAML alias bomb?); a config needs a few dozen"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Reader:
    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file}: {key}: {problem}")

    def mapping(self, value: Any, key: str, allowed: set[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping of keys, got {type(value).__name__}")
        for k in value:
            if k not in allowed:
                hint = ", ".join(sorted(allowed))
                raise self.fail(f"{key}.{k}" if key else str(k), f"unknown key (known keys here: {hint})")
        return value

    def string(self, data: dict[str, Any], key: str, prefix: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(f"{prefix}{key}", "is required")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{prefix}{key}", f"expected a non-empty string, got {excerpt(value)}")
        return value.strip()

    def choice(self, data: dict[str, Any], key: str, prefix: str, choices: tuple[str, ...],
               default: str | None = None) -> str:
        value = self.string(data, key, prefix, default)
        if value not in choices:
            raise self.fail(f"{prefix}{key}", f"{excerpt(value)} is not one of: {', '.join(choices)}")
        return value

    def number(self, data: dict[str, Any], key: str, prefix: str, bounds: tuple[float, float], default: float,
               *, whole: bool = False) -> Any:
        value = data.get(key, default)
        lo, hi = bounds
        kinds = (int,) if whole else (int, float)
        if not isinstance(value, kinds) or isinstance(value, bool) or not lo <= value <= hi:
            what = "a whole number" if whole else "a number"
            raise self.fail(f"{prefix}{key}", f"expected {what} from {lo:g} to {hi:g}, got {excerpt(value)}")
        return value


def parse_config(raw: Any, file: Path) -> Config:
    r = _Reader(file)
    top = r.mapping(raw, "", _TOP_KEYS)

    db_path, db_url = _database(r, top.get("database"))

    raw_sources = top.get("sources")
    if raw_sources is None:
        raise r.fail("sources", "is required: list at least one source (see config/config.example.yaml)")
    if not isinstance(raw_sources, list):
        raise r.fail("sources", f"expected a list, got {type(raw_sources).__name__}")
    sources: list[SourceConfig] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_sources):
        sources.append(_source(r, item, f"sources[{i}]", file))
        if sources[-1].name in seen:
            raise r.fail(f"sources[{i}].name", f"{excerpt(sources[-1].name)} is used twice; names must be unique")
        seen.add(sources[-1].name)

    sched = r.mapping(top.get("schedule"), "schedule", {"time", "timezone"})
    time = sched.get("time", "08:00")
    if isinstance(time, int) and not isinstance(time, bool):
        # YAML 1.1 reads an unquoted 8:30 as the number 510 (base 60).
        time = f"{time // 60}:{time % 60:02d}"
    if not isinstance(time, str) or not _TIME_RE.match(time.strip()):
        raise r.fail("schedule.time", f"{excerpt(time)} is not a time of day like \"08:30\" (24-hour clock)")
    time = time.strip()
    tz = r.string(sched, "timezone", "schedule.", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("schedule.timezone", f"{excerpt(tz)} is not an IANA time zone such as \"Asia/Shanghai\"") from None

    feeds = r.mapping(top.get("feeds"), "feeds", {"max_per_cycle", "images"})
    max_per = r.number(feeds, "max_per_cycle", "feeds.", (1, 500), 25, whole=True)
    images = feeds.get("images", True)
    if isinstance(images, str) and images.strip().casefold() in IMAGE_MODES:
        images = images.strip().casefold()
    elif not isinstance(images, bool):
        raise r.fail("feeds.images",
                     f"expected full, thumbnail, true (a thumbnail) or false (none), got {excerpt(images)}")

    limits_raw = r.mapping(top.get("limits"), "limits", set(LIMIT_RANGES))
    defaults = Limits()
    limits = Limits(**{
        k: float(r.number(limits_raw, k, "limits.", bounds, getattr(defaults, k)))
        for k, bounds in LIMIT_RANGES.items()
    })
    for source in sources:
        source.limits = limits

    watch = r.mapping(top.get("watchdog"), "watchdog", {"missed_weekdays", "gap_factor"})
    missed = r.number(watch, "missed_weekdays", "watchdog.", (1, 60), 3, whole=True)
    factor = float(r.number(watch, "gap_factor", "watchdog.", (1, 30), 3.0))

    return Config(
        database_path=db_path,
        sources=sources,
        schedule=ScheduleConfig(time=time, timezone=tz),
        feeds=FeedsConfig(max_per_cycle=max_per, images=images),
        watchdog=WatchdogConfig(missed_weekdays=missed, gap_factor=factor),
        path=file,
        database_url=db_url,
    )


def _database(r: _Reader, raw: Any) -> tuple[Path, DatabaseUrl | None]:
    """database.path or database.url (not both); PAPERBOY_DATABASE_URL, when set, overrides either."""
    database = r.mapping(raw, "database", {"path", "url"})
    if "path" in database and "url" in database:
        raise r.fail("database", "give path (a SQLite file) or url (sqlite:// or postgresql://), not both")
    env = os.environ.get(ENV_VAR, "").strip()
    url: DatabaseUrl | None = None
    try:
        if env:
            url = parse_database_url(env, ENV_VAR)
        elif "url" in database:
            url = parse_database_url(r.string(database, "url", "database."), "database.url")
    except DatabaseUrlError as exc:
        if env:  # not the file's fault: no file name in front
            raise ConfigError(str(exc)) from None
        raise ConfigError(f"{r.file}: {exc}") from None
    if url is not None and url.path is not None:
        return url.path, url
    db_path = Path(r.string(database, "path", "database.", "data/paperboy.db"))
    if not db_path.is_absolute():
        # Relative paths are relative to the working directory, like every other CLI.
        db_path = Path.cwd() / db_path
    return db_path, url


def _source(r: _Reader, item: Any, key: str, file: Path) -> SourceConfig:
    # Imported here, not at the top: the sources bring httpx, which `python -m bot parse` does not need.
    from jobs.sources.registry import SOURCE_KINDS

    options = {k for source_kind in SOURCE_KINDS.values() for k in source_kind.options}
    data = r.mapping(item, key, _SOURCE_KEYS | options)
    if not data:
        raise r.fail(key, "an empty source; give at least name, kind, format and path")
    p = f"{key}."
    name = r.string(data, "name", p)
    kind = r.choice(data, "kind", p, tuple(SOURCE_KINDS))
    fmt = r.choice(data, "format", p, FORMAT_NAMES, ARXIV_FORMAT if kind == "arxiv" else AUTO)
    if kind == "arxiv" and fmt != ARXIV_FORMAT:
        raise r.fail(f"{p}format", f"kind: arxiv reads arXiv's own listings (format {ARXIV_FORMAT}), not {fmt}; "
                     "leave `format` out")
    if kind != "arxiv" and fmt == ARXIV_FORMAT:
        raise r.fail(f"{p}format", f"format {ARXIV_FORMAT} (arXiv's category listing) is read by kind: arxiv, "
                     "given `categories: [cs.CV]`")
    if kind == "github":
        path = r.string(data, "path", p, "/").strip("/") if data.get("path") != "" else ""
    elif kind in ("feed", "arxiv"):
        if "path" in data:
            raise r.fail(f"{p}path", f"kind: {kind} has no path (it reads "
                         + ("`url`)" if kind == "feed" else "`categories`)"))
        path = ""
    else:
        path = r.string(data, "path", p)
    cfg = SourceConfig(name=name, kind=kind, format=fmt, path=path)
    if kind == "directory":
        folder = Path(path).expanduser()
        if not folder.is_absolute():
            folder = (file.parent / folder) if (file.parent / folder).exists() else Path.cwd() / folder
        cfg.path = str(folder.resolve())
    elif kind == "github":
        cfg.repo = r.string(data, "repo", p)
        if not _REPO_RE.match(cfg.repo):
            raise r.fail(f"{p}repo", f"{excerpt(cfg.repo)} is not of the form owner/name")
        cfg.branch = r.string(data, "branch", p, "main")
        cfg.api_url = r.string(data, "api_url", p, cfg.api_url).rstrip("/")
        cfg.raw_url = r.string(data, "raw_url", p, cfg.raw_url).rstrip("/")
    elif kind == "feed":
        cfg.url = _http_url(r, data, "url", p, None)
    elif kind == "arxiv":
        cfg.categories = _categories(r, data.get("categories"), f"{p}categories")
        cfg.listing_url = _http_url(r, data, "listing_url", p, cfg.listing_url).rstrip("/")
    for other, source_kind in SOURCE_KINDS.items():
        for k in source_kind.options:
            if k in data and k not in SOURCE_KINDS[kind].options:
                raise r.fail(f"{p}{k}", f"only applies to kind: {other}")
    include = data.get("include", [])
    if isinstance(include, str):
        include = [include]
    if not isinstance(include, list) or not all(isinstance(g, str) and g for g in include):
        raise r.fail(f"{p}include", f"expected a list of file-name globs like \"*.md\", got {excerpt(include)}")
    cfg.include = include
    if data.get("lookback_days") is not None:
        cfg.lookback_days = r.number(data, "lookback_days", p, LOOKBACK_DAYS, 0, whole=True)
    return cfg


def _http_url(r: _Reader, data: dict[str, Any], key: str, prefix: str, default: str | None) -> str:
    url = r.string(data, key, prefix, default)
    if not _HTTP_URL_RE.match(url):
        raise r.fail(f"{prefix}{key}", f"{excerpt(url)} is not an http:// or https:// URL")
    return url


def _categories(r: _Reader, value: Any, key: str) -> list[str]:
    """`categories: [cs.CV, cs.GR]` (or one name): arXiv category names, each once."""
    from jobs.sources.arxiv import CATEGORY_RE

    if value is None:
        raise r.fail(key, "is required: the arXiv categories to read, e.g. [cs.CV, cs.GR]")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise r.fail(key, f"expected a list of arXiv categories such as [cs.CV, cs.GR], got {excerpt(value)}")
    out: list[str] = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not CATEGORY_RE.match(item.strip()):
            raise r.fail(f"{key}[{i}]", f"{excerpt(item)} is not an arXiv category such as cs.CV or math.AG")
        if item.strip() not in out:
            out.append(item.strip())
    return out


def load_config(path: str | Path | None = None) -> Config:
    file = Path(path) if path is not None else default_config_path()
    try:
        if file.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{file}: refused: over {MAX_CONFIG_BYTES // 1024} KB; a config needs a few")
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file (copy config/config.example.yaml to start)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read it: {exc}") from None
    try:
        raw = _safe_load(text, file)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {yaml_in_words(exc, text)}") from None
    if raw is None:
        raise ConfigError(f"{file}: the file is empty; see config/config.example.yaml")
    return parse_config(raw, file)


def yaml_in_words(exc: yaml.YAMLError, text: str) -> str:
    """A YAML syntax error said in words, with the line it is on shown and marked: the parser's own
    terms ("expected <block end>, but found '<block mapping start>'") tell a newcomer nothing."""
    mark = getattr(exc, "problem_mark", None)
    opened = getattr(exc, "context_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    if mark is None:
        return problem
    line, column = mark.line + 1, mark.column
    if problem.startswith("expected <block end>"):
        words = (f"line {line} is indented differently from the lines above it (keys of one level start in "
                 "the same column; indent with spaces)")
    elif "'\\t'" in problem:
        words = f"line {line} has a tab where YAML expects spaces (indent with spaces only)"
    elif problem.startswith("mapping values are not allowed"):
        words = (f"line {line} has a second ':' where a value was expected (quote a value that contains "
                 "': ', or put each key on its own line)")
    elif problem.startswith("could not find expected ':'"):
        if opened is not None:  # the key is where the scan began, not where it gave up
            line, column = opened.line + 1, opened.column
        words = f"line {line} has a key without ':' after it (write `key: value`)"
    elif "end of stream" in problem and opened is not None and "quoted" in str(exc.context or ""):  # type: ignore[attr-defined]
        line, column = opened.line + 1, opened.column
        words = f"the quote opened on line {line} is never closed"
    elif problem.startswith(("expected ',' or ']'", "expected ',' or '}'")) and opened is not None:
        line, column = opened.line + 1, opened.column
        words = f"the bracket opened on line {line} is never closed"
    elif problem.startswith("found undefined alias"):
        words = f"line {line} uses an alias (*name) that no anchor (&name) defines"
    else:
        words = f"line {line}, column {column + 1}: {problem}"
    lines = text.splitlines()
    shown = lines[line - 1].replace("\t", "→") if 0 < line <= len(lines) else ""
    gutter = " " * len(str(line))
    return f"{words}\n  {line} | {shown}\n  {gutter} | {' ' * column}^"


def _can_create_in(folder: Path) -> bool:
    """Can a file really be made here? os.access says yes to root everywhere, /proc and /sys included."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def check_surroundings(config: Config) -> list[str]:
    """What `check-config` checks beyond the file: every directory source's folder exists and can be
    read, and the database (or the folder it will be created in) is writable. Each problem names the
    key and the fix."""
    problems: list[str] = []
    for i, src in enumerate(config.sources):
        if src.kind != "directory":
            continue
        folder = Path(src.path)
        if not folder.is_dir():
            problems.append(f"sources[{i}].path: folder {src.path} does not exist (create it or fix the path)")
        elif not os.access(folder, os.R_OK | os.X_OK):
            problems.append(f"sources[{i}].path: folder {src.path} cannot be read (check its permissions)")
    if config.database_url is not None and config.database_url.path is None:
        return problems  # a database server: reaching it is the store's to check when it opens
    db = Path(config.database_path)
    if db.exists():
        if db.is_dir():
            problems.append(f"database.path: {db} is a folder; give a file name such as {db / 'paperboy.db'}")
        elif not os.access(db, os.R_OK | os.W_OK):
            problems.append(f"database.path: {db} is not writable (check its permissions)")
    folder = db.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the database's folder is created on first use, under this one
    if not folder.is_dir():
        problems.append(f"database.path: {folder} is not a folder")
    elif not os.access(folder, os.W_OK | os.X_OK) or not _can_create_in(folder):
        problems.append(
            f"database.path: folder {folder} is not writable, so {db.name} cannot be created or journalled "
            "(check its permissions or point database.path elsewhere)"
        )
    return problems
