"""`python -m bot run` without a token: one real digest cycle into the database, printed instead of posted."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ui.embeds import embed_text, paper_embed
from bot.ui.render import footer_line, header_line
from jobs.config import Config
from jobs.models import Paper
from jobs.pipeline import ingest
from jobs.store import Store

CONNECT_HELP = """\
This was a dry run: nothing was posted. To connect Paperboy to Discord:
  1. Create an application at https://discord.com/developers/applications, add a Bot, copy its token.
  2. Put it in the environment or in a .env file here:  DISCORD_TOKEN=your-token
  3. Run `python -m bot run` again; it logs an invite link (scopes bot + applications.commands).
  4. In your server: /feed add channel:#papers topic:all   (see README.md)"""


@dataclass(slots=True)
class FeedPreview:
    topic: str
    date: str  # the topic's newest post
    papers: list[Paper]  # that post's papers, at most a cycle's worth
    more: int  # that post's papers over the limit


def first_deliveries(papers: list[Paper], limit: int) -> list[FeedPreview]:
    """What a new feed for each topic would post: the topic's newest post only (as /feed add's first
    delivery does), at most `limit` papers; the topics with the newest posts first."""
    newest: dict[str, str] = {}
    for p in papers:
        newest[p.topic] = max(newest.get(p.topic, ""), p.date)
    previews = []
    by_topic = sorted(newest.items(), key=lambda item: item[0].casefold())
    for topic, day in sorted(by_topic, key=lambda item: item[1], reverse=True):
        items = [p for p in papers if p.topic == topic and p.date == day]
        previews.append(FeedPreview(topic, day, items[:limit], max(0, len(items) - limit)))
    return previews


def print_feeds(previews: list[FeedPreview], ingested: int, config: Config) -> None:
    limit = config.feeds.max_per_cycle
    print(f"This cycle stored {ingested} new papers. Below is what a feed for each topic would post "
          f"on its first delivery: the topic's newest post, at most {limit} papers (feeds.max_per_cycle), not "
          "the whole archive; later cycles post each new paper once.\n")
    for f in previews:
        print(header_line({"feed_topic": f.topic, "count": len(f.papers) + f.more, "dates": [f.date],
                           "topics": [f.topic]}))
        for paper in f.papers:
            print()
            print(embed_text(paper_embed(paper, images=config.feeds.images)))
        if f.more:
            print(footer_line({"feed_topic": f.topic, "more": f.more, "shown": limit}))
        print("\n" + "=" * 72 + "\n")


async def dry_run(config: Config) -> int:
    async with await Store.open(config.database_path) as store:
        cursor = await store.appearance_cursor()
        report = await ingest(store, config.sources)
        papers = await store.papers_since(cursor)
    for src in report.sources:
        print(src.line())
    print()
    if not papers and not report.ok:
        print("No new papers: a source could not be read (see above). To try Paperboy offline on the sample\n"
              "posts shipped with it: python -m bot --config config/demo.yaml run --dry-run\n")
    elif not papers:
        print("No new papers since the last cycle: nothing would be posted.")
    else:
        print_feeds(first_deliveries(papers, config.feeds.max_per_cycle), report.papers_new, config)
    print(CONNECT_HELP)
    return 0 if report.ok else 1
