"""SearchArea on PostgreSQL: the same page, the same bm25 and the same total as SQLite's search
(jobs/store/search.py) for the same query.

Every query is ranked by the numpy ranker over the ranking index (its tables are SQLite's; its arrays
are loaded by the same code through bridge.py), as SQLite ranks words and prefixes. A quoted phrase of
two tokens (FTS5 ranks phrases on SQLite) is counted by the index's pair terms (jobs/search/pairs.py;
`search.pair_counts`); the papers of segments that did not pair its tokens, and every paper holding a
longer phrase not learned yet, are found through papers_fts, the GIN-indexed tsvector of the same tokens,
and the phrase's weighted count in each is counted on the server from the tsvector's positions and column
weights (jobs/store/tsv.py `cover_count`); such a longer phrase is then learned (jobs/store/learned_phrases.py)
and read from its learned counts after. All are ranked together by the same bm25, the phrases' shares added
in the query's order as FTS5 adds them. Filters (topic,
dates) are the ranker's appearance arrays, and so are the dates that order a tie of many.

What one search reads is of one moment: while the index's generation is that of the arrays held, one
statement reads the generation, the words' postings and the phrases' counts (one round trip); otherwise
the arrays are read again with them in one REPEATABLE READ transaction. Cost: benchmarks/store_engines.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import asyncpg
import numpy as np

from jobs.records import SearchHit
from jobs.search import rank as search_rank
from jobs.store import learned_phrases, rank_index, rank_snapshot
from jobs.store.postgres._connection import PgConnection
from jobs.store.postgres.bridge import run_shared
from jobs.store.rows import PAPER_COLUMNS, placed_paper
from jobs.store.search import (
    PAIR_LOOKUPS,
    Filters,
    PhraseLearning,
    Ranked,
    TakeIn,
    _Snapshot,
    near_ranked,
    newest_dates,
    pair_counts,
    pair_lookups,
    parse_match,
    query_counts,
    snapshot_after,
    term_counts,
)
from jobs.store.text_index import rebuild_rank_index
from jobs.store.tsv import cover_count, tsquery_text

log = logging.getLogger(__name__)
T = TypeVar("T")

# Papers that can be on a page (ties at its end included) read with their rows in one round trip; more
# (a tie of thousands) have their dates read first, then only the page's rows.
NEAR_ROWS = 50


def _filter_sql(topic: str | None, after: str | None, before: str | None, args: list[Any]) -> str:
    """Conditions on an appearance aliased x (each starting with " AND "), their values added to args."""
    sql = ""
    for column, op, value in (("topic", "=", topic), ("post_date", ">=", after), ("post_date", "<=", before)):
        if value is not None and (value or column == "topic"):
            args.append(value)
            sql += f" AND x.{column} {op} ${len(args)}"
    return sql


class PgSearch(TakeIn, PhraseLearning, PgConnection):
    """SearchArea (jobs/store/search.py)."""

    _snapshot_lock: asyncio.Lock | None = None
    _learned_known: frozenset[str] | None = None  # phrases seen learned (None: no learned phrases' tables)
    _learned_looked = False
    _dates_held = False  # the arrays held include the appearances (since a search met a large tie)

    async def _ensure_rank_index(self) -> None:
        """Fill the ranking index when it misses papers (a database copied in without it)."""
        async with self.pool.acquire() as conn:
            if not await run_shared(conn, rank_index.is_stale):
                return
        async with self.transaction() as conn:
            if await run_shared(conn, rank_index.is_stale):
                # An upgrade that changed the index (pg migration 0008) empties it: say why the open waits.
                log.info("%s: building the ranking index once (about a minute per 100,000 papers)", self.url.shown)
                count = await run_shared(conn, rebuild_rank_index)
                log.info("%s: ranking index built for %d papers", self.url.shown, count)

    async def merge_index(self, rows: int, owners: rank_index.Owners | None = None) -> bool:
        """As the SQLite store's (jobs/store/search.py)."""
        async with self.transaction() as conn:
            return await run_shared(conn, rank_index.merge_some, rows, owners)

    async def ready_search(self, appearances: bool = True) -> None:
        async with self._reading() as (conn, keep):
            generation = await conn.fetchval("SELECT generation FROM rank_state WHERE id = 1")
            await self._snapshot_of(conn, keep, int(generation), appearances)

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
        page: list[tuple[int, float]] = []
        total = 0
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
        fetched: Sequence[asyncpg.Record] | None = None  # the page's rows, when read with the ranking
        if match is not None:
            ranked = await self._rank(parse_match(match), arxiv_id, Filters(topic, after, before), offset + limit)
            if ranked is None:
                return [], 0
            if ranked.latest is None and len(ranked.ids) <= NEAR_ROWS:
                # Unfiltered, each paper's row comes with its newest appearance, whose date is what orders
                # ties: the few papers that can be on the page are read once, dates and rows together.
                fetched = await self._rows(filters, filter_args, ranked.ids.tolist())
                ranked = ranked.dated({int(r[0]): rank_index.day_number(r[1]) for r in fetched if r[1] is not None})
            elif ranked.latest is None:
                ranked = ranked.dated(await self._newest_dates(ranked.ids.tolist()))
            page, total = ranked.page(offset, limit)
        if not page:
            return [], total
        rows = fetched if fetched is not None else await self._rows(filters, filter_args, [i for i, _ in page])
        papers = {int(r[0]): placed_paper(r[2:]) for r in rows}
        return [SearchHit(papers[i], rank) for i, rank in page if i in papers], total

    async def _rows(self, filters: str, filter_args: list[Any], ids: list[int]) -> Sequence[asyncpg.Record]:
        """(id, newest passing date, the placed paper's columns) of these papers."""
        args = [*filter_args, ids]
        return await self._paper_rows(
            f"SELECT p.id, a.post_date, {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT x.id FROM appearances x "
            f"WHERE x.paper_id = p.id{filters} ORDER BY x.post_date DESC, x.id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            f"WHERE p.id = ANY(${len(args)}::bigint[])", *args)

    async def _rank(self, phrases: list[tuple[list[str], bool]], arxiv_id: str | None, filters: Filters,
                    want: int) -> Ranked | None:
        """The papers that can be among the first `want` (search.near_ranked); None: nothing matches."""
        if any(not toks for toks, _ in phrases):
            return None  # a phrase of no tokens matches nothing, as in FTS5
        words = [(toks[0], prefix) for toks, prefix in phrases if len(toks) == 1]
        # Two tokens, no prefix: the pair terms of the ranking index count it (jobs/search/pairs.py).
        paired = [toks for toks, prefix in phrases if len(toks) == 2 and not prefix]
        longer = [(toks, prefix) for toks, prefix in phrases if len(toks) > 1 and (len(toks) > 2 or prefix)]
        lookups = [*words, *(t for toks in paired for t in pair_lookups(toks))]
        if not self._learned_looked:  # an older schema (a read-only open's) has no learned phrases
            if await self._one("SELECT to_regclass('rank_phrases') IS NOT NULL"):
                self._learned_known = frozenset()
            self._learned_looked = True  # once it was answered: a lost connection asks again next time
        found = _Found.statement(lookups, longer, self._learned_known)
        held = self._snapshot
        snap: _Snapshot | None = None
        if held is not None and self._own() is None:
            # The common case, one statement and one round trip: the index's generation, the words'
            # postings and the phrases' matches, all of one moment; the arrays held are still those of
            # that generation.
            read = _Found.of(await self._pooled(lambda c: c.fetch(*found)), len(lookups), len(longer))
            if read.generation == held.generation and (not (filters or self._dates_held) or (
                    held.dated is not None and held.appearances_generation == held.generation)):
                snap = held
        if snap is None:  # the index changed since (or nothing is held, or a writer reads its own writes)
            async with self._reading() as (conn, keep):
                read = _Found.of(await conn.fetch(*found), len(lookups), len(longer))
                snap = await self._snapshot_of(conn, keep, read.generation, bool(filters or self._dates_held))
        one_word = len(phrases) == 1 == len(words) and arxiv_id is None  # `query_counts` may spare an array
        word_counts = iter([] if one_word else term_counts(snap, words, read.postings[: len(words)]))
        paired_counts = []
        for i, toks in enumerate(paired):
            at = len(words) + PAIR_LOOKUPS * i
            count, unsure = pair_counts(snap, pair_lookups(toks), read.postings[at : at + PAIR_LOOKUPS])
            if len(unsure):
                count[unsure] = await self._phrase_counts(toks, unsure.tolist())
            paired_counts.append(count)
        gone = [j for j in range(len(longer)) if read.learned[j] is None and read.matches[j] is None]
        if gone:  # learned when this store last looked, forgotten since (the oldest make room): count them
            self._learned_known = (self._learned_known or frozenset()) - {" ".join(longer[j][0]) for j in gone}
            return await self._rank(phrases, arxiv_id, filters, want)
        if self._learned_known is not None:
            now = [" ".join(toks) for (toks, _), held in zip(longer, read.learned, strict=True) if held is not None]
            self._learned_known |= set(now)
            self._used(now)
            self._learn([" ".join(toks) for (toks, prefix), held in zip(longer, read.learned, strict=True)
                         if held is None and not prefix])
        pairs_in_order = iter(paired_counts)
        longer_in_order = (read.phrase_counts(j, len(snap.corpus.segment)) for j in range(len(longer)))
        # In the query's order, as FTS5 adds the phrases' shares of bm25 (another order can move the last bit).
        counts: list[search_rank.Floats] | search_rank.Sparse
        if one_word:
            counts = query_counts(snap, words, read.postings, filters)
        else:
            counts = [next(word_counts) if len(toks) == 1 else next(pairs_in_order) if len(toks) == 2 and not prefix
                      else next(longer_in_order) for toks, prefix in phrases]
        allowed = None
        if arxiv_id is not None:
            allowed = np.zeros(len(snap.corpus.segment), dtype=bool)
            paper = await self._one("SELECT id FROM papers WHERE arxiv_id = $1", arxiv_id)
            if paper is not None and int(paper) < len(allowed):
                allowed[int(paper)] = True
        ranked = near_ranked(snap, counts, filters, want, allowed)
        if ranked.latest is None and len(ranked.ids) > NEAR_ROWS:
            # A tie of many (a phrase in thousands of papers of one length): their newest dates come from the
            # appearances' arrays, which searches hold from now on (read on the server, it took tens of ms).
            if snap.dated is not None and snap.appearances_generation == snap.generation:
                ranked = replace(ranked, latest=newest_dates(snap, ranked.ids))
            self._dates_held = True
        return ranked

    def _may_learn(self) -> bool:
        return not self.read_only and self._own() is None

    async def _write_now(self, fn: Callable[..., T], *args: Any) -> T:
        async with self.transaction() as conn:
            return await run_shared(conn, fn, *args)

    async def close(self) -> None:
        self._closing = True  # an ingest still committing begins no take-in now
        await self._settle_take_in()
        await self._settle_learning()
        await super().close()

    async def _phrase_counts(self, phrase: list[str], ids: list[int]) -> np.ndarray:
        """The weighted count of `phrase` in each of these papers (0: not there), by the text index."""
        query = tsquery_text(phrase)
        rows = await self._all(
            f"SELECT c.at, {cover_count('f.doc', '$2::tsquery')} FROM unnest($1::bigint[]) WITH ORDINALITY "
            "AS c(id, at) JOIN papers_fts f ON f.id = c.id WHERE f.doc @@ $2::tsquery", ids, query)
        out = np.zeros(len(ids), dtype=np.float64)
        for at, weight in rows:
            out[at - 1] = weight
        return out

    async def _newest_dates(self, ids: list[int]) -> dict[int, int]:
        """rank_index.newest_dates without a bridge: as arrays, the dates made numbers on the server (a
        phrase found in thousands of papers of one length ties them all, and asks for thousands)."""
        rows = await self._all(
            "SELECT array_agg(paper_id), array_agg(CASE WHEN d ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' "
            "THEN replace(left(d, 10), '-', '')::int ELSE 0 END) FROM (SELECT paper_id, max(post_date) AS d "
            "FROM appearances WHERE paper_id = ANY($1::bigint[]) GROUP BY paper_id) m", ids)
        papers, days = rows[0]
        return dict(zip(papers or [], days or [], strict=True))

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[tuple[asyncpg.Connection, bool]]:
        """A connection whose reads are one moment, and whether arrays read on it may be kept: the
        holder of a write transaction reads its own uncommitted writes, which are never kept."""
        own = self._own()
        if own is not None:
            yield own, False
            return
        conn, tx = await self._lent(_read_only)
        try:
            try:
                yield conn, True
            finally:
                await tx.rollback()
        finally:
            await self.pool.release(conn)

    async def _snapshot_of(self, conn: asyncpg.Connection, keep: bool, generation: int,
                           need_appearances: bool) -> _Snapshot:
        """The arrays of generation `generation`, read on `conn` (whose moment it is), as SQLite's `_read_index`."""
        if self._snapshot_lock is None:
            self._snapshot_lock = asyncio.Lock()
        async with self._snapshot_lock:  # one reload at a time
            held = self._snapshot
            reading = await run_shared(conn, rank_snapshot.read, [], held, need_appearances)
            assert reading.snapshot.generation == generation, "read in one transaction"
            held = snapshot_after(held, reading)
            if keep:
                self._snapshot = held
            return held


async def _read_only(conn: asyncpg.Connection) -> Any:
    tx = conn.transaction(isolation="repeatable_read", readonly=True)
    await tx.start()
    return tx


@dataclass(frozen=True, slots=True)
class _Found:
    """What one search reads besides the arrays, in one statement: the index's generation, each word's
    merged-segment postings (rank_index.postings) and each phrase's matches with their weighted counts."""

    generation: int
    postings: list[list[tuple[int, bytes, bytes]]]
    matches: list[tuple[list[int], list[float]] | None]  # None: not counted (known learned)
    learned: list[list[tuple[int, bytes, bytes]] | None]  # each phrase's learned parts (id, ids, counts); None: not

    @staticmethod
    def statement(words: list[tuple[str, bool]], phrases: list[tuple[list[str], bool]],
                  known: frozenset[str] | None = None) -> tuple[Any, ...]:
        """The statement and its arguments. Rows: (k, n, ids, counts, matched, weights): k -1 is the
        generation (n); k < 1000 a posting row (segment n) of word k; k >= 1000 phrase k - 1000's matches.
        With `known` (the phrases learned so far; None: the database has no learned phrases' tables), each
        phrase's learned parts too (k >= 2000: a part, n its id; k >= 3000: the phrase is learned), and the
        phrases in `known` are not counted from the tsvector."""
        none = "NULL::bytea, NULL::bytea, NULL::bigint[], NULL::float8[]"
        parts = [f"SELECT -1, generation, {none} FROM rank_state WHERE id = 1"]
        args: list[Any] = []
        for k, (term, prefix) in enumerate(words):
            args.append(term)
            if prefix and term:  # a term's own rows, or those of every term it begins (as rank_index.postings)
                args.append(rank_index._after_prefix(term))
                where = f"term >= ${len(args) - 1} AND term < ${len(args)}"
            else:
                where = f"term = ${len(args)}"
            parts.append(f"SELECT {k}, seg, ids, counts, NULL::bigint[], NULL::float8[] FROM rank_postings "
                         f"WHERE {where}")
        for j, (toks, prefix) in enumerate(phrases):
            if known is not None and not prefix:
                args.append(" ".join(toks))
                parts.append(f"SELECT {2000 + j}, id, ids, counts, NULL::bigint[], NULL::float8[] "
                             f"FROM rank_phrase_parts WHERE phrase = ${len(args)}")
                parts.append(f"SELECT {3000 + j}, 0, {none} FROM rank_phrases WHERE phrase = ${len(args)}")
                if args[-1] in known:
                    continue
            # The phrase's weighted count in each paper holding it, as FTS5 counts it for bm25: ts_rank_cd
            # over the phrase's covers, weighted by the column labels (tsv.cover_count).
            args.append(tsquery_text(toks) + (":*" if prefix else ""))
            parts.append(f"SELECT {1000 + j}, 0, NULL::bytea, NULL::bytea, array_agg(id), "
                         f"array_agg({cover_count('doc', f'${len(args)}::tsquery')}) "
                         f"FROM papers_fts WHERE doc @@ ${len(args)}::tsquery")
        return " UNION ALL ".join(f"({p})" for p in parts), *args

    @classmethod
    def of(cls, rows: Sequence[asyncpg.Record], words: int, phrases: int) -> _Found:
        generation = 0
        postings: list[list[tuple[int, bytes, bytes]]] = [[] for _ in range(words)]
        matches: list[tuple[list[int], list[float]] | None] = [None for _ in range(phrases)]
        found: list[list[tuple[int, bytes, bytes]]] = [[] for _ in range(phrases)]
        learned = [False] * phrases
        for k, n, ids, counts, matched, weights in rows:
            if k < 0:
                generation = int(n)
            elif k < 1000:
                postings[k].append((int(n), ids, counts))
            elif k < 2000:
                matches[k - 1000] = (matched or [], weights or [])  # an aggregate of no rows is NULL
            elif k < 3000:
                found[k - 2000].append((int(n), ids, counts))
            else:
                learned[k - 3000] = True
        return cls(generation, postings, matches,
                   [sorted(f) if held else None for f, held in zip(found, learned, strict=True)])

    def phrase_counts(self, j: int, size: int) -> search_rank.Floats:
        """Phrase j's weighted count in every paper (by id); papers past `size` are newer than the arrays."""
        held = self.learned[j]
        if held is not None:
            return learned_phrases.counts(size, [(bytes(ids), bytes(counts)) for _, ids, counts in held])
        out = np.zeros(size, dtype=np.float64)
        assert self.matches[j] is not None, "counted when not learned"
        ids, weights = (np.array(a) for a in self.matches[j])
        if len(ids):
            keep = ids < size
            out[ids[keep]] = np.asarray(weights, dtype=np.float64)[keep]
        return out
