"""Reading and validating config YAML. Every error names the file and the key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from jobs.config import (
    Config,
    ConfigError,
    FeedsConfig,
    ScheduleConfig,
    SourceConfig,
    default_config_path,
)
from jobs.formats.registry import AUTO, FORMAT_NAMES

_TOP_KEYS = {"database", "sources", "schedule", "feeds"}
_SOURCE_KEYS = {"name", "kind", "format", "path", "include", "lookback_days"}  # + each kind's options
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


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
            raise self.fail(f"{prefix}{key}", f"expected a non-empty string, got {value!r}")
        return value.strip()

    def choice(self, data: dict[str, Any], key: str, prefix: str, choices: tuple[str, ...],
               default: str | None = None) -> str:
        value = self.string(data, key, prefix, default)
        if value not in choices:
            raise self.fail(f"{prefix}{key}", f"{value!r} is not one of: {', '.join(choices)}")
        return value


def parse_config(raw: Any, file: Path) -> Config:
    r = _Reader(file)
    top = r.mapping(raw, "", _TOP_KEYS)

    database = r.mapping(top.get("database"), "database", {"path"})
    db_path = Path(r.string(database, "path", "database.", "data/paperboy.db"))
    if not db_path.is_absolute():
        # Relative paths are relative to the working directory, like every other CLI.
        db_path = Path.cwd() / db_path

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
            raise r.fail(f"sources[{i}].name", f"{sources[-1].name!r} is used twice; names must be unique")
        seen.add(sources[-1].name)

    sched = r.mapping(top.get("schedule"), "schedule", {"time", "timezone"})
    time = sched.get("time", "08:00")
    if isinstance(time, int) and not isinstance(time, bool):
        # YAML 1.1 reads an unquoted 8:30 as the number 510 (base 60).
        time = f"{time // 60}:{time % 60:02d}"
    if not isinstance(time, str) or not _TIME_RE.match(time.strip()):
        raise r.fail("schedule.time", f"{time!r} is not a time of day like \"08:30\" (24-hour clock)")
    time = time.strip()
    tz = r.string(sched, "timezone", "schedule.", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("schedule.timezone", f"{tz!r} is not an IANA time zone such as \"Asia/Shanghai\"") from None

    feeds = r.mapping(top.get("feeds"), "feeds", {"max_per_cycle", "images"})
    max_per = feeds.get("max_per_cycle", 25)
    if not isinstance(max_per, int) or isinstance(max_per, bool) or not 1 <= max_per <= 500:
        raise r.fail("feeds.max_per_cycle", f"expected a whole number from 1 to 500, got {max_per!r}")
    images = feeds.get("images", True)
    if not isinstance(images, bool):
        raise r.fail("feeds.images", f"expected true or false, got {images!r}")

    return Config(
        database_path=db_path,
        sources=sources,
        schedule=ScheduleConfig(time=time, timezone=tz),
        feeds=FeedsConfig(max_per_cycle=max_per, images=images),
        path=file,
    )


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
    fmt = r.choice(data, "format", p, FORMAT_NAMES, AUTO)
    if kind == "github":
        path = r.string(data, "path", p, "/").strip("/") if data.get("path") != "" else ""
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
            raise r.fail(f"{p}repo", f"{cfg.repo!r} is not of the form owner/name")
        cfg.branch = r.string(data, "branch", p, "main")
        cfg.api_url = r.string(data, "api_url", p, cfg.api_url).rstrip("/")
        cfg.raw_url = r.string(data, "raw_url", p, cfg.raw_url).rstrip("/")
    for other, source_kind in SOURCE_KINDS.items():
        for k in source_kind.options:
            if k in data and k not in SOURCE_KINDS[kind].options:
                raise r.fail(f"{p}{k}", f"only applies to kind: {other}")
    include = data.get("include", [])
    if isinstance(include, str):
        include = [include]
    if not isinstance(include, list) or not all(isinstance(g, str) and g for g in include):
        raise r.fail(f"{p}include", f"expected a list of file-name globs like \"*.md\", got {include!r}")
    cfg.include = include
    lookback = data.get("lookback_days")
    if lookback is not None and (not isinstance(lookback, int) or isinstance(lookback, bool) or lookback < 1):
        raise r.fail(f"{p}lookback_days", f"expected a whole number of days (1 or more), got {lookback!r}")
    cfg.lookback_days = lookback
    return cfg


def load_config(path: str | Path | None = None) -> Config:
    file = Path(path) if path is not None else default_config_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file (copy config/config.example.yaml to start)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read it: {exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{file}: not valid YAML{where}: {problem}") from None
    if raw is None:
        raise ConfigError(f"{file}: the file is empty; see config/config.example.yaml")
    return parse_config(raw, file)
