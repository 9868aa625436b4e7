"""SearchArea on PostgreSQL: the same page, the same bm25 and the same total as SQLite's search
(jobs/store/search.py) for the same query.

Every query is ranked by the numpy ranker over the ranking index (its tables are SQLite's, read by the
same code through bridge.py), as SQLite ranks words and prefixes. A quoted phrase of several tokens
(FTS5 ranks those on SQLite) is found through papers_fts, the GIN-indexed tsvector of the same tokens;
its weighted count in each paper found is counted from the tsvector's positions and their column
weights (jobs/store/tsv.py) and ranked with the words, by the same bm25. Filters (topic, dates) are the
ranker's appearance arrays.
All that one search reads is read in one REPEATABLE READ transaction: one moment of the database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from itertools import groupby
from typing import Any

import asyncpg
import numpy as np

from jobs.records import SearchHit
from jobs.search import rank as search_rank
from jobs.store import rank_index, rank_snapshot
from jobs.store.fts_tokens import tokens
from jobs.store.postgres._connection import PgConnection
from jobs.store.postgres.bridge import run_shared
from jobs.store.rows import PAPER_COLUMNS, placed_paper
from jobs.store.search import Filters, _Snapshot, near_ranked, snapshot_after, term_counts
from jobs.store.text_index import rebuild_rank_index
from jobs.store.tsv import phrase_weight, tsquery_text

# A MATCH expression as jobs.search.query.build_query writes it: quoted phrases ("" inside is a quote), each
# maybe a prefix (*), joined by AND.
_PHRASE = re.compile(r'"((?:[^"]|"")*)"(\*?)')
_GLUE = re.compile(r"\s+AND\s+")


def parse_match(match: str) -> list[tuple[list[str], bool]]:
    """(tokens, prefix?) of each phrase of `match`; ValueError for any other FTS5 syntax."""
    out: list[tuple[list[str], bool]] = []
    at = 0
    for m in _PHRASE.finditer(match):
        between = match[at : m.start()]
        if (out and not _GLUE.fullmatch(between)) or (not out and between.strip()):
            raise ValueError(f"unsupported search expression: {match!r}")
        out.append((tokens(m.group(1).replace('""', '"')), bool(m.group(2))))
        at = m.end()
    if not out or match[at:].strip():
        raise ValueError(f"unsupported search expression: {match!r}")
    return out


def _filter_sql(topic: str | None, after: str | None, before: str | None, args: list[Any]) -> str:
    """Conditions on an appearance aliased x (each starting with " AND "), their values added to args."""
    sql = ""
    for column, op, value in (("topic", "=", topic), ("post_date", ">=", after), ("post_date", "<=", before)):
        if value is not None and (value or column == "topic"):
            args.append(value)
            sql += f" AND x.{column} {op} ${len(args)}"
    return sql


class PgSearch(PgConnection):
    """SearchArea (jobs/store/search.py)."""

    _snapshot: _Snapshot | None = None
    _snapshot_lock: asyncio.Lock | None = None

    async def _ensure_rank_index(self) -> None:
        """Fill the ranking index when it misses papers (a database copied in without it)."""
        async with self.pool.acquire() as conn:
            if not await run_shared(conn, rank_index.is_stale):
                return
        async with self.transaction() as conn:
            if await run_shared(conn, rank_index.is_stale):
                await run_shared(conn, rebuild_rank_index)

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
        words: Sequence[tuple[str, bool]] | None = None,
    ) -> tuple[list[SearchHit], int]:
        """As SQLite's `search` (read its docstring); `words` is not needed: `match` says it all."""
        args: list[Any] = []
        filters = _filter_sql(topic, after, before, args)
        filter_args = list(args)
        page: list[tuple[int, float]]
        if match is None and arxiv_id is not None:
            args.append(arxiv_id)
            where = f"p.arxiv_id = ${len(args)}"
            if filters:
                where += f" AND EXISTS (SELECT 1 FROM appearances x WHERE x.paper_id = p.id{filters})"
            found = [int(r[0]) for r in await self._all(f"SELECT p.id FROM papers p WHERE {where}", *args)]
            total, page = len(found), [(i, 0.0) for i in found[offset : offset + limit]]
        elif match is None:
            where = filters.removeprefix(" AND ") or "true"
            n = len(args)
            rows = await self._all(
                f"SELECT x.paper_id FROM appearances x WHERE {where} GROUP BY x.paper_id "
                f"ORDER BY max(x.post_date) DESC, x.paper_id DESC LIMIT ${n + 1} OFFSET ${n + 2}",
                *args, limit, offset)
            page = [(int(r[0]), 0.0) for r in rows]
            total = int(await self._one(f"SELECT count(DISTINCT x.paper_id) FROM appearances x WHERE {where}",
                                        *args) or 0)
        else:
            page, total = await self._rank(parse_match(match), arxiv_id, Filters(topic, after, before),
                                           offset, limit)
        if not page:
            return [], total
        args = [*filter_args, [i for i, _ in page]]
        rows = await self._all(
            f"SELECT p.id, {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT x.id FROM appearances x "
            f"WHERE x.paper_id = p.id{filters} ORDER BY x.post_date DESC, x.id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            f"WHERE p.id = ANY(${len(args)}::bigint[])", *args)
        papers = {int(r[0]): placed_paper(r[1:]) for r in rows}
        return [SearchHit(papers[i], rank) for i, rank in page if i in papers], total

    async def _rank(self, phrases: list[tuple[list[str], bool]], arxiv_id: str | None, filters: Filters,
                    offset: int, limit: int) -> tuple[list[tuple[int, float]], int]:
        if any(not toks for toks, _ in phrases):
            return [], 0  # a phrase of no tokens matches nothing, as in FTS5
        words = [(toks[0], prefix) for toks, prefix in phrases if len(toks) == 1]
        longer = [(toks, prefix) for toks, prefix in phrases if len(toks) > 1]
        async with self._reading() as (conn, keep):
            snap, postings = await self._snapshot_of(conn, keep, words, bool(filters))
            counts = term_counts(snap, words, postings)
            counts += [await self._phrase_counts(conn, snap, toks, prefix) for toks, prefix in longer]
            allowed = None
            if arxiv_id is not None:
                allowed = np.zeros(len(snap.corpus.segment), dtype=bool)
                found = await conn.fetchval("SELECT id FROM papers WHERE arxiv_id = $1", arxiv_id)
                if found is not None and int(found) < len(allowed):
                    allowed[int(found)] = True
            ranked = near_ranked(snap, counts, filters, offset + limit, allowed)
            if ranked.latest is None:
                ranked = ranked.dated(await run_shared(conn, rank_index.newest_dates, ranked.ids.tolist()))
        return ranked.page(offset, limit)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[tuple[asyncpg.Connection, bool]]:
        """A connection whose reads are one moment, and whether arrays read on it may be kept: the
        holder of a write transaction reads its own uncommitted writes, which are never kept."""
        own = self._own()
        if own is not None:
            yield own, False
            return
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield conn, True

    async def _snapshot_of(self, conn: asyncpg.Connection, keep: bool, words: list[tuple[str, bool]],
                           need_appearances: bool) -> tuple[_Snapshot, list[search_rank.Postings]]:
        """The arrays of this moment, and the words' postings (as SQLite's `_read_index`)."""
        if self._snapshot_lock is None:
            self._snapshot_lock = asyncio.Lock()
        async with self._snapshot_lock:  # one reload at a time
            held = self._snapshot
            reading = await run_shared(conn, rank_snapshot.read, words, held, need_appearances)
            held = snapshot_after(held, reading)
            if keep:
                self._snapshot = held
            return held, reading.postings

    async def _phrase_counts(self, conn: asyncpg.Connection, snap: _Snapshot, phrase: list[str],
                             prefix: bool) -> search_rank.Floats:
        """The phrase's weighted count in every paper (by id), for papers the tsvector says may hold it."""
        query = tsquery_text(phrase) + (":*" if prefix else "")
        out = np.zeros(len(snap.corpus.segment), dtype=np.float64)
        # Only the phrase's own lexemes of each paper found, with their positions and weight labels.
        rows = await conn.fetch(
            "SELECT f.id, u.lexeme, u.positions, u.weights FROM papers_fts f "
            "CROSS JOIN LATERAL unnest(f.doc) AS u(lexeme, positions, weights) WHERE f.doc @@ $1::tsquery "
            "AND (u.lexeme = ANY($2::text[]) OR ($3 AND starts_with(u.lexeme, $4))) ORDER BY f.id",
            query, list(phrase), prefix, phrase[-1])
        for paper_id, group in groupby(rows, key=lambda r: int(r[0])):
            if paper_id < len(out):
                out[paper_id] = phrase_weight([(r[1], r[2], r[3]) for r in group], phrase, prefix)
        return out
