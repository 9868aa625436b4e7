"""Sources, posts, papers and their appearances: what ingest writes and what everything reads.

Papers are deduplicated by arXiv id (without version); each time a paper is listed in a post is an
*appearance* (paper x post, with the post's topic and date). Appearance ids only grow, so "what is
new since X" is always "appearances with id > X".
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

from jobs.foreground import stepping
from jobs.merge import merge
from jobs.models import Paper, ParsedPost
from jobs.records import PostOutcome, PostState, TopicInfo
from jobs.sources.base import Fetched, PostRef
from jobs.store import text_dicts
from jobs.store._connection import Connection, run_sync
from jobs.store.rank_index import Pending, bump_generation, reset
from jobs.store.rows import (
    PAPER_COLUMNS,
    SqlConnection,
    chunks,
    in_order,
    is_sqlite,
    j,
    new_paper,
    pack_body,
    paper_from_row,
    placed_paper,
    utcnow,
)
from jobs.store.text_index import write_index


class Papers(Connection):
    # ---- sources and posts -------------------------------------------------------------------

    async def upsert_source(self, name: str, kind: str, fmt: str, location: str) -> int:
        async with self.transaction() as db, db.execute(
            "INSERT INTO sources (name, kind, format, location) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, format = excluded.format, "
            "location = excluded.location RETURNING id",
            (name, kind, fmt, location),
        ) as cur:
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def listing_etag(self, source_id: int) -> str | None:
        return await self._one("SELECT listing_etag FROM sources WHERE id = ?", (source_id,))

    async def finish_source_run(self, source_id: int, *, listing_etag: str | None, error: str | None) -> None:
        async with self.transaction() as db:
            if error is None:
                now = utcnow()
                await db.execute(
                    "UPDATE sources SET listing_etag = ?, last_run_at = ?, last_ok_at = ?, last_error = NULL, "
                    "failures = 0 WHERE id = ?",
                    (listing_etag, now, now, source_id),
                )
            else:
                await db.execute(
                    "UPDATE sources SET last_run_at = ?, last_error = ?, failures = failures + 1 WHERE id = ?",
                    (utcnow(), error, source_id),
                )

    async def post_states(self, source_id: int) -> dict[str, PostState]:
        rows = await self._all(
            "SELECT path, version, etag, last_modified, status FROM posts WHERE source_id = ?", (source_id,)
        )
        return {r[0]: PostState(r[1], r[2], r[3], r[4]) for r in rows}

    async def record_failed_post(self, source_id: int, ref: PostRef, error: str) -> None:
        # A failed post keeps the papers it gave before: a broken edit upstream loses nothing.
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO posts (source_id, path, version, status, error, fetched_at) "
                "VALUES (?, ?, ?, 'failed', ?, ?) "
                "ON CONFLICT (source_id, path) DO UPDATE SET version = excluded.version, status = 'failed', "
                "error = excluded.error, fetched_at = excluded.fetched_at, etag = NULL, last_modified = NULL",
                (source_id, ref.path, ref.version, error, utcnow()),
            )

    async def record_post(self, source_id: int, ref: PostRef, fetched: Fetched, parsed: ParsedPost) -> PostOutcome:
        """Store a parsed post and its papers in one transaction (see `record_posts`)."""
        return (await self.record_posts(source_id, [(ref, fetched, parsed)]))[0]

    async def record_posts(
        self, source_id: int, posts: Sequence[tuple[PostRef, Fetched, ParsedPost]]
    ) -> list[PostOutcome]:
        """Store parsed posts and their papers, in order, in one transaction: all of them or none, so
        a crash leaves every one of them unrecorded and the next run fetches them again. Storing the
        same post again changes nothing; a changed post adds its new papers and drops appearances it
        no longer lists. All the SQL runs in one trip to the connection's thread."""
        if not posts:
            return []
        now = utcnow()
        async with self.transaction() as db:
            outcomes = await run_sync(db, _record_posts, source_id, list(posts), now)
        self._index_changed()
        return outcomes

    # ---- reading papers ----------------------------------------------------------------------

    async def get_paper(self, arxiv_id: str) -> Paper | None:
        """The paper with its most recent appearance's topic and date."""
        return (await self.get_papers([arxiv_id])).get(arxiv_id)

    async def get_papers(self, arxiv_ids: list[str]) -> dict[str, Paper]:
        """Several papers at once (as `get_paper` gives them), by arXiv id, in the order asked; ids not stored
        are left out. One query, however many (a member's rated papers can be hundreds)."""
        if not arxiv_ids:
            return {}
        rows = await self._paper_rows(
            f"SELECT {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT id FROM appearances WHERE paper_id = p.id "
            "ORDER BY post_date DESC, id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE p.arxiv_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(arxiv_ids))),),
        )
        return in_order(arxiv_ids, (placed_paper(r) for r in rows))

    async def paper_topics(self, arxiv_ids: list[str]) -> dict[str, list[str]]:
        """Every topic each paper appeared under, alphabetically (ignoring case)."""
        if not arxiv_ids:
            return {}
        rows = await self._all(
            "SELECT DISTINCT p.arxiv_id, a.topic FROM papers p JOIN appearances a ON a.paper_id = p.id "
            "WHERE p.arxiv_id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(set(arxiv_ids))),),
        )
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

    async def failed_posts(self) -> list[tuple[str, str, str]]:
        rows = await self._all(
            "SELECT s.name, po.path, po.error FROM posts po JOIN sources s ON s.id = po.source_id "
            "WHERE po.status = 'failed' ORDER BY s.name, po.path"
        )
        return [(r[0], r[1], r[2] or "") for r in rows]

    async def topics(self) -> list[TopicInfo]:
        rows = await self._all(
            "SELECT topic, count(DISTINCT paper_id), max(post_date) FROM appearances "
            "GROUP BY topic ORDER BY topic COLLATE NOCASE"
        )
        return [TopicInfo(r[0], int(r[1]), r[2] or "") for r in rows]

    async def known_topics(self) -> list[str]:
        """Every topic, in alphabetical order ignoring case."""
        # Skip-scan of the (topic, post_date) index: one seek per distinct topic, not a row scan.
        rows = await self._all(
            "WITH RECURSIVE t(topic) AS (SELECT min(topic) FROM appearances UNION ALL "
            "SELECT (SELECT min(topic) FROM appearances WHERE topic > t.topic) FROM t WHERE t.topic IS NOT NULL) "
            "SELECT topic FROM t WHERE topic IS NOT NULL"
        )
        return sorted([r[0] for r in rows], key=str.casefold)

    async def appearance_cursor(self) -> int:
        return int(await self._one("SELECT coalesce(max(id), 0) FROM appearances") or 0)

    async def papers_since(self, cursor: int) -> list[Paper]:
        """Appearances added after `cursor`, as papers with their topic and date, in ingest order."""
        rows = await self._paper_rows(
            f"SELECT {PAPER_COLUMNS}, a.topic, a.post_date FROM appearances a JOIN papers p ON p.id = a.paper_id "
            "WHERE a.id > ? ORDER BY a.topic, a.post_date, a.id", (cursor,),
        )
        return [placed_paper(r) for r in rows]

    async def new_papers(self, after_paper_id: int) -> list[tuple[int, Paper, list[str]]]:
        """Papers first stored after `after_paper_id`: (paper id, paper, its topics), oldest first."""
        rows = await self._paper_rows(
            f"SELECT p.id, {PAPER_COLUMNS}, group_concat(DISTINCT a.topic), max(a.post_date) FROM papers p "
            "JOIN appearances a ON a.paper_id = p.id WHERE p.id > ? GROUP BY p.id ORDER BY p.id",
            (after_paper_id,),
        )
        return [new_paper(r) for r in rows]

    async def max_paper_id(self) -> int:
        return int(await self._one("SELECT coalesce(max(id), 0) FROM papers") or 0)

    async def latest_post_papers(self, topic: str) -> list[Paper]:
        """The papers of the newest post of `topic` (by post date, then the latest stored), in post order."""
        rows = await self._paper_rows(
            f"SELECT {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM appearances a "
            "JOIN papers p ON p.id = a.paper_id "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE a.post_id = (SELECT post_id FROM appearances WHERE topic = :topic "
            "ORDER BY post_date DESC, post_id DESC LIMIT 1) AND a.topic = :topic ORDER BY a.position, a.id",
            {"topic": topic},
        )
        return [placed_paper(r) for r in rows]


# ---- the write path, run on the connection's thread (plain sqlite3: no trip per statement) -------
# PostgreSQL runs these same functions (jobs/store/postgres/bridge.py): their SQL is portable.

_UPSERT_POST = (
    "INSERT INTO posts (source_id, path, version, etag, last_modified, status, error, topic, "
    "post_date, paper_count, fetched_at) VALUES (?, ?, ?, ?, ?, 'ok', ?, ?, ?, ?, ?) "
    "ON CONFLICT (source_id, path) DO UPDATE SET version = excluded.version, etag = excluded.etag, "
    "last_modified = excluded.last_modified, status = 'ok', error = excluded.error, "
    "topic = excluded.topic, post_date = excluded.post_date, paper_count = excluded.paper_count, "
    "fetched_at = excluded.fetched_at RETURNING id"
)
_INSERT_PAPER = (
    "INSERT INTO papers (arxiv_id, version, title, authors, body, comment, images, flags, first_seen) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
# ORDER BY ord: ids are taken in the listed order, as SQLite's row-by-row inserts take them.
_INSERT_PAPERS_PG = (
    "INSERT INTO papers (arxiv_id, version, title, authors, body, comment, images, flags, first_seen) "
    "SELECT arxiv_id, version, title, authors, body, comment, images, flags, ? FROM unnest(?::text[], ?::int[], "
    "?::text[], ?::text[], ?::bytea[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY "
    "AS t(arxiv_id, version, title, authors, body, comment, images, flags, ord) ORDER BY ord "
    "RETURNING arxiv_id, id"
)
_UPDATE_PAPER = (
    "UPDATE papers SET version = ?, title = ?, authors = ?, body = ?, comment = ?, images = ?, flags = ? "
    "WHERE id = ?"
)
_UPSERT_APPEARANCE = (
    "INSERT INTO appearances (paper_id, post_id, topic, post_date, position) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (paper_id, post_id) DO UPDATE SET topic = excluded.topic, "
    "post_date = excluded.post_date, position = excluded.position "
    "WHERE appearances.topic != excluded.topic OR appearances.post_date != excluded.post_date "
    "OR appearances.position != excluded.position"
)
# The post's appearances it no longer lists dropped (disjoint from those upserted), the others upserted.
_SYNC_APPEARANCES_PG = (
    "WITH gone AS (DELETE FROM appearances WHERE post_id = ? AND paper_id <> ALL(?::bigint[])) "
    "INSERT INTO appearances (paper_id, post_id, topic, post_date, position) "
    "SELECT paper_id, ?, topic, post_date, position FROM unnest(?::bigint[], ?::text[], ?::text[], ?::int[]) "
    "WITH ORDINALITY AS t(paper_id, topic, post_date, position, ord) ORDER BY ord "
    "ON CONFLICT (paper_id, post_id) DO UPDATE SET topic = excluded.topic, "
    "post_date = excluded.post_date, position = excluded.position "
    "WHERE appearances.topic != excluded.topic OR appearances.post_date != excluded.post_date "
    "OR appearances.position != excluded.position"
)


def _record_posts(
    conn: SqlConnection, source_id: int, posts: list[tuple[PostRef, Fetched, ParsedPost]], now: str
) -> list[PostOutcome]:
    seen = int(time.time())  # a new paper's first_seen
    # The ranking index takes the batch's papers as one segment at its end (a segment per post cost
    # more than the tokens themselves); papers_fts is written post by post.
    pending = Pending()
    dict_id = text_dicts.for_ingest(conn)
    outcomes = [_record_post(conn, source_id, ref, fetched, parsed, now, seen, pending, dict_id)
                for ref, fetched, parsed in posts]
    pending.flush(conn)
    bump_generation(conn)  # appearances changed: searches filter and order by them
    return outcomes


def _record_post(
    conn: SqlConnection, source_id: int, ref: PostRef, fetched: Fetched, parsed: ParsedPost, now: str,
    seen: int,
    pending: Pending | None = None,
    dict_id: int | None = None,
) -> PostOutcome:
    problems = "; ".join(parsed.problems) or None
    post_id = int(conn.execute(
        _UPSERT_POST,
        (source_id, ref.path, ref.version, fetched.etag, fetched.last_modified, problems,
         parsed.topic, parsed.date, len(parsed.papers), now),
    ).fetchone()[0])

    ids = [p.arxiv_id for p in parsed.papers]
    existing = _paper_ids(conn, ids)
    fresh: dict[str, Paper] = {}
    seen_again: dict[int, list[Paper]] = {}
    for paper in parsed.papers:
        if paper.arxiv_id in existing:
            seen_again.setdefault(existing[paper.arxiv_id], []).append(paper)
        elif paper.arxiv_id in fresh:  # listed twice in one post: one paper
            fresh[paper.arxiv_id] = merge(fresh[paper.arxiv_id], paper)
        else:
            fresh[paper.arxiv_id] = paper
    if seen_again:
        _merge_papers(conn, seen_again, pending, dict_id)
    existing.update(_insert_papers(conn, list(fresh.values()), seen, dict_id))
    write_index(conn, add=[(existing[p.arxiv_id], p) for p in fresh.values()], pending=pending)
    keep = [existing[i] for i in ids]
    appearances = [(existing[p.arxiv_id], post_id, p.topic or parsed.topic, p.date or parsed.date, i)
                   for i, p in enumerate(parsed.papers)]
    if conn.execute("SELECT 1 FROM appearances WHERE post_id = ? LIMIT 1", (post_id,)).fetchone():
        reset(conn, "appearances")  # a post seen again may change or drop its appearances: readers reload them
    if is_sqlite(conn):
        conn.execute(
            f"DELETE FROM appearances WHERE post_id = ? AND paper_id NOT IN ({','.join('?' * len(keep))})"
            if keep else "DELETE FROM appearances WHERE post_id = ?",
            (post_id, *keep),
        )
        conn.executemany(_UPSERT_APPEARANCE, appearances)
    else:
        # One statement, whatever the post's size: a round trip is PostgreSQL's cost here. A paper
        # listed twice: one row, made where first listed and holding the last listing, as the upserts
        # one by one leave it (one statement may not update a row twice).
        once = {row[0]: row for row in appearances}
        paper_ids, topics, dates, positions = ([r[k] for r in once.values()] for k in (0, 2, 3, 4))
        conn.execute(_SYNC_APPEARANCES_PG, (post_id, keep, post_id, paper_ids, topics, dates, positions))
    return PostOutcome(new_papers=len(fresh), appearances=len(parsed.papers))


def _insert_papers(conn: SqlConnection, papers: list[Paper], seen: int, dict_id: int | None) -> dict[str, int]:
    """Store new papers; their ids by arXiv id, given in the order listed."""
    rows = [(p.arxiv_id, p.version, p.title, j(p.authors), pack_body(p, dict_id), p.comment, j(p.images),
             j(p.flags), seen) for p in stepping(papers)]
    if is_sqlite(conn):
        return {row[0]: int(conn.execute(_INSERT_PAPER, row).fetchall()[0][0]) for row in rows}
    if not rows:
        return {}
    # PostgreSQL: the post's papers in one statement (a round trip each was most of ingest's time).
    columns = [list(c) for c in zip(*rows, strict=True)][:8]
    return {str(r[0]): int(r[1]) for r in conn.execute(_INSERT_PAPERS_PG, (seen, *columns)).fetchall()}


def _paper_ids(conn: SqlConnection, arxiv_ids: list[str]) -> dict[str, int]:
    if not is_sqlite(conn):  # one array, one prepared statement whatever the count
        return dict(conn.execute("SELECT arxiv_id, id FROM papers WHERE arxiv_id = ANY(?::text[])",
                                 (arxiv_ids,)).fetchall())
    found: dict[str, int] = {}
    for chunk in chunks(arxiv_ids, 500):
        found.update(conn.execute(
            f"SELECT arxiv_id, id FROM papers WHERE arxiv_id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall())
    return found


def _merge_papers(conn: SqlConnection, seen_again: dict[int, list[Paper]], pending: Pending | None,
                  dict_id: int | None) -> None:
    """Papers seen again, merged by `jobs.merge` in the order they were listed. Only writes when
    something changes, so re-ingesting is a no-op."""
    old: dict[int, Paper] = {}
    if not is_sqlite(conn):
        for row in conn.execute(f"SELECT p.id, {PAPER_COLUMNS} FROM papers p WHERE p.id = ANY(?::bigint[])",
                                (list(seen_again),)):
            old[row[0]] = paper_from_row(row[1:])
    for chunk in chunks(list(seen_again), 500) if is_sqlite(conn) else ():
        for row in conn.execute(
            f"SELECT p.id, {PAPER_COLUMNS} FROM papers p WHERE p.id IN ({','.join('?' * len(chunk))})", chunk
        ):
            old[row[0]] = paper_from_row(row[1:])
    changed: list[tuple[int, Paper, Paper]] = []
    for paper_id, copies in stepping(seen_again.items()):
        merged = old[paper_id]
        for new in copies:
            merged = merge(merged, new)
            merged.topic = merged.date = merged.source = merged.path = ""  # not stored with the paper
        if merged != old[paper_id]:
            changed.append((paper_id, old[paper_id], merged))
    if not changed:
        return
    conn.executemany(
        _UPDATE_PAPER,
        [(m.version, m.title, j(m.authors), pack_body(m, dict_id), m.comment, j(m.images), j(m.flags), paper_id)
         for paper_id, _, m in changed],
    )
    write_index(conn, pending=pending, remove=[(paper_id, o) for paper_id, o, _ in changed],
                add=[(paper_id, m) for paper_id, _, m in changed])
