"""The README's screenshots, rendered from the real bot: SimCord runs Paperboy (create_bot, the demo config and
samples/) in an in-memory Discord, members run the real commands and click the real buttons, and SimCord's
preview draws what they see in headless Chromium. Nothing is drawn by hand; rerun this after any change to
how papers look:

    pip install -e '.[dev,screenshots]'          # simcord[preview,screenshot]: the preview and Playwright
    apt-get install -y chromium                   # Playwright's own browser download is not needed
    python scripts/screenshots.py                 # writes docs/screenshots/*.png
    python scripts/screenshots.py --measure       # also: a 30-paper day's height in each style (digest: one page of 5)

Options: --out DIR, --chromium PATH (default: $CHROMIUM or /usr/bin/chromium), --width PX.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import simcord  # noqa: E402

from bot import create_bot  # noqa: E402
from jobs.config_load import load_config  # noqa: E402

# Chromium as the probe of this machine runs it: no sandbox (root), and no background connections,
# which a closed network refuses many at a time.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DAYS = ("2026-11-16", "2026-11-17", "2026-11-18")  # samples/kedreamix/<day>/<Topic>.md


def use_system_chromium(path: str) -> None:
    """SimCord launches Playwright's bundled Chromium; launch the system's instead."""
    from simcord.preview._capture import ManagedCapture

    async def ensure_browser(self: ManagedCapture) -> Any:
        if self._browser is None:
            from playwright.async_api import async_playwright

            self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        return self._browser

    ManagedCapture._ensure_browser = ensure_browser  # type: ignore[method-assign]


@contextmanager
def demo_posts() -> Iterator[Path]:
    """A scratch folder: a copy of samples/ the script releases day by day, and the database."""
    with tempfile.TemporaryDirectory(prefix="paperboy-shots-") as tmp:
        for fmt in ("kedreamix", "daily-arxiv"):
            (Path(tmp) / fmt).mkdir()
        yield Path(tmp)


def release(tmp: Path, day: str) -> None:
    """The sample posts of `day`, in both formats, appear in the sources' folders."""
    shutil.copytree(ROOT / "samples" / "kedreamix" / day, tmp / "kedreamix" / day)
    for post in (ROOT / "samples" / "daily-arxiv").glob(f"{day}_*"):
        shutil.copy(post, tmp / "daily-arxiv" / post.name)


async def shoot(preview: Any, name: str, out: Path, **kw: Any) -> Path:
    path = out / f"{name}.png"
    report = await preview.screenshot(path, allow_incomplete=True, **kw)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}: ready={report.ready} "
          f"complete={report.complete}")
    return path


async def shoot_top(preview: Any, name: str, out: Path, *, viewer: Any, width: int, height: int) -> Path:
    """The channel from its first message down, at most `height` pixels of it (a capture shows the
    newest messages when the channel is taller than the window: take a tall one and keep its top)."""
    from PIL import Image

    path = await shoot(preview, name, out, viewer=viewer, mode="viewport", viewport=(width, 12000))
    with Image.open(path) as image:
        _, last = content_rows(image)
        top = image.crop((0, 0, width, min(height, last + 24)))
    top.save(path, optimize=True)
    return path


