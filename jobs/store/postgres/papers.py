"""IngestArea and PapersArea on PostgreSQL (jobs/store/papers.py). Papers keep SQLite's row shape,
the long text packed in `body` (jobs/store/rows.py), so both engines read rows one way and a copy
between them is exact. Recording posts runs SQLite's own write path (`_record_posts`: the merge rule
of jobs/merge.py, both text indexes, the ranking index's segments) through jobs/store/postgres/bridge.py."""

from __future__ import annotations

from collections.abc import Sequence

from jobs.models import Paper, ParsedPost
from jobs.records import PostOutcome, PostState, TopicInfo
from jobs.sources.base import Fetched, PostRef
from jobs.store.papers import _record_posts
from jobs.store.postgres._connection import PgConnection
from jobs.store.postgres.bridge import run_shared
from jobs.store.rows import PAPER_COLUMNS, in_order, new_paper, placed_paper, utcnow


class PgIngest(PgConnection):
    """IngestArea: sources, posts and recording them."""

    async def upsert_source(self, name: str, kind: str, fmt: str, location: str) -> int:
        async with self.transaction() as conn:
            return int(await conn.fetchval(
                "INSERT INTO sources (name, kind, format, location) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, format = excluded.format, "
                "location = excluded.location RETURNING id", name, kind, fmt, location))

    async def listing_etag(self, source_id: int) -> str | None:
        return await self._one("SELECT listing_etag FROM sources WHERE id = $1", source_id)

    async def finish_source_run(self, source_id: int, *, listing_etag: str | None, error: str | None) -> None:
        async with self.transaction() as conn:
            if error is None:
                now = utcnow()
                await conn.execute("UPDATE sources SET listing_etag = $1, last_run_at = $2, last_ok_at = $3, "
                                   "last_error = NULL, failures = 0 WHERE id = $4", listing_etag, now, now, source_id)
            else:
                await conn.execute("UPDATE sources SET last_run_at = $1, last_error = $2, failures = failures + 1 "
                                   "WHERE id = $3", utcnow(), error, source_id)

    async def post_states(self, source_id: int) -> dict[str, PostState]:
        rows = await self._all("SELECT path, version, etag, last_modified, status FROM posts WHERE source_id = $1",
                               source_id)
        return {r[0]: PostState(r[1], r[2], r[3], r[4]) for r in rows}

    async def record_failed_post(self, source_id: int, ref: PostRef, error: str) -> None:
        # A failed post keeps the papers it gave before: a broken edit upstream loses nothing.
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO posts (source_id, path, version, status, error, fetched_at) "
                "VALUES ($1, $2, $3, 'failed', $4, $5) "
                "ON CONFLICT (source_id, path) DO UPDATE SET version = excluded.version, status = 'failed', "
                "error = excluded.error, fetched_at = excluded.fetched_at, etag = NULL, last_modified = NULL",
                source_id, ref.path, ref.version, error, utcnow())

    async def record_post(self, source_id: int, ref: PostRef, fetched: Fetched, parsed: ParsedPost) -> PostOutcome:
        return (await self.record_posts(source_id, [(ref, fetched, parsed)]))[0]

    async def record_posts(self, source_id: int, posts: Sequence[tuple[PostRef, Fetched, ParsedPost]]
                           ) -> list[PostOutcome]:
        """As on SQLite: all the posts or none, in one transaction (see jobs/store/papers.py)."""
        if not posts:
            return []
        now = utcnow()
        async with self.transaction() as conn:
            outcomes = await run_shared(conn, _record_posts, source_id, list(posts), now)
        self._index_changed()
        return outcomes

    async def failed_posts(self) -> list[tuple[str, str, str]]:
        rows = await self._all("SELECT s.name, po.path, po.error FROM posts po JOIN sources s ON s.id = po.source_id "
                               "WHERE po.status = 'failed' ORDER BY s.name, po.path")
        return [(r[0], r[1], r[2] or "") for r in rows]


