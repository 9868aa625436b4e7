"""`python -m bot <command>`: the bot and its offline tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

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
    parser.add_argument("--verbose", action="store_true",
                        help="show the traceback of a fatal error (by default: one line saying what to fix)")
    parser.add_argument("--config", metavar="PATH", help="config file (default: config/config.yaml, "
                        "else config/config.example.yaml)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    # --verbose is taken after the command too (`ingest --verbose`); SUPPRESS keeps the top-level value.
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r = sub.add_parser("run", parents=[verbose], help="run the bot (the default); without DISCORD_TOKEN, a dry run")
    r.add_argument("--dry-run", action="store_true", help="one cycle printed to the terminal, even with a token")

    sub.add_parser("ingest", parents=[verbose], help="fetch every configured source into the database and report")

    p = sub.add_parser("parse", help="parse digest post files and print their papers")
    p.add_argument("files", nargs="+", metavar="FILE")
    from jobs.formats.registry import FORMAT_NAMES  # no discord: the registry is jobs/ only

    p.add_argument("--format", default="auto", choices=FORMAT_NAMES)
    p.add_argument("--json", action="store_true", help="one JSON object per paper (JSON lines)")

    c = sub.add_parser("check-config", help="validate a config file")
    c.add_argument("path", nargs="?", metavar="PATH")

    s = sub.add_parser("search", parents=[verbose],
                       help="search the stored papers: words, \"a phrase\", 中文, authors, arXiv ids")
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
    config: Config | None = None
    try:
        if command == "parse":
            return cmd_parse(args.files, args.format, args.json)
        if command == "check-config":
            return cmd_check_config(args.path or args.config)
        config = load_config(args.config)
        if command == "ingest":
            return _locked(config, lambda: _until_signal(cmd_ingest(config)))
        if command == "search":
            return asyncio.run(cmd_search(config, args))
        if command == "run":
            return _locked(config, lambda: cmd_run(config, dry=getattr(args, "dry_run", False)))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a fatal error: one plain line, the traceback only when asked for
        from jobs.fatal import describe_fatal

        if args.verbose:
            traceback.print_exc()
        try:
            line = describe_fatal(exc, config.database_path if config else None)
        except Exception:  # the description must not become the next traceback
            line = f"error: {type(exc).__name__}: {exc}"
        print(line, file=sys.stderr)
        return 1
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


def _locked(config: Config, command: Callable[[], int]) -> int:
    """Run a command that writes the database while holding it: one Paperboy per database."""
    from jobs.instance import InstanceLock

    with InstanceLock(config.database_path):
        return command()


def _until_signal(work: Coroutine[Any, Any, int]) -> int:
    """Run `work` until it ends, or until SIGTERM or SIGINT cancels it (its open transaction rolls back,
    its database closes): then exit 0 with a line saying so."""
    import logging
    import signal

    async def run() -> int:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        received: list[str] = []

        def on_signal(sig: signal.Signals) -> None:
            if not received:
                received.append(sig.name)
                logging.getLogger("paperboy").info("received %s: stopping", sig.name)
                task.cancel()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            return await work
        except asyncio.CancelledError:
            if not received:
                raise
            print(f"stopped by {received[0]}; the database is closed", file=sys.stderr)
            return 0

    return asyncio.run(run())


def cmd_run(config: Config, *, dry: bool) -> int:
    import os

    from dotenv import load_dotenv

    from jobs.logsetup import configure_logging

    load_dotenv()
    configure_logging()  # PAPERBOY_LOG_LEVEL / PAPERBOY_LOG_FORMAT; discord.py's voice warnings left out
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if dry or not token:
        from bot.dry_run import dry_run

        if not token:
            print("No DISCORD_TOKEN in the environment or .env: doing a dry run.\n")
        return _until_signal(dry_run(config))
    return asyncio.run(_run_bot(config, token))


async def _run_bot(config: Config, token: str) -> int:
    import aiohttp
    import discord

    from bot.app import create_bot, serve

    bot = create_bot(config)
    try:
        await serve(bot, bot.start(token))
    except (discord.LoginFailure, discord.GatewayNotFound, discord.ConnectionClosed,
            discord.HTTPException, aiohttp.ClientError) as exc:
        # Only Discord's own failures: a database error says so itself (see jobs/fatal.py).
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