async def main(out: Path, width: int, measure: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with demo_posts() as tmp:
        config = load_config(ROOT / "config" / "demo.yaml")
        sources = [replace(s, path=str(tmp / s.format)) for s in config.sources]
        config = replace(config, database_path=tmp / "demo.db", sources=sources)
        release(tmp, DAYS[0])
        release(tmp, DAYS[1])
        bot = create_bot(config, scheduler=False)
        try:
            async with simcord.run(bot, settle_timeout=120) as env:
                await world(env, bot, tmp, out, width, measure)
        finally:
            if bot._store is not None:
                await bot._store.close()


async def world(env: Any, bot: Any, tmp: Path, out: Path, width: int, measure: bool) -> None:
    env.backend.edit_bot_profile("Paperboy")
    guild = env.create_guild(name="Vision Reading Group")
    general = guild.create_text_channel("general")
    channel = guild.create_text_channel("3dgs-daily")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof_li", global_name="Prof. Li"), roles=[admins])
    reader = guild.add_member(env.create_user("mei", global_name="Mei"))
    await bot.run_digest()  # the first two days: stored, posted nowhere yet
    await admin.slash(channel, "feed add", channel=channel, topic="3DGS")
    await reader.slash(general, "subscribe", keyword="gaussian")
    release(tmp, DAYS[2])
    summary = await bot.run_digest()  # the newest day: to the channel, and Mei's matches by DM
    print(summary.text())

    async with env.preview(channel, viewers=[reader], layout="channel", width=width, height=1400) as preview:
        await shoot_top(preview, "digest", out, viewer=reader, width=width, height=1400)
        day = next(m for m in reversed(channel.history()) if m.embeds)  # the day's first message
        menu = next((c for row in day.components for c in row.children
                     if isinstance(c, discord.SelectMenu) and c.options), None)
        if menu is not None:  # a digest message: open its first paper from "Open a paper…"
            opened = await reader.select(day, [menu.options[0].value], custom_id=menu.custom_id)
        else:  # cards: open the first card's paper with /paper
            first = next(m for m in reversed(channel.history()) if m.embeds and m.embeds[0].url)
            opened = await reader.slash(channel, "paper", id=first.embeds[0].url.rsplit("/", 1)[-1])
        await shoot(preview, "card", out, viewer=reader, target=opened)
        found = await reader.slash(channel, "search", query="gaussian")
        await shoot(preview, "search", out, viewer=reader, target=found)
        toggled = await reader.click(opened.response, label="🌐 English")
        await shoot(preview, "card-english", out, viewer=reader, target=toggled)
    dm = reader.user.dm_channel
    async with env.preview(dm, viewers=[reader.user], layout="channel", width=width, height=1400) as preview:
        await shoot(preview, "dm", out, viewer=reader.user, target=dm.history()[0], mode="viewport")
    if measure:
        await measure_day(env, bot, tmp, out, width)


MEASURED_TOPIC, MEASURED_DAY, MEASURED_PAPERS = "Reading Group", "2026-11-19", 30


def thirty_paper_post(tmp: Path) -> None:
    """One Kedreamix post of 30 papers: the sample papers again, under fresh ids, as one long day."""
    sections: list[str] = []
    for post in sorted((ROOT / "samples" / "kedreamix").glob("*/*.md")):
        body = post.read_text(encoding="utf-8").split("\n## ")[1:]
        sections += ["## " + part.split("\n# ")[0].rstrip() for part in body]
    head = (f"---\ntitle: {MEASURED_TOPIC}\ndate: {MEASURED_DAY} 09:00:00\ntags:\n    - {MEASURED_TOPIC}\n---\n\n"
            f"# {MEASURED_DAY} 更新\n\n")
    papers = []
    for n in range(MEASURED_PAPERS):
        text = sections[n % len(sections)]
        papers.append(re.sub(r"2611\.9\d{4}", f"2611.98{n:03d}", text))
    folder = tmp / "kedreamix" / MEASURED_DAY
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{MEASURED_TOPIC}.md").write_text(head + "\n\n".join(papers) + "\n", encoding="utf-8")


def content_rows(image: Any) -> tuple[int, int]:
    """The first and last rows of a channel capture, between the title bar and the message box, that
    are not all background (Discord's grey)."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    background = rgb.getpixel((width - 2, height // 2))
    header, composer = 48, 80  # the channel's title bar; the message box and its margin
    rows = [y for y in range(header, height - composer)
            if any(rgb.getpixel((x, y)) != background for x in range(0, width - 20, 3))]
    return (rows[0], rows[-1]) if rows else (header, header)


def content_height(path: Path) -> int:
    """Pixels from the top of the first message to the bottom of the last in a channel capture taller
    than its content."""
    from PIL import Image

    with Image.open(path) as image:
        first, last = content_rows(image)
    return last - first + 1 if last > first else 0


async def measure_day(env: Any, bot: Any, tmp: Path, out: Path, width: int) -> dict[str, int]:
    """The height of a channel's 30-paper day, in each feed style this Paperboy offers."""
    guild = env.create_guild(name="Measuring")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("measurer"), roles=[admins])
    member = guild.add_member(env.create_user("member"))  # sees the channel, not the admin's replies
    await bot.run_digest()
    thirty_paper_post(tmp)
    await bot.run_digest()  # stored: the feeds below post it as their first day
    styles = feed_styles(bot)
    heights: dict[str, int] = {}
    for style in styles:
        channel = guild.create_text_channel(f"day-{style}")
        options = {"style": style} if style != "cards" or len(styles) > 1 else {}
        await admin.slash(channel, "feed add", channel=channel, topic=MEASURED_TOPIC, **options)
        await bot.run_digest(guild_id=guild.id)
        async with env.preview(channel, viewers=[member], layout="channel", width=width, height=2000) as preview:
            path = await shoot(preview, f"day-{style}", Path(os.environ.get("MEASURE_DIR", tmp)), viewer=member,
                               target=channel.history()[-1], mode="viewport", viewport=(width, 30000))
        heights[style] = content_height(path)
        print(f"a {MEASURED_PAPERS}-paper day in the {style} style: {len(channel.history())} messages, "
              f"{heights[style]} px high at {width} px wide")
    return heights


def feed_styles(bot: Any) -> list[str]:
    """The `style` choices of /feed add, or just the cards when there is no such option yet."""
    feed = bot.tree.get_command("feed")
    add = feed.get_command("add") if feed is not None else None
    param = add.get_parameter("style") if add is not None else None
    return [str(c.value) for c in param.choices] if param is not None and param.choices else ["cards"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--width", type=int, default=960)
    parser.add_argument("--measure", action="store_true")
    args = parser.parse_args()
    if not Path(args.chromium).exists():
        sys.exit(f"screenshots: no Chromium at {args.chromium}; apt-get install -y chromium, or pass --chromium")
    missing = [m for m in ("playwright", "aiohttp", "PIL", "markdown_it") if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(f"screenshots: SimCord's preview needs {', '.join(missing)}; pip install -e '.[screenshots]'")
    use_system_chromium(args.chromium)
    asyncio.run(main(args.out, args.width, args.measure))
