"""`python -m bot run` without a token: one real digest cycle into the database, printed instead of posted."""

from __future__ import annotations

from itertools import groupby

from bot.ui.digest_message import PAGE_SIZE, digest_embed, page_count
from bot.ui.embeds import embed_text
from jobs.config import Config
from jobs.pipeline import ingest
from jobs.store import Store

CONNECT_HELP = """\
This was a dry run: nothing was posted. To connect Paperboy to Discord:
  1. Create an application at https://discord.com/developers/applications, add a Bot, copy its token.
  2. Put it in the environment or in a .env file here:  DISCORD_TOKEN=your-token
  3. Run `python -m bot run` again; it logs an invite link (scopes bot + applications.commands).
  4. In your server: /feed add channel:#papers topic:all   (see README.md)"""


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
              "posts beside the repository: python -m bot --config config/local.example.yaml run --dry-run\n")
    elif not papers:
        print("No new papers since the last cycle: nothing would be posted.")
    # As a new feed posts them: one digest message per topic and day, every page of it.
    for (topic, date), group in groupby(papers, key=lambda p: (p.topic, p.date)):
        items = list(group)
        day = {"topic": topic, "date": date, "papers": [p.arxiv_id for p in items]}
        for page in range(page_count(len(items))):
            print(embed_text(digest_embed(day, items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE], page)))
            print()
        print("=" * 72 + "\n")
    print(CONNECT_HELP)
    return 0 if report.ok else 1
