"""`bash scripts/demo.sh` (`paperboy demo`): the real bot on the sample posts, inside SimCord (a simulated
Discord), served in the browser. No token, no network: a server with #papers, a feed per sample topic, one digest cycle.

An entry point like bot/cli.py, so it may build the app (bot.app) itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import logging
import signal
import sys
import tempfile
import webbrowser
from pathlib import Path

import discord

from bot.app import PaperboyBot, create_bot
from jobs.config import Config

# SimCord's preview runtime (its `preview` extra): checked up front, to say how to install it.
PREVIEW_MODULES = ("simcord", "aiohttp", "markdown_it", "linkify_it", "regex", "PIL")
INSTALL_HINT = "run bash scripts/demo.sh (it installs what is missing)"


def missing_preview() -> list[str]:
    return [m for m in PREVIEW_MODULES if importlib.util.find_spec(m) is None]


def run_demo(config: Config, *, open_browser: bool, check: bool, port: int | None) -> int:
    missing = missing_preview()
    if missing:
        print(f"demo: SimCord's browser preview is not installed (missing {', '.join(missing)}): {INSTALL_HINT}",
              file=sys.stderr)
        return 1
    # Ctrl-C stops the demo even when the shell started it with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # A fresh database each time, so every demo starts like a newcomer's first run.
    with tempfile.TemporaryDirectory(prefix="paperboy-demo-") as tmp:
        cfg = dataclasses.replace(config, database_path=Path(tmp) / "demo.db")
        try:
            return asyncio.run(_demo(cfg, open_browser=open_browser, check=check, port=port))
        except KeyboardInterrupt:
            print("\ndemo stopped.")
            return 0


async def _demo(config: Config, *, open_browser: bool, check: bool, port: int | None) -> int:
    # SimCord probes discord.py with a client that has no intents, which makes discord.state warn
    # "Guilds intent seems to be disabled" about a client that is not ours.
    logging.getLogger("discord.state").setLevel(logging.ERROR)
    import simcord

    bot: PaperboyBot = create_bot(config, scheduler=False)
    try:
        async with simcord.run(bot) as env:
            bot.clock = env.now  # the simulated world's time, so the samples' dates are recent
            guild = env.create_guild(name="Paperboy demo")
            papers = guild.create_text_channel("papers")
            admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
            you = guild.add_member(env.create_user("you"), roles=[admins])

            first = await bot.run_digest(trigger="demo")  # topics are known after the first cycle
            topics = await bot.store.known_topics()
            for topic in topics:
                await you.slash(papers, "feed add", channel=papers, topic=topic)
            summary = await bot.run_digest(trigger="demo")
            await env.settle()
            posted = [m for m in papers.history() if m.embeds]
            # A digest message carries a day's papers: count the papers, not the messages.
            print(f"Demo server ready: #papers has feeds for {', '.join(topics)}; one digest cycle posted "
                  f"{summary.send.papers} papers.")
            if check:
                # The first cycle stored the papers, the second posted them: its sources had nothing new.
                print(dataclasses.replace(summary, ingest=first.ingest).text())
                for message in papers.history():
                    line = (message.content.splitlines() or [""])[0].replace("**", "") or message.embeds[0].title
                    print(f"  #papers: {line}")
                return 0 if posted else 1
            async with env.preview(papers, viewers=[you], layout="channel", port=port) as preview:
                print(f"\nOpen {preview.url}\n(the address carries a key: keep it to yourself). You are `you`, "
                      "an admin: under a day of papers, Next ▶ pages it for you alone, Open a paper… shows a "
                      "paper's full card (Abstract, 💬 Discuss) and 🌐 English reads it in English; try "
                      "/search gaussian, /latest, /subscribe keyword:avatar. Ctrl-C stops the demo.")
                if open_browser:
                    webbrowser.open(preview.url)
                await preview.wait_closed()
            return 0
    finally:
        if bot._store is not None:
            await bot._store.close()
