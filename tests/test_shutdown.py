"""A graceful stop of the bot (issue 9): a real SIGTERM, delivered to this process while the digest is
sending, through the handler `python -m bot run` installs (bot.app.stop_on_signals). The send in flight
finishes, nothing else starts, the database closes; the next start sends the rest, nothing twice.
(The exit code and the log line of a real process are in tests/test_process.py, on the dry run and
ingest: the bot itself cannot log in to Discord from a test.)"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from bot.app import stop_on_signals
from tests.engines import open_store
from tests.postgen import entries, write_kedreamix
from tests.test_feed import paper_messages, setup_guild, titles


async def test_sigterm_mid_send_finishes_that_send_and_leaves_the_rest_queued(
    simcord_env, posts_dir: Path, make_bot, config
) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 5))
    _, papers, admin, _ = setup_guild(env)
    bot = env.bot
    await bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")

    # The SIGTERM arrives while Discord is answering the second message (the first paper).
    http, real, sends = bot.http, bot.http.request, []

    async def request(route: Any, **kwargs: Any) -> Any:
        if route.method == "POST" and route.url.endswith(f"/channels/{papers.id}/messages"):
            sends.append(route)
            if len(sends) == 2:
                os.kill(os.getpid(), signal.SIGTERM)
        return await real(route, **kwargs)

    http.request = request
    async with stop_on_signals(bot) as received:
        await bot.run_digest()

    assert received == ["SIGTERM"]
    assert len(sends) == 2 and titles(papers) == ["Paper 6-1 on Gaussian splatting"]  # it finished
    assert bot.is_closed() and bot._store is None  # the database is closed
    async with await open_store(config.database().url) as store:
        assert await store.outbox_counts() == {"sent": 2, "pending": 4}  # nothing lost

    # The next start sends the rest, once.
    await env.restart_bot(make_bot())
    await env.settle()
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in range(1, 6)]
    assert len(papers.history()) == 6 and len(paper_messages(papers)) == 5