class PgPapers(PgConnection):
    """PapersArea: reading papers, topics and appearances."""

    async def get_paper(self, arxiv_id: str) -> Paper | None:
        return (await self.get_papers([arxiv_id])).get(arxiv_id)

    async def get_papers(self, arxiv_ids: list[str]) -> dict[str, Paper]:
        if not arxiv_ids:
            return {}
        rows = await self._paper_rows(
            f"SELECT {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT id FROM appearances WHERE paper_id = p.id "
            "ORDER BY post_date DESC, id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE p.arxiv_id = ANY($1::text[])", sorted(set(arxiv_ids)))
        return in_order(arxiv_ids, (placed_paper(r) for r in rows))

    async def paper_topics(self, arxiv_ids: list[str]) -> dict[str, list[str]]:
        if not arxiv_ids:
            return {}
        rows = await self._all(
            "SELECT DISTINCT p.arxiv_id, a.topic FROM papers p JOIN appearances a ON a.paper_id = p.id "
            "WHERE p.arxiv_id = ANY($1::text[])", sorted(set(arxiv_ids)))
        out: dict[str, list[str]] = {}
        for arxiv_id, topic in rows:
            out.setdefault(arxiv_id, []).append(topic)
        return {k: sorted(v, key=str.casefold) for k, v in out.items()}

    async def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for table in ("sources", "posts", "papers", "appearances"):
            out[table] = int(await self._one(f"SELECT count(*) FROM {table}") or 0)
        out["failed_posts"] = int(await self._one("SELECT count(*) FROM posts WHERE status = 'failed'") or 0)
        return out

    async def topics(self) -> list[TopicInfo]:
        rows = await self._all("SELECT topic, count(DISTINCT paper_id), max(post_date) FROM appearances GROUP BY topic")
        # SQLite's ORDER BY topic COLLATE NOCASE: ASCII letters folded, then code point order.
        rows = sorted(rows, key=lambda r: (_nocase(r[0]), r[0]))
        return [TopicInfo(r[0], int(r[1]), r[2] or "") for r in rows]

    async def known_topics(self) -> list[str]:
        # A loose index scan of (topic, post_date): one seek per distinct topic, not a row scan.
        rows = await self._all(
            "WITH RECURSIVE t(topic) AS (SELECT min(topic) FROM appearances UNION ALL "
            "SELECT (SELECT min(topic) FROM appearances WHERE topic > t.topic) FROM t WHERE t.topic IS NOT NULL) "
            "SELECT topic FROM t WHERE topic IS NOT NULL")
        return sorted([r[0] for r in rows], key=str.casefold)

    async def appearance_cursor(self) -> int:
        return int(await self._one("SELECT coalesce(max(id), 0) FROM appearances") or 0)

    async def papers_since(self, cursor: int) -> list[Paper]:
        rows = await self._paper_rows(
            f"SELECT {PAPER_COLUMNS}, a.topic, a.post_date FROM appearances a JOIN papers p ON p.id = a.paper_id "
            "WHERE a.id > $1 ORDER BY a.topic, a.post_date, a.id", cursor)
        return [placed_paper(r) for r in rows]

    async def new_papers(self, after_paper_id: int) -> list[tuple[int, Paper, list[str]]]:
        rows = await self._paper_rows(
            f"SELECT p.id, {PAPER_COLUMNS}, string_agg(DISTINCT a.topic, ','), max(a.post_date) FROM papers p "
            "JOIN appearances a ON a.paper_id = p.id WHERE p.id > $1 GROUP BY p.id ORDER BY p.id", after_paper_id)
        return [new_paper(r) for r in rows]

    async def max_paper_id(self) -> int:
        return int(await self._one("SELECT coalesce(max(id), 0) FROM papers") or 0)

    async def latest_post_papers(self, topic: str) -> list[Paper]:
        rows = await self._paper_rows(
            f"SELECT {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM appearances a "
            "JOIN papers p ON p.id = a.paper_id "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE a.post_id = (SELECT post_id FROM appearances WHERE topic = $1 "
            "ORDER BY post_date DESC, post_id DESC LIMIT 1) AND a.topic = $1 ORDER BY a.position, a.id", topic)
        return [placed_paper(r) for r in rows]



def _nocase(text: str) -> str:
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in text)
