"""The ranking index's merger (issue 20): a process of its own that merges the index's segments
(jobs/store/rank_index.py) in short transactions, so that no ingest pays for merging, and the bot's event
loop never waits for it (another process: its own GIL, and the machine's other core).

The bot starts it (`Merger.start`) when it runs the schedule, and stops it when it closes; it also ends by
itself when the bot is gone (its stdin, a pipe from the bot, reaches its end: however the bot ended) and on
SIGTERM or SIGINT. Each piece of work is one transaction through the store's transaction helper (about
rank_index.MERGER_ROWS posting rows, or the fresh segments when due): killed in the middle, it is rolled back
and the index is as it was. It says it is at work in `meta` (rank_index.beat) at every piece, and every BEAT_S
when idle; while it does, ingests leave the merging to it, and merge themselves only what it left overdue.

    PAPERBOY_DATABASE_URL=... python -m jobs.ops.rank_merger
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time

from jobs.database_url import ENV_VAR, DatabaseUrl, DatabaseUrlError, parse_database_url
from jobs.fatal import FatalError
from jobs.ops.logsetup import configure_logging
from jobs.store import rank_index
from jobs.store.backends import open_database

log = logging.getLogger(__name__)

BEAT_S = 10.0  # idle: a look for work (and a beat) this often; well inside rank_index.MERGER_ALIVE_S
PAUSE_S = 0.05  # after a piece of work, at least this long (and as long as it took) without the write lock
RETRY_S = 5.0  # after a failed piece (a lost connection, a lock held too long), try again after this
STOP_S = 10.0  # `Merger.stop` waits this long for the piece in flight, then kills the process


async def run(url: DatabaseUrl, stop: asyncio.Event, *, rows: int | None = None) -> None:
    """Merge until `stop` is set: a piece (`rows` posting rows; default rank_index.MERGER_ROWS), a pause
    as long as the piece (so that the bot's writes, which wait for the same lock, go between two pieces),
    and when there is nothing to merge, a look every BEAT_S."""
    rows = rows or rank_index.MERGER_ROWS
    owners = rank_index.Owners()  # one merge's papers, read once for all its pieces
    store = await open_database(url)
    try:
        while not stop.is_set():
            began = time.monotonic()
            try:
                worked = await store.merge_index(rows, owners)
            except Exception as exc:  # a lost connection, a writer holding the lock past the busy timeout
                log.warning("merging the ranking index failed (%s: %s); trying again in %.0f s",
                            type(exc).__name__, exc, RETRY_S)
                worked, pause = False, RETRY_S
                owners = rank_index.Owners()  # what the failed piece read is not kept
            else:
                pause = max(PAUSE_S, time.monotonic() - began) if worked else BEAT_S
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
    finally:
        await store.close()


async def _serve(url: DatabaseUrl) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def parent_gone() -> None:  # the bot closed the pipe, or ended: its end of the pipe is closed
        try:
            ended = not os.read(sys.stdin.fileno(), 4096)
        except OSError:
            ended = True
        if ended:
            loop.remove_reader(sys.stdin.fileno())
            stop.set()

    # Run by hand with stdin a file or /dev/null (no pipe to watch): it ends on SIGTERM or Ctrl-C alone.
    with contextlib.suppress(ValueError, OSError):
        loop.add_reader(sys.stdin.fileno(), parent_gone)
    await run(url, stop)


def main() -> int:
    configure_logging()
    text = os.environ.get(ENV_VAR)
    if not text:
        log.error("%s is not set: no database to merge", ENV_VAR)
        return 2
    try:
        asyncio.run(_serve(parse_database_url(text, ENV_VAR)))
    except (FatalError, DatabaseUrlError) as exc:  # the database unreachable or unusable: one plain line
        log.error("the ranking index merger cannot run: %s", exc)
        return 1
    return 0


class Merger:
    """The merger process, as its parent (the bot) holds it."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = dict(os.environ, **{ENV_VAR: self.url.url})  # never in argv: a URL may hold a password
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "jobs.ops.rank_merger", stdin=asyncio.subprocess.PIPE, env=env)
        log.info("ranking index merger started (pid %d)", self.process.pid)

    @classmethod
    async def beside(cls, url: DatabaseUrl) -> Merger | None:
        """A merger started for a process that ingests into `url`; None when it could not start (said: the
        ingests then merge the index themselves, as before)."""
        merger = cls(url)
        try:
            await merger.start()
        except OSError as exc:
            log.warning("could not start the ranking index merger (%s): ingests merge the index themselves", exc)
            return None
        return merger

    async def stop(self, timeout: float = STOP_S) -> int | None:
        """Ask it to end (the pipe closed: the piece in flight finishes), kill it after `timeout`; its exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.stdin is not None:
            process.stdin.close()
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            log.warning("the ranking index merger did not stop within %.0f s: killed (its piece is rolled back)",
                        timeout)
            process.kill()
            return await process.wait()


if __name__ == "__main__":
    sys.exit(main())
