"""Issue 21, item 2: the README's demo instructions name what is on the screen. The demo's setup (the sample
posts, a server with #papers and a feed per topic, as bot/demo.py makes it) runs through SimCord; every
control the README tells you to click must be a label on the day's message or on the card it opens, and the
demo's own printed instructions name the same controls."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import discord

from bot.cli import DEMO_CONFIG
from jobs.config_load import load_config
from tests.engines import SQLITE_ONLY
from tests.test_digest_language import labels

ROOT = Path(__file__).resolve().parents[1]


def readme_controls() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    demo = text[text.index("are `you`"):]
    demo = demo[:demo.index("`/search gaussian`")]
    return re.findall(r"\*\*([^*]+)\*\*", demo)


@SQLITE_ONLY  # the demo runs on its own SQLite file, as `paperboy demo` does
async def test_the_readme_names_the_controls_the_demo_shows(tmp_path: Path, make_bot) -> None:  # type: ignore[no-untyped-def]
    import simcord

    config = dataclasses.replace(load_config(DEMO_CONFIG), database_path=tmp_path / "demo.db")
    bot = make_bot(config)
    async with simcord.run(bot) as env:
        bot.clock = env.now
        guild = env.create_guild(name="Paperboy demo")
        papers = guild.create_text_channel("papers")
        admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        you = guild.add_member(env.create_user("you"), roles=[admins])
        await bot.run_digest(trigger="demo")
        for topic in await bot.store.known_topics():
            await you.slash(papers, "feed add", channel=papers, topic=topic)
        await bot.run_digest(trigger="demo")
        await env.settle()
        day = next(m for m in papers.history() if m.components)
        first = re.search(r"arxiv\.org/abs/(\d{4}\.\d{4,5})", day.embeds[0].url or day.embeds[0].description or "")
        assert first, day.embeds[0].to_dict()
        card = (await you.select(day, [first.group(1)])).response
        # Every day's message (a day of more than five papers has Next ▶) and the card a menu opens.
        on_screen = {label for m in papers.history() for label in labels(m)} | set(labels(card))

    controls = readme_controls()
    assert {"Next ▶", "Open a paper…", "🌐 English"} <= set(controls), controls
    assert set(controls) <= on_screen, f"the README names {sorted(set(controls) - on_screen)}; shown: {on_screen}"
    demo_source = (ROOT / "bot" / "demo.py").read_text(encoding="utf-8")
    assert all(control in demo_source for control in ("Next ▶", "Open a paper…", "🌐 English"))
