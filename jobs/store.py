"""The one module that speaks SQL. Everything Paperboy keeps lives in one SQLite file (WAL mode).

Papers are deduplicated by arXiv id (without version); each time a paper is listed in a post is an
*appearance* (paper x post, with the post's topic and date). Appearance ids only grow, so "what is
new since X" is always "appearances with id > X".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from jobs.matching import matching_keyword
from jobs.models import Paper, ParsedPost
from jobs.search_text import index_text
from jobs.sources.base import Fetched, PostRef

T = TypeVar("T")

MIGRATIONS: list[str] = [
    # 1: sources, posts with fetch state, papers, appearances, full-text index.
    """
    CREATE TABLE sources (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        kind          TEXT NOT NULL,
        format        TEXT NOT NULL,
        location      TEXT NOT NULL,
        listing_etag  TEXT,
        last_run_at   TEXT,
        last_error    TEXT
    );
    CREATE TABLE posts (
        id             INTEGER PRIMARY KEY,
        source_id      INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        path           TEXT NOT NULL,
        version        TEXT NOT NULL,
        etag           TEXT,
        last_modified  TEXT,
        status         TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
        error          TEXT,
        topic          TEXT,
        post_date      TEXT,
        paper_count    INTEGER NOT NULL DEFAULT 0,
        fetched_at     TEXT NOT NULL,
        UNIQUE (source_id, path)
    );
    CREATE TABLE papers (
        id          INTEGER PRIMARY KEY,
        arxiv_id    TEXT NOT NULL UNIQUE,
        version     INTEGER,
        title       TEXT NOT NULL,
        authors     TEXT NOT NULL DEFAULT '[]',
        abstract    TEXT NOT NULL DEFAULT '',
        summary     TEXT NOT NULL DEFAULT '',
        takeaways   TEXT NOT NULL DEFAULT '[]',
        comment     TEXT NOT NULL DEFAULT '',
        links       TEXT NOT NULL DEFAULT '{}',
        images      TEXT NOT NULL DEFAULT '[]',
        flags       TEXT NOT NULL DEFAULT '[]',
        first_seen  TEXT NOT NULL
    );
    CREATE TABLE appearances (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        paper_id   INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        topic      TEXT NOT NULL,
        post_date  TEXT NOT NULL,
        position   INTEGER NOT NULL,
        UNIQUE (paper_id, post_id)
    );
    CREATE INDEX appearances_post ON appearances (post_id);
    CREATE INDEX appearances_topic_date ON appearances (topic, post_date);
    CREATE VIRTUAL TABLE papers_fts USING fts5 (
        title, authors, abstract, summary, takeaways, ids,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
    );
    """,
    # 2: channel feeds, digest cycles, and the outbox every delivery goes through before Discord.
    """
    CREATE TABLE cycles (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        trigger      TEXT NOT NULL,
        guild_id     INTEGER,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        summary      TEXT
    );
    CREATE TABLE feeds (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id       INTEGER NOT NULL,
        channel_id     INTEGER NOT NULL,
        topic          TEXT NOT NULL,
        keywords       TEXT NOT NULL DEFAULT '[]',
        cursor         INTEGER,
        paused_reason  TEXT,
        created_by     INTEGER,
        created_at     TEXT NOT NULL,
        UNIQUE (channel_id, topic)
    );
    CREATE INDEX feeds_guild ON feeds (guild_id);
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        cycle_id    INTEGER NOT NULL REFERENCES cycles(id),
        kind        TEXT NOT NULL CHECK (kind IN ('channel', 'dm')),
        target_id   INTEGER NOT NULL,
        guild_id    INTEGER,
        feed_id     INTEGER,
        payload     TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0,
        message_id  INTEGER,
        error       TEXT,
        created_at  TEXT NOT NULL,
        sent_at     TEXT
    );
    CREATE INDEX outbox_pending ON outbox (status, id);
    CREATE TABLE delivered (
        kind       TEXT NOT NULL,
        target_id  INTEGER NOT NULL,
        paper_id   INTEGER NOT NULL,
        outbox_id  INTEGER NOT NULL,
        PRIMARY KEY (kind, target_id, paper_id)
    ) WITHOUT ROWID;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    """,
    # 3: search: a paper's appearances by date (latest matching appearance, date filters).
    """
    CREATE INDEX appearances_paper_date ON appearances (paper_id, post_date, topic);
    CREATE INDEX appearances_date ON appearances (post_date);
    """,
    # 4: personal subscriptions, and what we know of each subscriber's DMs.
    """
    CREATE TABLE subscriptions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id       INTEGER NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('topic', 'keyword', 'author')),
        value         TEXT NOT NULL,
        folded        TEXT NOT NULL,
        paper_cursor  INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        UNIQUE (user_id, kind, folded)
    );
    CREATE TABLE dm_users (
        user_id        INTEGER PRIMARY KEY,
        dm_channel_id  INTEGER,
        closed_reason  TEXT,
        closed_at      TEXT,
        told           INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 5: search: the papers a topic/date filter selects, read from an index alone (these
    #    replace the narrower appearances_topic_date and appearances_date).
    """
    CREATE INDEX appearances_topic_date_paper ON appearances (topic, post_date, paper_id);
    DROP INDEX appearances_topic_date;
    CREATE INDEX appearances_date_paper ON appearances (post_date, paper_id);
    DROP INDEX appearances_date;
    """,
    # 6: the full-text index keeps no copy of the text (contentless): the papers table has it, and
    #    search reads only rowids and bm25 from the index. About a quarter of the file on real posts.
    #    Rows are rebuilt exactly as _fts_row makes them, so a later 'delete' matches.
    """
    DROP TABLE papers_fts;
    CREATE VIRTUAL TABLE papers_fts USING fts5 (
        title, authors, abstract, summary, takeaways, ids,
        content = '', tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4'
    );
    INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids)
    SELECT id, title,
        coalesce((SELECT group_concat(value, ', ') FROM json_each(papers.authors)), ''),
        abstract, pb_index_text(summary),
        pb_index_text(coalesce((SELECT group_concat(value, char(10)) FROM json_each(papers.takeaways)), '')),
        arxiv_id || ' ' || replace(arxiv_id, '.', '') || ' arxiv' || arxiv_id
    FROM papers;
    """,
]

_PAPER_COLUMNS = (
    "p.arxiv_id, p.version, p.title, p.authors, p.abstract, p.summary, p.takeaways, p.comment, "
    "p.links, p.images, p.flags"
)


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class PostState:
    version: str
    etag: str | None
    last_modified: str | None
    status: str


@dataclass(slots=True)
class PostOutcome:
    new_papers: int
    appearances: int


ALL_TOPICS = "all"


@dataclass(slots=True)
class Feed:
    id: int
    guild_id: int
    channel_id: int
    topic: str  # a topic, or "all"
    keywords: list[str]
    cursor: int | None  # the last appearance id this feed has considered; None: never delivered
    paused_reason: str | None
    created_at: str


@dataclass(slots=True)
class FeedPlan:
    feed: Feed
    papers: list[Paper]
    more: int  # wanted but over the per-cycle limit


@dataclass(slots=True)
class OutboxItem:
    id: int
    kind: str  # channel | dm
    target_id: int
    guild_id: int | None
    feed_id: int | None
    payload: dict[str, Any]  # {"header": {...}} | {"papers": [ids], "matched": {...}} | {"footer": {...}}
    attempts: int


@dataclass(slots=True)
class Subscription:
    id: int
    user_id: int
    kind: str  # topic | keyword | author
    value: str
    folded: str  # case- and accent-folded value, for duplicates and matching
    paper_cursor: int  # only papers with a larger id are for this subscription

    def label(self) -> str:
        return f"{self.kind}: {self.value}"


@dataclass(slots=True)
class DmMessage:
    """One DM to send: an optional header line and papers as (paper id, arxiv id, matched label)."""

    content: str
    papers: list[tuple[int, str, str]]

    def payload(self) -> dict[str, Any]:
        return {"content": self.content, "papers": [p[1] for p in self.papers],
                "matched": {p[1]: p[2] for p in self.papers}}


@dataclass(slots=True)
class DmState:
    user_id: int
    dm_channel_id: int | None
    closed_reason: str | None
    told: bool


@dataclass(slots=True)
class TopicInfo:
    topic: str
    papers: int
    latest: str


def _paper_from_row(row: Sequence[Any], topic: str = "", date: str = "", source: str = "",
                    path: str = "") -> Paper:
    return Paper(
        arxiv_id=row[0], version=row[1], title=row[2], authors=json.loads(row[3]), abstract=row[4],
        summary=row[5], takeaways=json.loads(row[6]), comment=row[7], links=json.loads(row[8]),
        images=json.loads(row[9]), flags=json.loads(row[10]), topic=topic, date=date, source=source,
        path=path,
    )


def _fts_row(paper_id: int, p: Paper) -> tuple[Any, ...]:
    ids = f"{p.arxiv_id} {p.arxiv_id.replace('.', '')} arxiv{p.arxiv_id}"
    return (
        paper_id, p.title, ", ".join(p.authors), p.abstract, index_text(p.summary),
        index_text("\n".join(p.takeaways)), ids,
    )


# Column weights for bm25, in papers_fts column order: title, authors, abstract, summary, takeaways, ids.
_SEARCH_BM25 = "bm25(papers_fts, 10.0, 5.0, 2.0, 2.0, 2.0, 5.0)"


@dataclass(slots=True)
class SearchHit:
    paper: Paper  # with the topic and date of its latest appearance that matches the filters
    rank: float  # bm25: lower is better; 0.0 when not ranked (id lookup, filters only)


def _appearance_filters(topic: str | None, after: str | None, before: str | None) -> tuple[str, dict[str, Any]]:
    """SQL conditions on an appearance aliased x (each starting with " AND "), and their parameters."""
    sql, params = "", {}
    if topic is not None:
        sql += " AND x.topic = :topic"
        params["topic"] = topic
    if after:
        sql += " AND x.post_date >= :after"
        params["after"] = after
    if before:
        sql += " AND x.post_date <= :before"
        params["before"] = before
    return sql, params


class Store:
    """Async access to the database. Open with `await Store.open(path)`; one writer at a time."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        # journal_mode answers with a row: an unread cursor would keep a statement open.
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "busy_timeout = 5000"):
            async with db.execute(f"PRAGMA {pragma}") as cur:
                await cur.fetchall()
        # Migrations rebuild index rows in SQL with the same Chinese bigrams as Python does.
        await db.create_function("pb_index_text", 1, index_text, deterministic=True)
        store = cls(db, path)
        try:
            await store._migrate()
        except BaseException:
            await db.close()
            raise
        return store

    async def optimize(self) -> None:
        """Refresh the query planner's statistics where they went stale (SQLite's advice for
        long-lived connections: after big changes and before closing)."""
        async with self.db.execute("PRAGMA optimize") as cur:
            await cur.fetchall()

    async def close(self) -> None:
        await self.optimize()
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = row[0] if row else 0
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"{self.path}: database schema version {current} is newer than this Paperboy "
                f"({len(MIGRATIONS)}); upgrade Paperboy or use another database.path"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            script = MIGRATIONS[version - 1]
            await self.db.executescript(f"BEGIN; {script}; PRAGMA user_version = {version}; COMMIT;")

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # ---- sources and posts -------------------------------------------------------------------

    async def upsert_source(self, name: str, kind: str, fmt: str, location: str) -> int:
        await self.db.execute(
            "INSERT INTO sources (name, kind, format, location) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, format = excluded.format, "
            "location = excluded.location",
            (name, kind, fmt, location),
        )
        async with self.db.execute("SELECT id FROM sources WHERE name = ?", (name,)) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def listing_etag(self, source_id: int) -> str | None:
        async with self.db.execute("SELECT listing_etag FROM sources WHERE id = ?", (source_id,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def finish_source_run(self, source_id: int, *, listing_etag: str | None, error: str | None) -> None:
        if error is None:
            await self.db.execute(
                "UPDATE sources SET listing_etag = ?, last_run_at = ?, last_error = NULL WHERE id = ?",
                (listing_etag, utcnow(), source_id),
            )
        else:
            await self.db.execute(
                "UPDATE sources SET last_run_at = ?, last_error = ? WHERE id = ?",
                (utcnow(), error, source_id),
            )

    async def post_states(self, source_id: int) -> dict[str, PostState]:
        async with self.db.execute(
            "SELECT path, version, etag, last_modified, status FROM posts WHERE source_id = ?", (source_id,)
        ) as cur:
            return {r[0]: PostState(r[1], r[2], r[3], r[4]) async for r in cur}

    async def record_failed_post(self, source_id: int, ref: PostRef, error: str) -> None:
        # A failed post keeps the papers it gave before: a broken edit upstream loses nothing.
        await self.db.execute(
            "INSERT INTO posts (source_id, path, version, status, error, fetched_at) "
            "VALUES (?, ?, ?, 'failed', ?, ?) "
            "ON CONFLICT (source_id, path) DO UPDATE SET version = excluded.version, status = 'failed', "
            "error = excluded.error, fetched_at = excluded.fetched_at, etag = NULL, last_modified = NULL",
            (source_id, ref.path, ref.version, error, utcnow()),
        )

    async def record_post(self, source_id: int, ref: PostRef, fetched: Fetched, parsed: ParsedPost) -> PostOutcome:
        """Store a parsed post and its papers in one transaction. Storing the same post again changes
        nothing; a changed post adds its new papers and drops appearances it no longer lists."""
        now = utcnow()
        db = self.db
        await db.execute("BEGIN IMMEDIATE")
        try:
            problems = "; ".join(parsed.problems) or None
            async with db.execute(
                "INSERT INTO posts (source_id, path, version, etag, last_modified, status, error, topic, "
                "post_date, paper_count, fetched_at) VALUES (?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?) "
                "ON CONFLICT (source_id, path) DO UPDATE SET version = excluded.version, etag = excluded.etag, "
                "last_modified = excluded.last_modified, status = 'ok', error = excluded.error, "
                "topic = excluded.topic, post_date = excluded.post_date, paper_count = excluded.paper_count, "
                "fetched_at = excluded.fetched_at RETURNING id",
                (source_id, ref.path, ref.version, fetched.etag, fetched.last_modified, problems,
                 parsed.topic, parsed.date, len(parsed.papers), now),
            ) as cur:
                row = await cur.fetchone()
            assert row is not None
            post_id = int(row[0])

            ids = [p.arxiv_id for p in parsed.papers]
            existing = await self._paper_ids(ids)
            fresh: dict[str, Paper] = {}
            for paper in parsed.papers:
                if paper.arxiv_id in existing:
                    await self._merge_paper(existing[paper.arxiv_id], paper)
                elif paper.arxiv_id in fresh:  # listed twice in one post: one paper
                    fresh[paper.arxiv_id] = _merge(fresh[paper.arxiv_id], paper)
                else:
                    fresh[paper.arxiv_id] = paper
            existing.update(await self._insert_papers(list(fresh.values()), now))
            new = len(fresh)
            keep = [existing[i] for i in ids]
            await db.execute(
                f"DELETE FROM appearances WHERE post_id = ? AND paper_id NOT IN ({','.join('?' * len(keep))})",
                (post_id, *keep),
            )
            await db.executemany(
                "INSERT INTO appearances (paper_id, post_id, topic, post_date, position) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (paper_id, post_id) DO UPDATE SET topic = excluded.topic, "
                "post_date = excluded.post_date, position = excluded.position "
                "WHERE topic != excluded.topic OR post_date != excluded.post_date "
                "OR position != excluded.position",
                [
                    (existing[p.arxiv_id], post_id, p.topic or parsed.topic, p.date or parsed.date, i)
                    for i, p in enumerate(parsed.papers)
                ],
            )
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        return PostOutcome(new_papers=new, appearances=len(parsed.papers))

    async def _paper_ids(self, arxiv_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(arxiv_ids, 500):
            async with self.db.execute(
                f"SELECT arxiv_id, id FROM papers WHERE arxiv_id IN ({','.join('?' * len(chunk))})", chunk
            ) as cur:
                found.update({r[0]: r[1] async for r in cur})
        return found

    async def _insert_papers(self, papers: list[Paper], now: str) -> dict[str, int]:
        """New papers and their index rows, in a few statements for the lot (each statement is a trip
        to aiosqlite's thread). Returns their ids by arXiv id."""
        if not papers:
            return {}
        await self.db.executemany(
            "INSERT INTO papers (arxiv_id, version, title, authors, abstract, summary, takeaways, comment, "
            "links, images, flags, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(p.arxiv_id, p.version, p.title, _j(p.authors), p.abstract, p.summary, _j(p.takeaways),
              p.comment, _j(p.links), _j(p.images), _j(p.flags), now) for p in papers],
        )
        ids = await self._paper_ids([p.arxiv_id for p in papers])
        await self.db.executemany(
            "INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [_fts_row(ids[p.arxiv_id], p) for p in papers],
        )
        return ids

    async def _merge_paper(self, paper_id: int, new: Paper) -> None:
        """A paper seen again: fill what we lacked, take a newer version's metadata. Only writes
        when something changes, so re-ingesting is a no-op."""
        async with self.db.execute(
            f"SELECT {_PAPER_COLUMNS} FROM papers p WHERE id = ?", (paper_id,)
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        old = _paper_from_row(row)
        merged = _merge(old, new)
        if merged == old:
            return
        await self.db.execute(
            "UPDATE papers SET version = ?, title = ?, authors = ?, abstract = ?, summary = ?, takeaways = ?, "
            "comment = ?, links = ?, images = ?, flags = ? WHERE id = ?",
            (merged.version, merged.title, _j(merged.authors), merged.abstract, merged.summary,
             _j(merged.takeaways), merged.comment, _j(merged.links), _j(merged.images), _j(merged.flags),
             paper_id),
        )
        # A contentless index forgets a row by being told exactly what it indexed.
        await self.db.execute(
            "INSERT INTO papers_fts (papers_fts, rowid, title, authors, abstract, summary, takeaways, ids) "
            "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
            _fts_row(paper_id, old),
        )
        await self.db.execute(
            "INSERT INTO papers_fts (rowid, title, authors, abstract, summary, takeaways, ids) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            _fts_row(paper_id, merged),
        )

    # ---- reading papers ----------------------------------------------------------------------

    async def get_paper(self, arxiv_id: str) -> Paper | None:
        """The paper with its most recent appearance's topic and date."""
        async with self.db.execute(
            f"SELECT {_PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT id FROM appearances WHERE paper_id = p.id "
            "ORDER BY post_date DESC, id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE p.arxiv_id = ?",
            (arxiv_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return _paper_from_row(row, row[11] or "", row[12] or "", row[13] or "", row[14] or "")

    async def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for table in ("sources", "posts", "papers", "appearances"):
            async with self.db.execute(f"SELECT count(*) FROM {table}") as cur:
                row = await cur.fetchone()
            out[table] = int(row[0]) if row else 0
        async with self.db.execute("SELECT count(*) FROM posts WHERE status = 'failed'") as cur:
            row = await cur.fetchone()
        out["failed_posts"] = int(row[0]) if row else 0
        return out

    async def failed_posts(self) -> list[tuple[str, str, str]]:
        async with self.db.execute(
            "SELECT s.name, po.path, po.error FROM posts po JOIN sources s ON s.id = po.source_id "
            "WHERE po.status = 'failed' ORDER BY s.name, po.path"
        ) as cur:
            return [(r[0], r[1], r[2] or "") async for r in cur]

    async def topics(self) -> list[TopicInfo]:
        async with self.db.execute(
            "SELECT topic, count(DISTINCT paper_id), max(post_date) FROM appearances "
            "GROUP BY topic ORDER BY topic COLLATE NOCASE"
        ) as cur:
            return [TopicInfo(r[0], int(r[1]), r[2] or "") async for r in cur]


    # ---- digest cycles -------------------------------------------------------------------------

    async def start_cycle(self, trigger: str, guild_id: int | None = None) -> int:
        async with self.db.execute(
            "INSERT INTO cycles (trigger, guild_id, started_at) VALUES (?, ?, ?) RETURNING id",
            (trigger, guild_id, utcnow()),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def finish_cycle(self, cycle_id: int, summary: str) -> None:
        await self.db.execute(
            "UPDATE cycles SET finished_at = ?, summary = ? WHERE id = ?", (utcnow(), summary, cycle_id)
        )
        await self.optimize()

    async def last_completed_cycle(self) -> datetime | None:
        """When the last full (scheduled or startup) cycle finished; per-server runs do not count."""
        async with self.db.execute(
            "SELECT max(finished_at) FROM cycles WHERE guild_id IS NULL AND finished_at IS NOT NULL"
        ) as cur:
            row = await cur.fetchone()
        if not row or row[0] is None:
            return None
        return datetime.strptime(row[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)

    async def get_meta(self, key: str) -> str | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ---- feeds ---------------------------------------------------------------------------------

    async def add_feed(self, guild_id: int, channel_id: int, topic: str, keywords: list[str],
                       created_by: int | None) -> tuple[Feed, bool]:
        """Add a feed, or update the keywords of the same channel+topic. Returns (feed, created)."""
        existing = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
        if existing:
            await self.db.execute(
                "UPDATE feeds SET keywords = ?, paused_reason = NULL WHERE id = ?", (_j(keywords), existing[0].id)
            )
            return (await self._feed_where("id = ?", (existing[0].id,)))[0], False
        await self.db.execute(
            "INSERT INTO feeds (guild_id, channel_id, topic, keywords, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, topic, _j(keywords), created_by, utcnow()),
        )
        return (await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic)))[0], True

    async def remove_feed(self, channel_id: int, topic: str) -> Feed | None:
        feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
        if not feeds:
            return None
        feed = feeds[0]
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            # What was planned and not sent goes too, and may be planned again by another feed.
            await self.db.execute(
                "DELETE FROM delivered WHERE outbox_id IN (SELECT id FROM outbox WHERE feed_id = ? "
                "AND status = 'pending')", (feed.id,),
            )
            await self.db.execute("DELETE FROM outbox WHERE feed_id = ? AND status = 'pending'", (feed.id,))
            await self.db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise
        return feed

    async def feeds(self, guild_id: int | None = None) -> list[Feed]:
        if guild_id is None:
            return await self._feed_where("1", ())
        return await self._feed_where("guild_id = ?", (guild_id,))

    async def pause_feeds_of_channel(self, channel_id: int, reason: str) -> list[Feed]:
        await self.db.execute(
            "UPDATE feeds SET paused_reason = ? WHERE channel_id = ? AND paused_reason IS NULL", (reason, channel_id)
        )
        return await self._feed_where("channel_id = ?", (channel_id,))

    async def resume_feed(self, channel_id: int, topic: str) -> Feed | None:
        await self.db.execute(
            "UPDATE feeds SET paused_reason = NULL WHERE channel_id = ? AND topic = ?", (channel_id, topic)
        )
        feeds = await self._feed_where("channel_id = ? AND topic = ?", (channel_id, topic))
        return feeds[0] if feeds else None

    async def _feed_where(self, where: str, args: tuple[Any, ...]) -> list[Feed]:
        async with self.db.execute(
            "SELECT id, guild_id, channel_id, topic, keywords, cursor, paused_reason, created_at FROM feeds "
            f"WHERE {where} ORDER BY channel_id, topic", args,
        ) as cur:
            return [Feed(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) async for r in cur]

    # ---- planning deliveries ---------------------------------------------------------------------

    async def plan_feed(self, cycle_id: int, feed: Feed, max_per_cycle: int) -> FeedPlan:
        """Put a feed's new papers into the outbox, in one transaction with the feed's cursor.

        A new feed (no cursor yet) gets only the newest post of its topic, not the archive. Papers
        already delivered to the channel (under another topic, on an earlier date) are skipped.
        Beyond `max_per_cycle` papers are counted, not queued."""
        db = self.db
        await db.execute("BEGIN IMMEDIATE")
        try:
            async with db.execute("SELECT coalesce(max(id), 0) FROM appearances") as cur:
                row = await cur.fetchone()
            top = int(row[0]) if row else 0
            topic_sql, topic_args = ("", ()) if feed.topic == ALL_TOPICS else (" AND a.topic = ?", (feed.topic,))
            if feed.cursor is None:
                if feed.topic == ALL_TOPICS:
                    scope = "a.post_date = (SELECT max(post_date) FROM appearances)"
                    scope_args: tuple[Any, ...] = ()
                else:
                    scope = ("a.post_id = (SELECT post_id FROM appearances WHERE topic = ? "
                             "ORDER BY post_date DESC, post_id DESC LIMIT 1)")
                    scope_args = (feed.topic,)
            else:
                scope, scope_args = "a.id > ? AND a.id <= ?", (feed.cursor, top)
            async with db.execute(
                f"SELECT a.paper_id, a.topic, a.post_date, {_PAPER_COLUMNS} FROM appearances a "
                f"JOIN papers p ON p.id = a.paper_id WHERE {scope}{topic_sql} "
                "AND NOT EXISTS (SELECT 1 FROM delivered d WHERE d.kind = 'channel' AND d.target_id = ? "
                "AND d.paper_id = a.paper_id) ORDER BY a.post_date, a.id",
                (*scope_args, *topic_args, feed.channel_id),
            ) as cur:
                rows = await cur.fetchall()
            seen: set[int] = set()
            wanted: list[tuple[int, Paper]] = []
            for r in rows:
                if r[0] in seen:
                    continue
                seen.add(r[0])
                paper = _paper_from_row(r[3:], topic=r[1], date=r[2])
                if matching_keyword(paper, feed.keywords) is not None:
                    wanted.append((r[0], paper))
            taken, more = wanted[:max_per_cycle], len(wanted) - min(len(wanted), max_per_cycle)
            plan = FeedPlan(feed=feed, papers=[p for _, p in taken], more=more)
            if taken:
                base = {"feed_topic": feed.topic, "count": len(taken) + more}
                dates = sorted({p.date for _, p in taken})
                header = {"header": {**base, "topics": sorted({p.topic for _, p in taken}), "dates": dates}}
                await self._enqueue(cycle_id, "channel", feed.channel_id, feed.guild_id, feed.id, header)
                for paper_id, paper in taken:
                    oid = await self._enqueue(cycle_id, "channel", feed.channel_id, feed.guild_id, feed.id,
                                              {"papers": [paper.arxiv_id]})
                    await db.execute(
                        "INSERT INTO delivered (kind, target_id, paper_id, outbox_id) VALUES ('channel', ?, ?, ?)",
                        (feed.channel_id, paper_id, oid),
                    )
                if more:
                    footer = {"footer": {**base, "more": more, "shown": len(taken), "latest": dates[-1]}}
                    await self._enqueue(cycle_id, "channel", feed.channel_id, feed.guild_id, feed.id, footer)
            started = feed.cursor is not None
            if not started:
                # A feed whose topic has no post yet stays "new": its first delivery is still only the
                # newest post, not everything the next (maybe first-ever) ingest brings.
                async with db.execute(
                    f"SELECT 1 FROM appearances a WHERE 1{topic_sql} LIMIT 1",
                    topic_args,
                ) as cur:
                    started = await cur.fetchone() is not None
            if started:
                await db.execute("UPDATE feeds SET cursor = ? WHERE id = ?", (top, feed.id))
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        return plan

    async def _enqueue(self, cycle_id: int, kind: str, target_id: int, guild_id: int | None, feed_id: int | None,
                       payload: dict[str, Any]) -> int:
        # One round trip to aiosqlite's thread, not three (execute, fetch, close): a fan-out enqueues
        # one row per DM message.
        rows = await self.db.execute_fetchall(
            "INSERT INTO outbox (cycle_id, kind, target_id, guild_id, feed_id, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (cycle_id, kind, target_id, guild_id, feed_id, _j(payload), utcnow()),
        )
        return int(next(iter(rows))[0])

    # ---- the outbox ----------------------------------------------------------------------------

    async def pending(self, guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        where, args = "status = 'pending'", list[Any]()
        if guild_id is not None:
            where += " AND guild_id = ?"
            args.append(guild_id)
        if kind is not None:
            where += " AND kind = ?"
            args.append(kind)
        async with self.db.execute(
            f"SELECT id, kind, target_id, guild_id, feed_id, payload, attempts FROM outbox WHERE {where} ORDER BY id",
            args,
        ) as cur:
            return [OutboxItem(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) async for r in cur]

    async def mark_sent(self, outbox_id: int, message_id: int | None) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, attempts = attempts + 1, error = NULL "
            "WHERE id = ?", (message_id, utcnow(), outbox_id),
        )

    async def mark_failed(self, outbox_ids: list[int], error: str, *, final: bool) -> None:
        """Record a failed send; `final` gives up on it (the target is gone), else it stays pending."""
        status = "failed" if final else "pending"
        await self.db.executemany(
            "UPDATE outbox SET status = ?, error = ?, attempts = attempts + 1 WHERE id = ?",
            [(status, error, i) for i in outbox_ids],
        )

    async def prune(self, dm_cursor: int, keep_days: int = 30) -> tuple[int, int]:
        """Forget what can no longer matter, so a year of fan-outs does not fill the disk:
        - DM delivery records of papers the fan-out cursor has passed (it never looks at them again)
          whose messages went out more than `keep_days` ago; channel records stay, since an old paper
          can reappear under a new topic and must not be posted twice;
        - outbox rows sent or given up on more than `keep_days` ago.
        Pending rows are never touched. Returns (delivery records, outbox rows) removed."""
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            async with self.db.execute(
                "DELETE FROM delivered WHERE kind = 'dm' AND paper_id <= ? AND outbox_id IN "
                "(SELECT id FROM outbox WHERE kind = 'dm' AND status != 'pending' AND created_at < ?)",
                (dm_cursor, cutoff),
            ) as cur:
                records = cur.rowcount
            async with self.db.execute(
                "DELETE FROM outbox WHERE status != 'pending' AND created_at < ? AND (kind = 'channel' OR NOT EXISTS "
                "(SELECT 1 FROM delivered d WHERE d.kind = 'dm' AND d.outbox_id = outbox.id))",
                (cutoff,),
            ) as cur:
                rows = cur.rowcount
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise
        return max(0, records), max(0, rows)

    async def outbox_counts(self) -> dict[str, int]:
        async with self.db.execute("SELECT status, count(*) FROM outbox GROUP BY status") as cur:
            return {r[0]: int(r[1]) async for r in cur}

    async def appearance_cursor(self) -> int:
        async with self.db.execute("SELECT coalesce(max(id), 0) FROM appearances") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def papers_since(self, cursor: int) -> list[Paper]:
        """Appearances added after `cursor`, as papers with their topic and date, in ingest order."""
        async with self.db.execute(
            f"SELECT {_PAPER_COLUMNS}, a.topic, a.post_date FROM appearances a JOIN papers p ON p.id = a.paper_id "
            "WHERE a.id > ? ORDER BY a.topic, a.post_date, a.id", (cursor,),
        ) as cur:
            return [_paper_from_row(r, topic=r[11], date=r[12]) async for r in cur]

    async def known_topics(self) -> list[str]:
        """Every topic, in alphabetical order ignoring case."""
        # Skip-scan of the (topic, post_date) index: one seek per distinct topic, not a row scan.
        async with self.db.execute(
            "WITH RECURSIVE t(topic) AS (SELECT min(topic) FROM appearances UNION ALL "
            "SELECT (SELECT min(topic) FROM appearances WHERE topic > t.topic) FROM t WHERE t.topic IS NOT NULL) "
            "SELECT topic FROM t WHERE topic IS NOT NULL"
        ) as cur:
            return sorted([r[0] async for r in cur], key=str.casefold)

    # ---- subscriptions ---------------------------------------------------------------------------

    async def add_subscription(self, user_id: int, kind: str, value: str, folded: str,
                               limit: int) -> tuple[Subscription | None, str]:
        """Returns (subscription, "added" | "duplicate" | "full")."""
        existing = await self.subscriptions(user_id)
        for sub in existing:
            if sub.kind == kind and sub.folded == folded:
                return sub, "duplicate"
        if len(existing) >= limit:
            return None, "full"
        async with self.db.execute("SELECT coalesce(max(id), 0) FROM papers") as cur:
            row = await cur.fetchone()
        cursor = int(row[0]) if row else 0
        async with self.db.execute(
            "INSERT INTO subscriptions (user_id, kind, value, folded, paper_cursor, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, kind, value, folded, cursor, utcnow()),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return Subscription(int(row[0]), user_id, kind, value, folded, cursor), "added"

    async def subscriptions(self, user_id: int | None = None) -> list[Subscription]:
        where, args = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        async with self.db.execute(
            f"SELECT id, user_id, kind, value, folded, paper_cursor FROM subscriptions {where} "
            "ORDER BY user_id, id", args,
        ) as cur:
            return [Subscription(*r) async for r in cur]

    async def remove_subscriptions(self, user_id: int, sub_id: int | None = None) -> list[Subscription]:
        """Remove one subscription of the user (by id), or all of them when `sub_id` is None."""
        subs = [s for s in await self.subscriptions(user_id) if sub_id is None or s.id == sub_id]
        await self.db.executemany("DELETE FROM subscriptions WHERE id = ?", [(s.id,) for s in subs])
        return subs

    async def new_papers(self, after_paper_id: int) -> list[tuple[int, Paper, list[str]]]:
        """Papers first stored after `after_paper_id`: (paper id, paper, its topics), oldest first."""
        async with self.db.execute(
            f"SELECT p.id, {_PAPER_COLUMNS}, group_concat(DISTINCT a.topic), max(a.post_date) FROM papers p "
            "JOIN appearances a ON a.paper_id = p.id WHERE p.id > ? GROUP BY p.id ORDER BY p.id",
            (after_paper_id,),
        ) as cur:
            rows = await cur.fetchall()
        out = []
        for r in rows:
            topics = sorted((r[12] or "").split(","))
            out.append((int(r[0]), _paper_from_row(r[1:], topic=topics[0] if topics else "", date=r[13] or ""),
                        topics))
        return out

    async def max_paper_id(self) -> int:
        async with self.db.execute("SELECT coalesce(max(id), 0) FROM papers") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def delivered_papers(self, kind: str, target_ids: list[int], paper_ids: list[int]) -> set[tuple[int, int]]:
        """(target, paper) pairs among these that were already delivered (or planned)."""
        if not target_ids or not paper_ids:
            return set()
        wanted = set(paper_ids)
        # One seek of the primary key (kind, target_id, paper_id) per target, over the papers' id
        # range. (Searching by paper id alone reads every row of the kind, and a fan-out adds a row
        # per subscriber and paper, every cycle.)
        async with self.db.execute(
            "SELECT target_id, paper_id FROM delivered WHERE kind = ? "
            "AND target_id IN (SELECT value FROM json_each(?)) AND paper_id BETWEEN ? AND ?",
            (kind, json.dumps(sorted(set(target_ids))), min(wanted), max(wanted)),
        ) as cur:
            return {(r[0], r[1]) for r in await cur.fetchall() if r[1] in wanted}

    async def plan_dm(self, cycle_id: int, user_id: int, messages: list[DmMessage]) -> int:
        """Queue one user's DM delivery: each message is a list of (paper id, arxiv id, matched label).
        Papers already delivered to this user are left out. Returns the number of papers queued."""
        db = self.db
        await db.execute("BEGIN IMMEDIATE")
        try:
            rows: list[tuple[int, int, int]] = []
            for message in messages:
                oid = await self._enqueue(cycle_id, "dm", user_id, None, None, message.payload())
                rows += [(user_id, paper_id, oid) for paper_id, _, _ in message.papers]
            # One statement for all the user's papers; rowcount sums the rows inserted (a conflict
            # inserts none), so it counts what was queued.
            cur = await db.executemany(
                "INSERT INTO delivered (kind, target_id, paper_id, outbox_id) VALUES ('dm', ?, ?, ?) "
                "ON CONFLICT DO NOTHING", rows,
            )
            queued = max(0, cur.rowcount)
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        return queued

    # ---- DM state ------------------------------------------------------------------------------

    async def dm_state(self, user_id: int) -> DmState:
        async with self.db.execute(
            "SELECT dm_channel_id, closed_reason, told FROM dm_users WHERE user_id = ?", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        return DmState(user_id, row[0], row[1], bool(row[2])) if row else DmState(user_id, None, None, False)

    async def closed_dm_users(self) -> set[int]:
        async with self.db.execute("SELECT user_id FROM dm_users WHERE closed_reason IS NOT NULL") as cur:
            return {r[0] async for r in cur}

    async def set_dm_channel(self, user_id: int, channel_id: int) -> None:
        await self.db.execute(
            "INSERT INTO dm_users (user_id, dm_channel_id) VALUES (?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id", (user_id, channel_id),
        )

    async def mark_dm_closed(self, user_id: int, reason: str) -> None:
        await self.db.execute(
            "INSERT INTO dm_users (user_id, closed_reason, closed_at, told) VALUES (?, ?, ?, 0) "
            "ON CONFLICT (user_id) DO UPDATE SET closed_reason = excluded.closed_reason, "
            "closed_at = excluded.closed_at, told = 0", (user_id, reason, utcnow()),
        )

    async def reopen_dm(self, user_id: int) -> None:
        """The user was told how to open their DMs: try again from the next cycle."""
        await self.db.execute(
            "UPDATE dm_users SET closed_reason = NULL, closed_at = NULL, told = 1 WHERE user_id = ?", (user_id,)
        )

    # ---- search --------------------------------------------------------------------------------

    # bm25 costs 1-4 µs a candidate, so a query matching more papers than this is ranked among about
    # this many of its newest matches (by paper id, i.e. ingest order); the total stays exact. Pages
    # are consistent up to this many results. See benchmarks/search_latency.py.
    search_rank_cap = 2_000

    async def search(
        self,
        match: str | None,
        *,
        arxiv_id: str | None = None,
        topic: str | None = None,
        after: str | None = None,
        before: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> tuple[list[SearchHit], int]:
        """One page of papers for an FTS5 MATCH expression (from `jobs.search.build_query`) and/or an
        exact arXiv id, and how many there are in all.

        Ranked by bm25 (title 10, authors 5, ids 5, abstract/summary/takeaways 2), a newer post date
        first on ties. topic/after/before (dates inclusive, YYYY-MM-DD) filter on appearances: a paper
        matches if any appearance does, and is shown with its latest matching appearance. Without
        match and arxiv_id, the filtered papers come newest first.

        Cost (p95 under 20 ms at 100,000 papers: benchmarks/search_latency.py): the matches are
        counted, then ranked inside a subquery with LIMIT, so only one page of rows is joined to
        papers and appearances. bm25 costs 1-4 µs a match, so a query with more matches than
        `search_rank_cap` is ranked among about that many of its newest (by paper id, i.e. ingest
        order); the total stays exact. Filters are applied during the FTS scan: a probe of the
        (paper_id, post_date, topic) index per match or, when the filter selects fewer appearances
        than there are matches, a lookup in the set of papers it selects (built once; its id range
        also bounds the scan)."""
        filters, params = _appearance_filters(topic, after, before)
        params.update(arxiv_id=arxiv_id, off=offset, lim=limit)
        db = self.db

        async def one(sql: str) -> Any:
            async with db.execute(sql, params) as cur:
                row = await cur.fetchone()
            return row[0] if row else None

        if match is None and arxiv_id is not None:
            where = "p.arxiv_id = :arxiv_id"
            if filters:
                where += (" AND EXISTS (SELECT 1 FROM appearances x INDEXED BY appearances_paper_date "
                          f"WHERE x.paper_id = p.id{filters})")
            async with db.execute(f"SELECT p.id FROM papers p WHERE {where}", params) as cur:
                found = [int(r[0]) for r in await cur.fetchall()]
            total, page = len(found), [(i, 0.0) for i in found[offset : offset + limit]]
        elif match is None:
            where = filters.removeprefix(" AND ") or "1"
            async with db.execute(
                f"SELECT x.paper_id FROM appearances x WHERE {where} "
                "GROUP BY x.paper_id ORDER BY max(x.post_date) DESC, x.paper_id DESC LIMIT :lim OFFSET :off",
                params,
            ) as cur:
                page = [(int(r[0]), 0.0) for r in await cur.fetchall()]
            total = int(await one(f"SELECT count(DISTINCT x.paper_id) FROM appearances x WHERE {where}") or 0)
        else:
            page, total = await self._ranked(match, filters, params, offset, limit)
        if not page:
            return [], total
        params["ids"] = json.dumps([i for i, _ in page])
        async with db.execute(
            f"SELECT p.id, {_PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT x.id FROM appearances x INDEXED BY appearances_paper_date "
            f"WHERE x.paper_id = p.id{filters} ORDER BY x.post_date DESC, x.id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE p.id IN (SELECT value FROM json_each(:ids))",
            params,
        ) as cur:
            papers = {
                int(r[0]): _paper_from_row(r[1:], r[12] or "", r[13] or "", r[14] or "", r[15] or "")
                for r in await cur.fetchall()
            }
        return [SearchHit(papers[i], rank) for i, rank in page if i in papers], total

    async def _ranked(self, match: str, filters: str, params: dict[str, Any], offset: int,
                      limit: int) -> tuple[list[tuple[int, float]], int]:
        """(paper id, bm25) of one page of FTS matches, and the total; see `search`."""
        db = self.db

        async def row(sql: str) -> Sequence[Any]:
            async with db.execute(sql, params) as cur:
                found = await cur.fetchone()
            assert found is not None
            return found

        want = offset + limit
        cap = max(self.search_rank_cap, want + 1)
        # A few rows past the page, so that a tie across its end is usually settled without a second pass.
        params.update(match=match, n=want + 1 + 16)
        where = "papers_fts MATCH :match"
        if params.get("arxiv_id") is not None:
            where += " AND rowid = (SELECT id FROM papers WHERE arxiv_id = :arxiv_id)"
        matches = int((await row(f"SELECT count(*) FROM papers_fts WHERE {where}"))[0])
        if not matches:
            return [], 0
        total: int | None = matches
        candidates = matches
        if filters:
            # Probe the appearance index for each match, or build the set of filtered papers once
            # and look the matches up in it, whichever touches fewer rows. Counting the filtered
            # appearances (`selected`) decides, up to the larger of two limits:
            # - fewer than 4/5 of the matches: build the set (its id range then bounds the scan);
            # - expected filtered matches (were matches and filter independent) at most cap + 1/4
            #   of the matches: rank them all in one pass (bm25 for them costs less than a pass
            #   to count them first).
            conds = filters.removeprefix(" AND ")
            set_limit = matches * 4 // 5 + 1
            params.update(set_limit=set_limit, matches=matches, one_pass=cap + matches // 4)
            selected, appearances = await row(
                "SELECT (SELECT count(*) FROM (SELECT 1 FROM appearances x WHERE "
                f"{conds} LIMIT max(:set_limit, :one_pass * (SELECT count(*) FROM appearances) / :matches + 1))), "
                "(SELECT count(*) FROM appearances)"
            )
            one_pass_limit = (cap + matches // 4) * appearances // matches + 1
            if selected < set_limit:
                first, last = await row(f"SELECT min(x.paper_id), max(x.paper_id) FROM appearances x WHERE {conds}")
                where += (f" AND rowid BETWEEN {int(first or 0)} AND {int(last or 0)}"
                          f" AND +rowid IN (SELECT x.paper_id FROM appearances x WHERE {conds})")
            else:
                where += (" AND EXISTS (SELECT 1 FROM appearances x INDEXED BY appearances_paper_date "
                          f"WHERE x.paper_id = papers_fts.rowid{filters})")
            total = None  # counted while ranking, unless a floor (below) needs it first
            candidates = 0 if selected < one_pass_limit else matches
        # More candidates than `cap`: rank those with the newest ids, from a floor placed to hold
        # about `cap` of them if they are spread evenly (filtered ones: over their own id range).
        floor: int | None = None
        lo = hi = 0
        if candidates > cap:
            if total is None:
                total, lo, hi = await row(f"SELECT count(*), min(rowid), max(rowid) FROM papers_fts WHERE {where}")
            else:
                lo, hi = await row("SELECT (SELECT min(id) FROM papers), (SELECT max(id) FROM papers)")
            if total > cap:
                floor = hi - (hi - lo + 1) * cap // total
        latest = ("(SELECT max(x.post_date) FROM appearances x INDEXED BY appearances_paper_date "
                  f"WHERE x.paper_id = m.id{filters})")
        while True:
            ranked_where = where if floor is None else f"{where} AND rowid >= {int(floor)}"
            ranked = f"SELECT rowid AS id, {_SEARCH_BM25} AS r FROM papers_fts WHERE {ranked_where}"
            if total is None:
                # The total in the same pass (bm25 cannot sit beside a window function: LIMIT -1
                # keeps the subquery from being flattened into this one).
                ranked = f"SELECT id, r, count(*) OVER () AS c FROM ({ranked} LIMIT -1)"
            async with db.execute(f"SELECT m.id, m.r, {latest} AS d{', m.c' if total is None else ''} "
                                  f"FROM ({ranked} ORDER BY r LIMIT :n) m", params) as cur:
                rows = list(await cur.fetchall())
            if total is None:
                total = int(rows[0][3]) if rows else 0
            if floor is None or len(rows) > want or floor <= lo:
                break
            floor = max(lo, hi - 4 * (hi - floor + 1))  # too few above the floor: widen the window
        if len(rows) == params["n"] and want and rows[-1][1] == rows[want - 1][1]:
            # A tie crosses the page's end and beyond: fetch the whole tied group to order it by date.
            params["boundary"] = rows[want - 1][1]
            async with db.execute(
                f"SELECT m.id, m.r, {latest} FROM (SELECT rowid AS id, {_SEARCH_BM25} AS r FROM papers_fts "
                f"WHERE {ranked_where} AND {_SEARCH_BM25} <= :boundary) m", params,
            ) as cur:
                rows = list(await cur.fetchall())
        # Rank ascending (bm25: lower is better), then newer date, then newer paper.
        rows.sort(key=lambda r: r[0], reverse=True)
        rows.sort(key=lambda r: r[2] or "", reverse=True)
        rows.sort(key=lambda r: r[1])
        return [(int(r[0]), float(r[1])) for r in rows[offset:want]], total

    async def latest_post_papers(self, topic: str) -> list[Paper]:
        """The papers of the newest post of `topic` (by post date, then the latest stored), in post order."""
        async with self.db.execute(
            f"SELECT {_PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM appearances a "
            "JOIN papers p ON p.id = a.paper_id "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE a.post_id = (SELECT post_id FROM appearances WHERE topic = :topic "
            "ORDER BY post_date DESC, post_id DESC LIMIT 1) AND a.topic = :topic ORDER BY a.position, a.id",
            {"topic": topic},
        ) as cur:
            return [_paper_from_row(r, r[11] or "", r[12] or "", r[13] or "", r[14] or "")
                    for r in await cur.fetchall()]

    async def topic_names(self, prefix: str, limit: int = 25) -> list[str]:
        """Topics for autocomplete: those starting with `prefix` (ignoring case), then those containing
        it; each group in alphabetical order. An empty prefix lists all topics."""
        names = await self.known_topics()
        want = " ".join(prefix.split()).casefold()
        starts = sorted((n for n in names if n.casefold().startswith(want)), key=str.casefold)
        inside = sorted((n for n in names if want in n.casefold() and not n.casefold().startswith(want)),
                        key=str.casefold)
        return (starts + inside)[: max(0, limit)]


def _merge(old: Paper, new: Paper) -> Paper:
    newer = (new.version or 0) > (old.version or 0)
    first, second = (new, old) if newer else (old, new)
    summary, summary_lossy = _pick_text(old, new, "summary")
    takeaways, takeaways_lossy = _pick_text(old, new, "takeaways")
    flags = [f for f in old.flags if not f.endswith("_lossy")]
    flags += ["summary_lossy"] * summary_lossy + ["takeaways_lossy"] * takeaways_lossy
    return Paper(
        arxiv_id=old.arxiv_id,
        version=max(old.version or 0, new.version or 0) or None,
        title=first.title or second.title,
        authors=first.authors or second.authors,
        abstract=first.abstract or second.abstract,
        summary=summary,
        takeaways=takeaways,
        comment=first.comment or second.comment,
        links={**second.links, **first.links},
        images=first.images + [i for i in second.images if i not in first.images],
        flags=flags,
    )


def _pick_text(old: Paper, new: Paper, field: str) -> tuple[Any, bool]:
    """The Chinese text a reader saw first stays, unless it was unrecoverable and a clean copy came.
    Returns the text and whether it is lossy."""
    flag = f"{field}_lossy"
    old_value, new_value = getattr(old, field), getattr(new, field)
    if old_value and flag not in old.flags:
        return old_value, False
    if new_value and flag not in new.flags:
        return new_value, False
    if old_value:
        return old_value, True
    return new_value, bool(new_value) and flag in new.flags


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


