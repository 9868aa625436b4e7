"""`python -m bot <command>`: the bot and its offline tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from jobs.config import Config, ConfigError
from jobs.config_load import load_config

# Each command imports what it needs inside its function: `parse`, `search` and `check-config` start
# without discord.py (tests/test_cli_imports.py holds them to it).


def version() -> str:
    """The installed package's version; from pyproject.toml when run from a checkout not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("paperboy")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


class _PrintVersion(argparse.Action):
    """argparse's own "version" action, but the version is looked up only when asked for."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"Paperboy {version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Paperboy: daily arXiv paper digests, delivered to Discord.",
    )
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the version and exit")
    parser.add_argument("--config", metavar="PATH", help="config file (default: config/config.yaml, "
                        "else config/config.example.yaml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    r = sub.add_parser("run", help="run the bot (the default); without DISCORD_TOKEN, a dry run")
    r.add_argument("--dry-run", action="store_true", help="one cycle printed to the terminal, even with a token")

    sub.add_parser("ingest", help="fetch every configured source into the database and report")

    p = sub.add_parser("parse", help="parse digest post files and print their papers")
    p.add_argument("files", nargs="+", metavar="FILE")
    from jobs.formats.registry import FORMAT_NAMES  # no discord: the registry is jobs/ only

    p.add_argument("--format", default="auto", choices=FORMAT_NAMES)
    p.add_argument("--json", action="store_true", help="one JSON object per paper (JSON lines)")

    c = sub.add_parser("check-config", help="validate a config file")
    c.add_argument("path", nargs="?", metavar="PATH")

    s = sub.add_parser("search", help="search the stored papers: words, \"a phrase\", 中文, authors, arXiv ids")
    s.add_argument("query", nargs="+", metavar="QUERY", help="what to search for (several words: all must match)")
    s.add_argument("--topic", help="only papers posted under this topic")
    s.add_argument("--after", metavar="YYYY-MM-DD", help="only papers posted on or after this date")
    s.add_argument("--before", metavar="YYYY-MM-DD", help="only papers posted on or before this date")
    s.add_argument("--limit", type=int, default=10, metavar="N", help="results to show (default 10, at most 50)")
    s.add_argument("--offset", type=int, default=0, metavar="N", help="results to skip (for the next page)")
    s.add_argument("--json", action="store_true", help="one JSON object per result (JSON lines)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        if command == "parse":
            return cmd_parse(args.files, args.format, args.json)
        if command == "check-config":
            return cmd_check_config(args.path or args.config)
        config = load_config(args.config)
        if command == "ingest":
            return asyncio.run(cmd_ingest(config))
        if command == "search":
            return asyncio.run(cmd_search(config, args))
        if command == "run":
            return cmd_run(config, dry=getattr(args, "dry_run", False))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


def cmd_run(config: Config, *, dry: bool) -> int:
    import logging
    import os

    from dotenv import load_dotenv

    load_dotenv()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if dry or not token:
        from bot.dry_run import dry_run

        if not token:
            print("No DISCORD_TOKEN in the environment or .env: doing a dry run.\n")
        return asyncio.run(dry_run(config))
    from bot.app import create_bot

    bot = create_bot(config)
    try:
        bot.run(token, log_handler=None)
    except Exception as exc:  # discord.LoginFailure and friends: say it plainly
        print(f"Could not connect to Discord: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_parse(files: list[str], fmt: str, as_json: bool) -> int:
    from jobs.formats import parse_post
    from jobs.models import FormatError

    read = 0
    for name in files:
        try:
            content = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            continue
        read += 1
        try:
            parsed = parse_post(content, name, fmt)
        except FormatError as exc:
            print(f"{name}: not parsed: {exc}", file=sys.stderr)
            continue
        for problem in parsed.problems:
            print(f"{name}: {problem}", file=sys.stderr)
        for paper in parsed.papers:
            if as_json:
                record = paper.to_json()
                del record["source"]
                print(json.dumps(record, ensure_ascii=False))
            else:
                print(f"{paper.arxiv_id}  [{paper.topic} {paper.date}]  {paper.title}")
        if not as_json:
            print(f"{name}: {len(parsed.papers)} papers", file=sys.stderr)
    return 0 if read else 1


def cmd_check_config(path: str | None) -> int:
    from jobs.config_load import check_surroundings

    config = load_config(path)
    problems = check_surroundings(config)
    for problem in problems:
        print(f"config error: {config.path}: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{config.path}: OK")
    print(f"  database: {config.database_path}")
    for s in config.sources:
        where = f"{s.repo}@{s.branch}:{s.path or '/'}" if s.kind == "github" else s.path
        print(f"  source {s.name}: {s.kind} {where} ({s.format}, files {', '.join(s.patterns)})")
    print(f"  schedule: daily at {config.schedule.time} {config.schedule.timezone}")
    return 0


async def cmd_ingest(config: Config) -> int:
    from jobs.pipeline import ingest
    from jobs.store import Store

    async with await Store.open(config.database_path) as store:
        report = await ingest(store, config.sources)
        counts = await store.counts()
    for src in report.sources:
        print(src.line())
        for path, reason in src.failures[:20]:
            print(f"  failed {path}: {reason}")
        if len(src.failures) > 20:
            print(f"  … and {len(src.failures) - 20} more failed posts")
    print(f"total: papers new {report.papers_new}; database {config.database_path} holds "
          f"{counts['papers']} papers in {counts['posts']} posts")
    return 0 if report.ok else 1


async def cmd_search(config: Config, args: argparse.Namespace) -> int:
    from jobs.search import QueryError, run_search
    from jobs.store import Store

    if not Path(config.database_path).exists():
        print(f"no database at {config.database_path}: run `python -m bot ingest` first", file=sys.stderr)
        return 1
    async with await Store.open(config.database_path) as store:
        try:
            page = await run_search(store, " ".join(args.query), topic=args.topic, after=args.after,
                                    before=args.before, limit=args.limit, offset=args.offset)
        except QueryError as exc:
            print(f"search: {exc}", file=sys.stderr)
            return 2
    for note in page.notes:
        print(note, file=sys.stderr)
    for n, result in enumerate(page.results, start=page.offset + 1):
        paper = result.paper
        links = {"abs": f"https://arxiv.org/abs/{paper.arxiv_id}", **paper.links}
        if args.json:
            print(json.dumps({
                "arxiv_id": paper.arxiv_id, "title": paper.title, "topic": paper.topic, "date": paper.date,
                "authors": paper.authors, "score": result.score, "snippet": result.snippet, "links": links,
            }, ensure_ascii=False))
            continue
        authors = ", ".join(paper.authors[:4])
        if len(paper.authors) > 4:
            authors += f" (+{len(paper.authors) - 4} more)"
        print(f"{n}. {paper.arxiv_id}  [{paper.topic} {paper.date}]  {' '.join(paper.title.split())}")
        if authors:
            print(f"   {authors}")
        print(f"   {result.snippet}")
        print(f"   {links['abs']}")
    if not page.results:
        print(f"no results for {page.query.text!r}" + (f" past {page.total}" if page.total else ""), file=sys.stderr)
    elif not args.json:
        more = f"; --offset {page.offset + len(page.results)} for more" if page.has_more else ""
        print(f"{page.offset + 1}-{page.offset + len(page.results)} of {page.total}{more}", file=sys.stderr)
    return 0
