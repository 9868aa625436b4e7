"""`paperboy run` without a token: one real digest cycle into the database, printed instead of posted."""

from __future__ import annotations

from bot.ui.embeds import embed_text
from bot.ui.paper_pages import PAGE_SIZE, header, page_count, page_embeds
from jobs.command import command, demo_command
from jobs.config import Config
from jobs.models import Paper
from jobs.pipeline import ingest
from jobs.plan.rank import rank_day
from jobs.records import PagedDay
from jobs.store.backends import open_database

CONNECT_HELP = f"""\
This was a dry run: nothing was posted. To connect Paperboy to Discord:
  1. Create an application at https://discord.com/developers/applications, add a Bot, copy its token.
  2. Put it in the environment or in a .env file here:  DISCORD_TOKEN=<the token>
  3. Run `{command("run")}` again; it logs an invite link (scopes bot + applications.commands).
  4. In your server: /feed add channel:#papers topic:all   (see README.md)"""


def newest_days(papers: list[Paper]) -> list[tuple[str, str, list[Paper]]]:
    """What a new feed for each topic would post: the topic's newest post only (as /feed add's first
    delivery does), as (topic, date, papers); the topics with the newest posts first."""
    newest: dict[str, str] = {}
    for p in papers:
        newest[p.topic] = max(newest.get(p.topic, ""), p.date)
    by_topic = sorted(newest.items(), key=lambda item: item[0].casefold())
    return [(topic, day, [p for p in papers if p.topic == topic and p.date == day])
            for topic, day in sorted(by_topic, key=lambda item: item[1], reverse=True)]


def print_feeds(days: list[tuple[str, str, list[Paper]]], ingested: int) -> None:
    print(f"This cycle stored {ingested} new papers. Below is what a new feed for each topic would post on its "
          "first delivery: the topic's newest post as one digest message (every page shown), not the whole "
          "archive; later cycles post each new day once.\n")
    for topic, date, items in days:
        ranked = [items[i] for i in rank_day(items)]
        day = PagedDay("digest", [p.arxiv_id for p in ranked], topic, date)
        for page in range(page_count(len(ranked))):
            print("## " + header(day, page, "en").replace("**", ""))
            for embed in page_embeds(day, ranked[page * PAGE_SIZE:(page + 1) * PAGE_SIZE], page * PAGE_SIZE + 1):
                print(embed_text(embed))
                print()
        print("=" * 72 + "\n")


async def dry_run(config: Config) -> int:
    async with await open_database(config.database()) as store:
        cursor = await store.appearance_cursor()
        report = await ingest(store, config.sources)
        papers = await store.papers_since(cursor)
    for src in report.sources:
        print(src.line())
    print()
    if not papers and not report.ok:
        print("No new papers: a source could not be read (see above; the default config reads GitHub, so it\n"
              "needs the network). To try Paperboy offline on the sample posts shipped with it: in a browser,\n"
              f"{demo_command()}; in the terminal, {command('--config config/demo.yaml run --dry-run')}\n")
    elif not papers:
        print(f"No new papers since the last cycle: nothing would be posted. Each paper is shown once; to see the\n"
              f"first delivery again, start from an empty database: delete {config.database_path}\n")
    else:
        print_feeds(newest_days(papers), report.papers_new)
    print(CONNECT_HELP)
    return 0 if report.ok else 1
