"""`paperboy <command>` (or `python -m bot`; `bash scripts/run.sh` in a checkout): the bot and its offline tools."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobs.command import command as hint
from jobs.command import program
from jobs.config import Config, ConfigError
from jobs.fatal import FatalError

if TYPE_CHECKING:
    from jobs.ops.roles import Role, Shards

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "config" / "demo.yaml"
INGEST_INCOMPLETE = 3  # `ingest`: every source read, but some posts could not be fetched

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


TOKENS = ("DISCORD_TOKEN (the bot's token; without it `run` does a dry run) and GITHUB_TOKEN (optional: "
          "5,000 GitHub API requests an hour instead of 60), from the environment or a .env file here")
GITHUB_NOTE = "GITHUB_TOKEN (optional, from the environment or .env) raises GitHub's limit to 5,000 requests an hour."


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--config and the log flags, on the main parser and on every command, so they work before or after
    the command's name. On a command they default to SUPPRESS: an absent flag there keeps the main one."""
    default: dict[str, object] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument("--config", metavar="PATH", help="config file (default: config/config.yaml, "
                        "else config/config.example.yaml)", **default)
    parser.add_argument("--log-level", metavar="LEVEL", help="DEBUG, INFO (default), WARNING or ERROR; "
                        "else PAPERBOY_LOG_LEVEL", **default)
    parser.add_argument("--log-format", metavar="FORMAT", help="text (default) or json (one object a line); "
                        "else PAPERBOY_LOG_FORMAT", **default)
    parser.add_argument("--verbose", action="store_true", help="show the traceback of a fatal error (by default: "
                        "one line saying what to fix)", **default)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program(),  # --help names a command that works here (jobs/command.py)
        description="Paperboy: daily arXiv paper digests, delivered to Discord. Without a command: run.",
        epilog=f"Secrets: {TOKENS}. `{hint('COMMAND --help')}` describes each command.",
    )
    parser.add_argument("--version", action=_PrintVersion, nargs=0, help="print the version and exit")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=description, epilog=epilog)
        _common(p, top=False)
        return p

    r = command("run", "run the bot (the default); without DISCORD_TOKEN, a dry run",
                "Run the bot: connect to Discord with DISCORD_TOKEN, post each day's new papers at schedule.time, "
                "answer slash commands. Without DISCORD_TOKEN (or with --dry-run): one digest cycle into the "
                "database, printing what each feed would post.", epilog=f"Secrets: {TOKENS}.")
    r.add_argument("--dry-run", action="store_true", help="one cycle printed to the terminal, even with a token")
    r.add_argument("--role", metavar="ROLE", help="all (the default: everything in one process), or on PostgreSQL "
                   "one part: gateway (commands and buttons), scheduler (ingest, planning, the watchdog; one leads "
                   "at a time) or sender (sends the outbox); else PAPERBOY_ROLE")
    r.add_argument("--shards", metavar="FIRST-LAST/COUNT", help="the shards a gateway connects, e.g. 0-3/16; "
                   "else PAPERBOY_SHARDS (default: one shard)")
    r.add_argument("--wait-db", type=float, nargs="?", const=60.0, default=None, metavar="SECONDS",
                   help="wait up to SECONDS (default 60) for a PostgreSQL server to answer before starting "
                   "(under compose, where it may still be starting); then one line and exit 1")

    command("ingest", "fetch every configured source into the database and report",
            "Fetch every configured source into the database (no Discord) and report, per source, the posts "
            "new, changed and failed and the papers new. Exit 1 when a source could not be read, 3 when "
            "some posts could not be fetched (they are tried again by the next run).",
            epilog=GITHUB_NOTE)

    p = command("parse", "parse digest post files and print their papers",
                "Parse digest post files (Kedreamix markdown, daily-arXiv jsonl/md) and print their papers. "
                "No database, no network.")
    p.add_argument("files", nargs="+", metavar="FILE")
    from jobs.formats.registry import FORMAT_NAMES  # no discord: the registry is jobs/ only

    p.add_argument("--format", default="auto", choices=FORMAT_NAMES)
    p.add_argument("--json", action="store_true", help="one JSON object per paper (JSON lines)")

    c = command("check-config", "validate a config file",
                "Validate a config file and print what it configures; exit 2 naming a bad key or value.")
    c.add_argument("path", nargs="?", metavar="PATH")

    s = command("search", "search the stored papers: words, \"a phrase\", 中文, authors, arXiv ids",
                "Search the papers in the database, ranked, as /search does.")
    s.add_argument("query", nargs="+", metavar="QUERY", help="what to search for (several words: all must match)")
    s.add_argument("--topic", help="only papers posted under this topic")
    s.add_argument("--after", metavar="YYYY-MM-DD", help="only papers posted on or after this date")
    s.add_argument("--before", metavar="YYYY-MM-DD", help="only papers posted on or before this date")
    s.add_argument("--limit", type=int, default=10, metavar="N", help="results to show (default 10, at most 50)")
    s.add_argument("--offset", type=int, default=0, metavar="N", help="results to skip (for the next page)")
    s.add_argument("--json", action="store_true", help="one JSON object per result (JSON lines)")

    h = command("health", "exit 0 when the last cycle kept to the schedule and the database is sound, else 1",
                "For a container health check or monitoring: exit 0 when the database passes SQLite's quick "
                "check and the last digest cycle finished within its schedule (schedule.time plus an hour's "
                "grace); else exit 1. One line says why.")
    h.add_argument("--full", action="store_true", help="SQLite's full integrity_check (also compares every "
                   "index with its table: slower on a large database)")
    command("status", "sources, retries, the next run, the outbox, paused feeds, database size",
            "What the bot is doing, from its database: each source with its last success, last new post, "
            "failures in a row and next retry; the next scheduled run; pending and failed deliveries; paused "
            "feeds and why; the database's size. The same as /status in Discord.")
    m = command("migrate", "upgrade the database to this release's schema (read commands never do)",
                "Upgrade the database to this release's schema, holding the instance lock (stop the running "
                "Paperboy first). `run` and `ingest` upgrade too; `status`, `health`, `backup` and `search` "
                "never do: they open the database read-only.")
    m.add_argument("--dry-run", action="store_true", help="say what would be upgraded; write nothing")
    b = command("backup", "write a consistent copy of the database, even while the bot runs",
                "Copy the database with SQLite's backup API: a consistent copy even while the bot is running "
                "and writing. Back up before an upgrade (`run`, `ingest` and `migrate` upgrade the schema).")
    b.add_argument("path", metavar="PATH", help="where to write the copy (an existing file is replaced)")
    cs = command("copy-store", "copy the whole database into another one (SQLite <-> PostgreSQL), resumably",
                 "Copy every table of the database (papers, appearances, feeds, the outbox, subscriptions, "
                 "settings, the watchdog's state, the ranking index) into another database, SQLite to PostgreSQL "
                 "or back, in batches, and verify each table (rows and a checksum of ids): one line per table. "
                 "The target's schema is made by its own migrations; it must be new and empty, or a copy that "
                 "stopped: running the command again resumes after the last batch that committed. Stop the bot "
                 "first (the command holds both databases' instance locks).",
                 epilog=f"e.g. {hint('copy-store --to postgresql://paperboy@127.0.0.1:5432/paperboy')}")
    cs.add_argument("--to", required=True, metavar="URL", help="the database to copy into: postgresql://… or "
                    "sqlite:///path.db")
    cs.add_argument("--from", dest="source", metavar="URL", help="the database to copy (default: the configured "
                    "one: PAPERBOY_DATABASE_URL, database.url or database.path)")
    cs.add_argument("--batch", type=int, default=None, metavar="N", help="rows per batch (default 2000)")
    d = command("demo", "the real bot on the sample posts, in a browser: no token, no network",
                "An offline demo: the real bot runs on the sample posts in samples/ (config/demo.yaml) inside "
                "SimCord, a simulated Discord, and serves it in your browser on localhost: a server with "
                "#papers, a feed for each sample topic, one digest cycle posted. Click through the papers, "
                "Abstract, /search and /subscribe. Needs no DISCORD_TOKEN and no network; needs SimCord's "
                "preview (bash scripts/demo.sh installs it).")
    d.add_argument("--no-browser", action="store_true", help="print the URL but do not open a browser")
    d.add_argument("--check", action="store_true", help="set up, run the cycle, print what was posted and exit "
                   "(0 when papers were posted): a smoke test")
    d.add_argument("--port", type=int, default=None, help="the preview's port on localhost (default: any free one)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
        return code
    except BrokenPipeError:  # `… | head -1` closed the pipe: the reader has what it wanted, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's own flush stays quiet
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    config: Config | None = None
    try:
        if command == "parse":  # the hot offline path: no .env, no log setup, no asyncio
            return cmd_parse(args.files, args.format, args.json)
        import asyncio

        from dotenv import load_dotenv

        from jobs.ops.logsetup import LEVEL_ENV, LogSetupError, configure_logging

        load_dotenv()  # PAPERBOY_LOG_* and the tokens may be in .env
        # The demo is for reading the preview, not the log: warnings and worse unless asked for more.
        quiet = "WARNING" if command == "demo" and not os.environ.get(LEVEL_ENV) else None
        try:
            configure_logging(args.log_level or quiet, args.log_format)
        except LogSetupError as exc:
            print(f"paperboy: {exc}", file=sys.stderr)
            return 2
        if command == "check-config":
            return cmd_check_config(args.path or args.config)
        from jobs.config_load import load_config  # YAML: not for `parse`

        config = load_config(args.config or (DEMO_CONFIG if command == "demo" else None))
        if command == "ingest":
            _failures_in_the_report()
            return _locked(config, lambda: _until_signal(cmd_ingest(config)))
        if command == "search":
            return asyncio.run(cmd_search(config, args))
        if command in ("health", "status", "backup", "migrate"):
            from bot import operate

            if command == "migrate":
                if args.dry_run:  # writes nothing: no lock to take from a running bot
                    return asyncio.run(operate.migrate(config, dry_run=True))
                return _locked(config, lambda: asyncio.run(operate.migrate(config, dry_run=False)))

            if command == "health":
                return asyncio.run(operate.health(config, full=args.full))
            if command == "status":
                return asyncio.run(operate.status(config))
            return asyncio.run(operate.backup(config, args.path))
        if command == "copy-store":
            return _copy_store(config, args)
        if command == "demo":
            from bot.demo import run_demo

            return run_demo(config, open_browser=not args.no_browser, check=args.check, port=args.port)
        if command == "run":
            from jobs.ops.roles import RoleError

            try:
                role, shards = _role(config, args)
            except RoleError as exc:
                print(f"paperboy run: {exc}", file=sys.stderr)
                return 2
            work = lambda: cmd_run(config, dry=getattr(args, "dry_run", False),  # noqa: E731
                                   asked=args.command == "run", role=role, shards=shards)
            if getattr(args, "wait_db", None) is not None:  # before anything connects (the instance lock does)
                from jobs.store.backends import wait_for_database

                asyncio.run(wait_for_database(config.database(), max(0.0, args.wait_db)))
            # One process holds the whole database only when it runs everything; the parts share it.
            return _locked(config, work) if role == "all" else work()
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise  # for main: not an error
    except Exception as exc:  # a fatal error: one plain line, the traceback only when asked for
        if args.verbose:
            traceback.print_exc()
        try:
            line = _describe_fatal(exc, config.database_path if config else None)
        except Exception:  # the description must not become the next traceback
            line = f"error: {type(exc).__name__}: {exc}"
        print(line, file=sys.stderr)
        return 1
    print(f"unknown command {command!r}", file=sys.stderr)
    return 2


def _role(config: Config, args: argparse.Namespace) -> tuple[Role, Shards | None]:
    """`run`'s role and shards, from the flags or the environment, checked against the database."""
    from jobs.ops.roles import ROLE_ENV, SHARDS_ENV, RoleError, parse_role, parse_shards, role_problem

    flag_role, flag_shards = getattr(args, "role", None), getattr(args, "shards", None)
    role = parse_role(flag_role if flag_role is not None else os.environ.get(ROLE_ENV),
                      "--role" if flag_role is not None else ROLE_ENV)
    shards_text = flag_shards if flag_shards is not None else os.environ.get(SHARDS_ENV, "").strip() or None
    shards = parse_shards(shards_text, "--shards" if flag_shards is not None else SHARDS_ENV) if shards_text else None
    problem = role_problem(role, shards, config.database())
    if problem is None and role != "all" and getattr(args, "dry_run", False):
        problem = f"--dry-run runs one whole cycle: it is for --role all, not {role}"
    if problem is not None:
        raise RoleError(problem)
    return role, shards


def _locked(config: Config, command: Callable[[], int]) -> int:
    """Run a command that writes the database while holding it: one Paperboy per database."""
    from jobs.ops.instance import instance_lock

    with instance_lock(config.database()):
        return command()


def _failures_in_the_report() -> None:
    """ingest and the dry run print each source's failure in their report: the same failure logged as a
    warning (and each retry before it) would say it up to four times more. Shown again with --log-level DEBUG."""
    import logging

    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for name in ("jobs.pipeline", "jobs.sources.http"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _copy_store(config: Config, args: argparse.Namespace) -> int:
    """Both databases held (no bot runs on either) for the copy."""
    import asyncio

    from bot import operate
    from jobs.database_url import DatabaseUrlError, parse_database_url
    from jobs.ops.instance import instance_lock

    try:
        target = parse_database_url(args.to, "--to")
        source = parse_database_url(args.source, "--from") if args.source else config.database()
    except DatabaseUrlError as exc:
        print(f"copy-store: {exc}", file=sys.stderr)
        return 2
    if operate.same_database(source, target):  # before the locks: a file cannot be locked twice
        print("copy-store: --to names the database being copied; give another database", file=sys.stderr)
        return 2
    if args.batch is not None and args.batch < 1:
        print("copy-store: --batch must be at least 1", file=sys.stderr)
        return 2
    with instance_lock(source), instance_lock(target):
        return asyncio.run(operate.copy_store(config, target, source, batch=args.batch))


def _until_signal(work: Coroutine[Any, Any, int]) -> int:
    """Run `work` until it ends, or until SIGTERM or SIGINT cancels it (its open transaction rolls back,
    its database closes): then exit 0 with a line saying so."""
    import asyncio
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


def cmd_run(config: Config, *, dry: bool, asked: bool = False, role: Role = "all", shards: Shards | None = None) -> int:
    """The bot, or a dry run. `asked`: the `run` command was named (a service's command line): without a
    token that is refused, not a dry run, so a container started from an unedited .env says why."""
    import asyncio
    import os

    from dotenv import find_dotenv, load_dotenv

    from jobs.bot_token import TOKEN_ENV, shape_problem, token_source

    load_dotenv()
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if role == "scheduler":  # plans into the database and talks to no Discord: no token needed
        return asyncio.run(_run_bot(config, None, "", role=role, shards=None))
    if not token and asked and not dry:
        print(f"paperboy run: no {TOKEN_ENV} (in the environment or .env; .env.example leaves it empty), so "
              f"there is nothing to connect with. Set it, or try without Discord: `{hint('run --dry-run')}`.",
              file=sys.stderr)
        return 2
    if dry or not token:
        from bot.dry_run import dry_run

        if not token:
            print(f"No {TOKEN_ENV} in the environment or .env: doing a dry run.\n")
        _failures_in_the_report()
        if config.path is not None and Path(config.path).resolve() == DEMO_CONFIG:
            # The terminal demo: a fresh database each run, so the second run shows the papers again too.
            import dataclasses
            import tempfile

            with tempfile.TemporaryDirectory(prefix="paperboy-demo-") as tmp:
                print("The demo config: a fresh temporary database for this run.\n")
                fresh = dataclasses.replace(config, database_path=Path(tmp) / "demo.db")
                return _until_signal(dry_run(fresh))
        return _until_signal(dry_run(config))
    where = token_source(token, find_dotenv())
    problem = shape_problem(token)
    if problem is not None:  # checked here: discord.py would only say "Improper token has been passed"
        print(f"paperboy run: the bot token ({where}) {problem}. Copy it from the Discord developer portal "
              "(https://discord.com/developers/applications) → your application → Bot → Reset Token.",
              file=sys.stderr)
        return 2
    from jobs.ops.metrics import MetricsError, serve_from_env

    try:
        serve_from_env()  # PAPERBOY_METRICS_PORT: /metrics beside the bot
    except MetricsError as exc:
        print(f"paperboy run: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run_bot(config, token, where, role=role, shards=shards))


MEMBERS_OFF = ("warning: the Server Members intent is off for this bot (Developer Portal -> Bot -> Privileged "
               "Gateway Intents): Paperboy cannot see members leave, so their feedback is kept until they use "
               "/forget-me instead of going 30 days after they leave. Running without it.")


async def _run_bot(config: Config, token: str | None, where: str, *, role: Role = "all",
                   shards: Shards | None = None) -> int:
    import aiohttp
    import discord

    from bot.app import create_bot, serve
    from jobs.bot_token import refused

    bot = create_bot(config, role=role, shards=shards)
    try:
        # A gateway (all, gateway) connects; a scheduler or a sender runs without one.
        try:
            await serve(bot, bot.start(token) if token and role in ("all", "gateway") else bot.run_role(token))
        except discord.PrivilegedIntentsRequired:
            print(MEMBERS_OFF, file=sys.stderr)
            bot = create_bot(config, role=role, shards=shards, members=False)
            await serve(bot, bot.start(token))
    except discord.LoginFailure:
        print(refused(where), file=sys.stderr)
        return 1
    except (discord.GatewayNotFound, discord.ConnectionClosed, discord.HTTPException, aiohttp.ClientError) as exc:
        # Only Discord's own failures: a database error says so itself (see jobs/fatal.py).
        print(f"Could not connect to Discord: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_parse(files: list[str], fmt: str, as_json: bool) -> int:
    from jobs.formats import parse_post
    from jobs.models import FormatError

    found = 0  # papers, over every file: a run that found none (README.md, say) exits 1
    for name in files:
        try:
            content = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            continue
        try:
            parsed = parse_post(content, name, fmt)
        except FormatError as exc:
            print(f"{name}: not parsed: {exc}", file=sys.stderr)
            continue
        found += len(parsed.papers)
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
    return 0 if found else 1


def cmd_check_config(path: str | None) -> int:
    from jobs.config_load import check_surroundings, load_config

    config = load_config(path)
    problems = check_surroundings(config)
    for problem in problems:
        print(f"config error: {config.path}: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{config.path}: OK")
    url = config.database_url
    # A URL may carry a password: only its redacted form is printed.
    print(f"  database: {url.shown if url is not None and url.path is None else config.database_path}"
          + (f" (from {url.key})" if url is not None else ""))
    from jobs.sources.registry import SOURCE_KINDS

    for s in config.sources:
        where = f"{s.repo}@{s.branch}:{s.path or '/'}" if s.kind == "github" else SOURCE_KINDS[s.kind].location(s)
        files = f", files {', '.join(s.patterns)}" if s.kind in ("directory", "github") else ""
        print(f"  source {s.name}: {s.kind} {where} ({s.format}{files})")
    print(f"  schedule: daily at {config.schedule.time} {config.schedule.timezone}")
    w = config.watchdog
    print(f"  watchdog: late after {w.missed_weekdays} missed weekdays (weekday sources), else {w.gap_factor:g}x "
          "the usual gap")
    return 0


async def cmd_ingest(config: Config) -> int:
    from jobs.ops.rank_merger import Merger
    from jobs.pipeline import ingest
    from jobs.store.backends import open_database

    async with await open_database(config.database()) as store:
        # As the bot does: the ranking index is merged beside the ingest, which never pays for it (a run
        # that met a level merge took 3.6x its usual time).
        merger = await Merger.beside(config.database())
        try:
            report = await ingest(store, config.sources)
        finally:
            if merger is not None:
                await merger.stop()
        counts = await store.counts()
    for src in report.sources:
        print(src.line())
        for path, reason in src.failures[:20]:
            print(f"  failed {path}: {reason}")
        if len(src.failures) > 20:
            print(f"  … and {len(src.failures) - 20} more failed posts")
    print(f"total: papers new {report.papers_new}; database {config.database_name()} holds "
          f"{counts['papers']} papers in {counts['posts']} posts")
    if not report.ok:
        return 1
    unfetched = [s for s in report.sources if s.incomplete]
    if unfetched:  # the run went on without them: say so, and exit apart from success for cron and CI
        print(f"incomplete: {sum(s.posts_failed for s in unfetched)} posts of "
              f"{', '.join(s.name for s in unfetched)} could not be fetched; the next run tries them again",
              file=sys.stderr)
        return INGEST_INCOMPLETE
    return 0


async def cmd_search(config: Config, args: argparse.Namespace) -> int:
    from bot.operate import open_for_reading
    from jobs.find import filters_that_empty, run_search
    from jobs.search.query import QueryError

    database = config.database()
    if database.path is not None and not Path(database.path).exists():
        print(f"no database at {database.path}: run `{hint('ingest')}` first", file=sys.stderr)
        return 1
    store = await open_for_reading(config)  # read-only, never migrated
    if isinstance(store, str):
        print(f"search: {store}", file=sys.stderr)
        return 1
    async with store:
        try:
            page = await run_search(store, " ".join(args.query), topic=args.topic, after=args.after,
                                    before=args.before, limit=args.limit, offset=args.offset)
        except QueryError as exc:
            print(f"search: {exc}", file=sys.stderr)
            return 2
        why = ""
        if not page.total:  # say why: an empty database, or the filter that emptied the result
            held = (await store.counts())["papers"]
            if not held:
                why = (f": the database {config.database_name()} holds 0 papers; `{hint('ingest')}` fetches the "
                       "sources into it")
            else:
                unfiltered, emptied = await filters_that_empty(store, page)
                if unfiltered and emptied:
                    why = (f": {unfiltered} match without {' and '.join('--' + f for f in emptied)}, which "
                           "leaves none")
                elif unfiltered:
                    why = f": {unfiltered} match without the filters, none with all of them together"
                else:
                    why = f" among the {held} papers in the database"
    for note in page.notes:
        print(note, file=sys.stderr)
    for n, result in enumerate(page.results, start=page.offset + 1):
        paper = result.paper
        links = {"abs": paper.abs_url, **paper.links}
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
        print(f"no results for {page.query.text!r}" + (f" past {page.total}" if page.total else why), file=sys.stderr)
    elif not args.json:
        more = f"; --offset {page.offset + len(page.results)} for more" if page.has_more else ""
        print(f"{page.offset + 1}-{page.offset + len(page.results)} of {page.total}{more}", file=sys.stderr)
    return 0


def _describe_fatal(exc: BaseException, database: str | Path | None = None) -> str:
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
