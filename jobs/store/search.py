"""Full-text search's SQL. Which plan a query gets is decided in `jobs.search.cost`.

A query of words and prefixes (most of them) is ranked from the ranking index by
`jobs.search.rank`, which scores every match as FTS5's bm25 would, in numpy. Phrases of several
tokens (quoted words, Chinese words of three or more characters) need positions, which only
papers_fts has: FTS5 ranks a query holding one the first time, and the phrase is then learned
(`learned_phrases.py`; a phrase of two tokens the index's pair terms count in full needs none), so
the next search for it is ranked in numpy too. Both give the same page for the same query."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np

from jobs.foreground import foreground
from jobs.records import SearchHit
from jobs.search import cost as search_cost
from jobs.search import pairs
from jobs.search import rank as search_rank
from jobs.store import learned_phrases, rank_index, rank_snapshot
from jobs.store._connection import Connection, run_sync
from jobs.store.fts_tokens import BM25_SQL, tokens
from jobs.store.migrate import rewrite_file
from jobs.store.rows import PAPER_COLUMNS, placed_paper
from jobs.store.text_index import rebuild_rank_index

log = logging.getLogger(__name__)
T = TypeVar("T")



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


_Snapshot = rank_snapshot.Snapshot  # what searches keep of the ranking index


def snapshot_after(held: _Snapshot | None, reading: rank_snapshot.Reading) -> _Snapshot:
    """The arrays to rank with after `reading` (which took in what changed since `held`)."""
    return reading.snapshot


def word_terms(words: Sequence[tuple[str, bool]]) -> list[tuple[str, bool]] | None:
    """Each (word, prefix?) as its one index token; None when a word is several tokens (a phrase)."""
    terms: list[tuple[str, bool]] = []
    for text, prefix in words:
        found = tokens(text)
        if len(found) != 1:
            return None
        terms.append((found[0], prefix))
    return terms


def with_fresh(snap: _Snapshot, term: str, prefix: bool, found: search_rank.Postings) -> search_rank.Postings:
    """A term's merged segments' rows (`found`, as read) and its rows in the fresh segments held."""
    return [*found, *((f.seg, ids, c) for f in snap.fresh for ids, c in f.lookup(term, prefix))]


def term_counts(snap: _Snapshot, terms: Sequence[tuple[str, bool]], rows: list[search_rank.Postings]
                ) -> list[search_rank.Floats]:
    """Each term's weighted count in every paper, from its merged segments' rows and the fresh segments."""
    return [search_rank.phrase_counts(snap.corpus, with_fresh(snap, term, prefix, found))
            for (term, prefix), found in zip(terms, rows, strict=True)]


def query_counts(snap: _Snapshot, terms: Sequence[tuple[str, bool]], rows: list[search_rank.Postings],
                 filters: Filters) -> list[search_rank.Floats] | search_rank.Sparse:
    """`term_counts`, or for a query of one whole word (a Chinese word, an acronym: most of them) and no filter its
    postings alone, which `near_ranked` scores without an array of every paper (1M papers: `模型`, 651,564 matches,
    12.4 -> 8.9 ms CPU; `扩散` 5.2 -> 2.4). With a filter the array is quicker: its mask is an array too."""
    if len(terms) == 1 and not terms[0][1] and not filters:
        return search_rank.term_postings(snap.corpus, with_fresh(snap, terms[0][0], False, rows[0]))
    return term_counts(snap, terms, rows)


def pair_lookups(phrase: Sequence[str]) -> list[tuple[str, bool]]:
    """What a phrase of two tokens reads of the ranking index (`pair_counts` takes them in this order):
    its pair term, its tokens' markers and its tokens (jobs/search/pairs.py)."""
    left, right = phrase
    return [(t, False) for t in (pairs.pair_term(left, right), pairs.marker(left), pairs.marker(right), left, right)]


PAIR_LOOKUPS = len(pair_lookups(("a", "b")))  # what one phrase of two tokens reads of the ranking index


def pair_counts(snap: _Snapshot, lookups: Sequence[tuple[str, bool]], rows: Sequence[search_rank.Postings]
                ) -> tuple[search_rank.Floats, np.ndarray]:
    """A phrase of two tokens: its weighted count in every paper of a segment complete for it (0 elsewhere),
    and the papers of the other segments that hold both tokens, whose counts the text index must give.
    `rows`: the merged segments' rows of its `pair_lookups`; the fresh segments' are added here."""
    pair, *rest = (with_fresh(snap, term, False, found) for (term, _), found in zip(lookups, rows, strict=True))
    left_marks, right_marks, left, right = rest
    complete = {seg for seg, _, _ in left_marks} & {seg for seg, _, _ in right_marks}
    corpus = snap.corpus
    # A level merge under way keeps a marker in its target only when every source held it: then the
    # sources (which still own their papers) are complete, wherever their pair rows are now.
    complete.update(int(s) for target, sources in corpus.merging.items() if target in complete for s in sources)
    counts = search_rank.phrase_counts(corpus, pair)
    top = max(int(corpus.segment.max(initial=0)), max(complete, default=0)) + 2
    whole = np.zeros(top, dtype=bool)
    whole[list(complete)] = True
    whole[-1] = True  # segment -1: not indexed
    unsure = ~whole[corpus.segment]
    if not unsure.any():
        return counts, np.empty(0, dtype=np.int64)
    counts[unsure] = 0.0  # a segment that is not complete may hold some of the pairs: the text index counts them
    held = (search_rank.phrase_counts(corpus, left) > 0) & (search_rank.phrase_counts(corpus, right) > 0)
    return counts, np.flatnonzero(unsure & held)


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


@dataclass(frozen=True, slots=True)
class Filters:
    topic: str | None
    after: str | None
    before: str | None

    def __bool__(self) -> bool:
        return bool(self.topic or self.after or self.before)


@dataclass(frozen=True, slots=True)
class Ranked:
    """The papers that can be on the page (`search_rank.near_page`), the total, and their newest dates."""

    ids: np.ndarray
    ranks: np.ndarray
    total: int
    latest: np.ndarray | None  # aligned with ids; None: not read yet (`dated`)

    def dated(self, newest: dict[int, int]) -> Ranked:
        return replace(self, latest=np.array([newest.get(i, 0) for i in self.ids.tolist()], dtype=np.int64))

    def page(self, offset: int, limit: int) -> tuple[list[tuple[int, float]], int]:
        assert self.latest is not None
        ids, ranks = search_rank.order(self.ids, self.ranks, self.latest, offset, limit)
        return [(int(i), float(r)) for i, r in zip(ids, ranks, strict=True)], self.total


def near_ranked(snap: _Snapshot, counts: list[search_rank.Floats] | search_rank.Sparse, filters: Filters, want: int,
                allowed: np.ndarray | None = None) -> Ranked:
    """Score every paper holding each count's phrase (and passing the filters, and `allowed`), keep
    those that can be among the first `want`; with filters, their newest passing dates too."""
    latest = None
    if filters:
        passing, latest = _filtered(snap, filters)
        allowed = passing if allowed is None else allowed & passing
    ids, ranks = search_rank.score(snap.corpus, counts, allowed)
    near_ids, near_ranks = search_rank.near_page(ids, ranks, want)
    return Ranked(near_ids, near_ranks, len(ids), latest[near_ids] if latest is not None else None)


def _filtered(snap: _Snapshot, filters: Filters) -> tuple[np.ndarray, np.ndarray]:
    """Papers with an appearance that passes the filters, and the newest such appearance's date."""
    dated = snap.dated
    assert dated is not None
    code = dated.topics.get(filters.topic, -1) if filters.topic is not None else None
    after = rank_index.day_number(filters.after) if filters.after else None
    before = rank_index.day_number(filters.before) if filters.before else None

    def keep(part: rank_snapshot.Part) -> np.ndarray:
        kept = np.ones(len(part.paper), dtype=bool)
        if code is not None:
            kept &= part.topic == code
        if after is not None:
            kept &= part.date >= after
        if before is not None:
            kept &= part.date <= before
        return kept
    return dated.newest(len(snap.corpus.segment), keep, (code, after, before))


def newest_dates(snap: _Snapshot, ids: np.ndarray) -> np.ndarray:
    """The newest appearance date (YYYYMMDD; 0: none) of each of these papers, from the held appearances,
    as `rank_index.newest_dates` reads them."""
    assert snap.dated is not None
    return snap.dated.newest_of(ids)


class PhraseLearning:
    """Learning the phrases a search could not count from the ranking index (learned_phrases.py), after that
    search, and saying when a learned one was last searched (the least recently searched makes room first):
    a write transaction each, in a task the store waits for when it closes. Both engines' search."""

    _learning: dict[str, asyncio.Task[None]] | None = None  # writes under way by phrase (a touch: NUL + phrases)
    _touched: dict[str, float] | None = None  # when this store last said a phrase was searched

    def _may_learn(self) -> bool:
        raise NotImplementedError

    async def _write_now(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` in a write transaction of its own."""
        raise NotImplementedError

    def _learn(self, phrases: Sequence[str]) -> None:
        for phrase in phrases:
            self._later(phrase, self._learn_one(phrase))

    def _used(self, phrases: Sequence[str]) -> None:
        """These learned phrases were searched: said once an hour at most (a write)."""
        now = time.time()
        touched = self._touched = self._touched or {}
        due = [p for p in phrases if now - touched.get(p, 0.0) >= learned_phrases.TOUCH_S]
        if due and self._may_learn():
            touched.update(dict.fromkeys(due, now))
            self._later("\0" + " ".join(due), self._write(learned_phrases.touch, due))

    def _later(self, key: str, work: Coroutine[Any, Any, None]) -> None:
        learning = self._learning = self._learning if self._learning is not None else {}
        if key in learning or not self._may_learn():
            work.close()
            return
        task = asyncio.get_running_loop().create_task(work)
        learning[key] = task
        task.add_done_callback(lambda _: learning.pop(key, None))

    async def _learn_one(self, phrase: str) -> None:
        if await self._write(learned_phrases.learn, phrase):
            log.info("learned the phrase %r for search", phrase)

    async def _write(self, fn: Callable[..., T], *args: Any) -> T | None:
        try:
            return await self._write_now(fn, *args)
        except Exception as exc:  # busy past the timeout, a full disk: the next search asks again
            log.warning("could not keep a phrase for search (%s: %s)", type(exc).__name__, exc)
            return None

    async def _settle_learning(self) -> None:
        """Wait for the writes under way (before the connections close)."""
        learning = list((self._learning or {}).values())
        if learning:
            await asyncio.gather(*learning, return_exceptions=True)


class TakeIn:
    """After this process commits an ingest, the search arrays it holds take the commit in, in the background:
    the first search after a day's ingest (the digest it posts, a member searching) finds them current.
    Nothing when search was never made ready here (a scheduler apart holds no arrays). Additions only: a
    change that is no addition (a changed post's appearances) is loaded whole by the search cog's next look or
    the first search that needs it, not after every commit of a burst (a resync's batches: 1.4 s of CPU each
    at a million papers). Both engines' search; other processes' commits are taken in by the bot's search cog
    every KEEP_CURRENT_S (10 s), or by the next search."""

    _snapshot: _Snapshot | None = None  # the arrays searches rank with (both engines' search)
    _taking_in: asyncio.Task[None] | None = None
    _again = False  # a commit came while the take-in under way had begun reading
    _take_in_failing = False
    _closing = False

    async def ready_search(self, appearances: bool = True) -> None:
        raise NotImplementedError

    def _index_changed(self) -> None:
        if self._snapshot is None or self._closing:
            return
        if self._taking_in is not None and not self._taking_in.done():
            self._again = True
            return
        self._taking_in = asyncio.get_running_loop().create_task(self._take_in())

    async def _take_in(self) -> None:
        self._again = True
        while self._again:
            self._again = False
            try:
                with foreground():  # a search would wait for it: an ingest of this process steps aside meanwhile
                    await self.ready_search(appearances=False)
            except Exception as exc:  # the next search takes it in itself
                if not self._take_in_failing:
                    log.warning("could not take in an ingest's commit for search (%s: %s); the next search "
                                "takes it in", type(exc).__name__, exc)
                self._take_in_failing = True
                return
            self._take_in_failing = False

    async def _settle_take_in(self) -> None:
        """Wait for a take-in under way (before the connections close)."""
        if self._taking_in is not None:
            await asyncio.gather(self._taking_in, return_exceptions=True)


class Search(TakeIn, PhraseLearning, Connection):
    _snapshot_lock: asyncio.Lock | None = None

    async def _ensure_rank_index(self) -> None:
        """Fill the ranking index when it misses papers (first open after migration 0013). The
        check is a plain read: opening a database another process is writing to does not wait."""
        if not await run_sync(self._read, rank_index.is_stale):
            return
        async with self.transaction() as db:
            if not await run_sync(db, rank_index.is_stale):
                return  # another process filled it meanwhile
            log.info("%s: building the ranking index once (about a minute per 100,000 papers)", self.path)
            count = await run_sync(db, rebuild_rank_index)
            log.info("%s: ranking index built for %d papers", self.path, count)
        # Building it merged segments, which leaves free pages behind: give them back once.
        await rewrite_file(self)

    async def ready_search(self, appearances: bool = True) -> None:
        await self._read_index([], appearances)

    async def merge_index(self, rows: int, owners: rank_index.Owners | None = None) -> bool:
        """One piece of the ranking index's merging in a transaction of its own (the merger process's,
        jobs/ops/rank_merger.py): whether there was any to do."""
        async with self.transaction() as db:
            return await run_sync(db, rank_index.merge_some, rows, owners)

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
        """One page of papers for an FTS5 MATCH expression (from `jobs.search.query.build_query`) and/or an
        exact arXiv id, and how many there are in all.

        Ranked by bm25 (title 10, authors 5, ids 5, abstract/summary/takeaways 2), a newer post date
        first on ties. topic/after/before (dates inclusive, YYYY-MM-DD) filter on appearances: a paper
        matches if any appearance does, and is shown with its latest matching appearance. Without
        match and arxiv_id, the filtered papers come newest first. `words` (from
        `jobs.search.query.build_query`: each term and whether it is a prefix; None when the query has a
        phrase) lets the ranking index rank it; FTS5 ranks it otherwise, to the same page.

        Every match is ranked (the page is exactly what full bm25 ranking gives, however many
        match): ranked inside a subquery with LIMIT, so only one page of rows is joined to papers and
        appearances, then counted in a pass without bm25 if the page did not see them all;
        `jobs.search.cost` chooses how filters are applied. Cost: benchmarks/search_latency.py."""
        filters, params = _appearance_filters(topic, after, before)
        params.update(arxiv_id=arxiv_id, off=offset, lim=limit)

        if match is None and arxiv_id is not None:
            where = "p.arxiv_id = :arxiv_id"
            if filters:
                where += (" AND EXISTS (SELECT 1 FROM appearances x INDEXED BY appearances_paper_date "
                          f"WHERE x.paper_id = p.id{filters})")
            found = [int(r[0]) for r in await self._all(f"SELECT p.id FROM papers p WHERE {where}", params)]
            total, page = len(found), [(i, 0.0) for i in found[offset : offset + limit]]
        elif match is None:
            where = filters.removeprefix(" AND ") or "1"
            rows = await self._all(
                f"SELECT x.paper_id FROM appearances x WHERE {where} "
                "GROUP BY x.paper_id ORDER BY max(x.post_date) DESC, x.paper_id DESC LIMIT :lim OFFSET :off",
                params,
            )
            page = [(int(r[0]), 0.0) for r in rows]
            total = int(await self._one(f"SELECT count(DISTINCT x.paper_id) FROM appearances x WHERE {where}",
                                        params) or 0)
        else:
            fast = None
            if words and arxiv_id is None:
                fast = await self._rank_words(words, topic, after, before, offset, limit)
            elif arxiv_id is None:
                fast = await self._rank_phrases(match, Filters(topic, after, before), offset, limit)
            page, total = fast or await self._ranked(match, filters, params, offset, limit)
        if not page:
            return [], total
        params["ids"] = json.dumps([i for i, _ in page])
        rows = await self._paper_rows(
            f"SELECT p.id, {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT x.id FROM appearances x INDEXED BY appearances_paper_date "
            f"WHERE x.paper_id = p.id{filters} ORDER BY x.post_date DESC, x.id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE p.id IN (SELECT value FROM json_each(:ids))",
            params,
        )
        papers = {int(r[0]): placed_paper(r[1:]) for r in rows}
        return [SearchHit(papers[i], rank) for i, rank in page if i in papers], total

    async def _rank_words(self, words: Sequence[tuple[str, bool]], topic: str | None, after: str | None,
                          before: str | None, offset: int, limit: int) -> tuple[list[tuple[int, float]], int] | None:
        """(paper id, bm25) of one page and the total, from the ranking index; None when a word is
        more than one token to the index (then it is a phrase: FTS5 ranks it)."""
        terms = word_terms(words)
        if terms is None:
            return None
        snap, reading = await self._read_index(terms, bool(topic or after or before))
        filters = Filters(topic, after, before)
        ranked = near_ranked(snap, query_counts(snap, terms, reading.postings, filters), filters, offset + limit)
        return (await self._with_dates(snap, ranked)).page(offset, limit)

    async def _rank_phrases(self, match: str, filters: Filters, offset: int, limit: int
                            ) -> tuple[list[tuple[int, float]], int] | None:
        """(paper id, bm25) of one page and the total for a query holding phrases of several tokens, from the
        ranking index: each phrase learned (learned_phrases.py), or two tokens its pair terms count in full
        (jobs/search/pairs.py). None otherwise (FTS5 ranks it), and the phrases it could not count are
        learned for the next search."""
        try:
            phrases = parse_match(match)
        except ValueError:
            return None
        if all(len(toks) == 1 for toks, _ in phrases) or any(
                not toks or (len(toks) > 1 and prefix) for toks, prefix in phrases):
            return None  # words alone (`words` says them; without it FTS5 ranks), no tokens, a prefix phrase
        words = [(toks[0], prefix) for toks, prefix in phrases if len(toks) == 1]
        paired = [toks for toks, _ in phrases if len(toks) == 2]
        longer = [" ".join(toks) for toks, _ in phrases if len(toks) > 1]
        lookups = [*words, *(t for toks in paired for t in pair_lookups(toks))]
        snap, reading = await self._read_index(lookups, bool(filters), longer)
        word_counts = iter(term_counts(snap, words, reading.postings[: len(words)]))
        pair_rows = iter(range(len(words), len(lookups), PAIR_LOOKUPS))
        learned = iter(reading.learned)
        counts: list[search_rank.Floats] = []
        unknown: list[str] = []
        used: list[str] = []
        for toks, _ in phrases:  # in the query's order: bm25 adds its phrases' shares in that order
            if len(toks) == 1:
                counts.append(next(word_counts))
                continue
            found = next(learned)
            at = next(pair_rows) if len(toks) == 2 else None  # every phrase of two has its rows, learned or not
            if found is not None:
                counts.append(learned_phrases.counts(len(snap.corpus.segment), found))
                used.append(" ".join(toks))
                continue
            if at is not None:
                count, unsure = pair_counts(snap, pair_lookups(toks), reading.postings[at : at + PAIR_LOOKUPS])
                if not len(unsure):
                    counts.append(count)
                    continue
            unknown.append(" ".join(toks))
        self._used(used)
        if unknown:
            self._learn(unknown)
            return None
        ranked = near_ranked(snap, counts, filters, offset + limit)
        return (await self._with_dates(snap, ranked)).page(offset, limit)

    async def _with_dates(self, snap: _Snapshot, ranked: Ranked) -> Ranked:
        """`ranked` with the newest appearance date of the few papers that can tie on the page (ties are ordered
        by it): from the appearances held (the bot holds them from its start: no trip to the database), else
        read."""
        if ranked.latest is not None:
            return ranked
        if snap.dated is not None:  # held ones are current: `rank_snapshot.read` takes in each commit's
            return replace(ranked, latest=newest_dates(snap, ranked.ids))
        return ranked.dated(await run_sync(self._read, rank_index.newest_dates, ranked.ids.tolist()))

    def _may_learn(self) -> bool:
        return not self.read_only and not self._db_in_transaction()  # read-only: FTS5 ranks them every time

    async def _write_now(self, fn: Callable[..., T], *args: Any) -> T:
        async with self.transaction() as db:
            return await run_sync(db, fn, *args)

    async def close(self) -> None:
        self._closing = True  # an ingest still committing begins no take-in now
        await self._settle_take_in()
        await self._settle_learning()
        await super().close()

    async def _read_index(self, terms: list[tuple[str, bool]], need_appearances: bool, phrases: Sequence[str] = ()
                          ) -> tuple[_Snapshot, rank_snapshot.Reading]:
        """This search's postings (and `phrases`' learned parts), with the arrays of the same moment: one read
        transaction, which also loads the arrays again when the index changed since they were loaded."""
        if self._snapshot_lock is None:
            self._snapshot_lock = asyncio.Lock()
        async with self._snapshot_lock:  # one reload at a time
            held = self._snapshot
            reading = await self._read_together(rank_snapshot.read, terms, held, need_appearances, phrases)
            held = snapshot_after(held, reading)
            if not self._db_in_transaction():  # what a writer has not committed is never kept
                self._snapshot = held
            return held, reading

    async def _ranked(self, match: str, filters: str, params: dict[str, Any], offset: int,
                      limit: int) -> tuple[list[tuple[int, float]], int]:
        """(paper id, bm25) of one page of FTS matches, and the total; see `search`."""
        want = offset + limit
        params.update(match=match, n=want + 1 + search_cost.TIE_SLACK)
        where = "papers_fts MATCH :match"
        if params.get("arxiv_id") is not None:
            where += " AND rowid = (SELECT id FROM papers WHERE arxiv_id = :arxiv_id)"
        total: int | None = 0  # unfiltered: counted after ranking, when the page did not see them all
        if filters:
            # Counting is a pass without bm25, far cheaper than ranking: it sizes the filter plan.
            matches = int(await self._one(f"SELECT count(*) FROM papers_fts WHERE {where}", params) or 0)
            if not matches:
                return [], 0
            where += await self._filter_condition(filters, params, matches)
            total = None  # the filtered matches are counted while they are ranked
        ranked = f"SELECT rowid AS id, {BM25_SQL} AS r FROM papers_fts WHERE {where}"
        if total is None:
            # bm25 cannot sit beside a window function: LIMIT -1 keeps the subquery from being
            # flattened into this one.
            ranked = f"SELECT id, r, count(*) OVER () AS c FROM ({ranked} LIMIT -1)"
        latest = ("(SELECT max(x.post_date) FROM appearances x INDEXED BY appearances_paper_date "
                  f"WHERE x.paper_id = m.id{filters})")
        rows = await self._all(f"SELECT m.id, m.r, {latest} AS d{', m.c' if total is None else ''} "
                               f"FROM ({ranked} ORDER BY r LIMIT :n) m", params)
        if total is None:
            total = int(rows[0][3]) if rows else 0
        elif len(rows) < params["n"]:
            total = len(rows)
        else:
            total = int(await self._one(f"SELECT count(*) FROM papers_fts WHERE {where}", params) or 0)
        if len(rows) == params["n"] and want and rows[-1][1] == rows[want - 1][1]:
            # A tie crosses the page's end and beyond: fetch the whole tied group to order it by date.
            params["boundary"] = rows[want - 1][1]
            rows = await self._all(
                f"SELECT m.id, m.r, {latest} FROM (SELECT rowid AS id, {BM25_SQL} AS r FROM papers_fts "
                f"WHERE {where} AND {BM25_SQL} <= :boundary) m", params,
            )
        ordered = search_cost.order(rows)
        return [(int(r[0]), float(r[1])) for r in ordered[offset:want]], total

    async def _filter_condition(self, filters: str, params: dict[str, Any], matches: int) -> str:
        """The SQL condition keeping FTS matches with an appearance that passes the filters: a lookup
        in the set of papers the filters select when that set is small, else a probe per match."""
        conds = filters.removeprefix(" AND ")
        params["set_limit"] = search_cost.set_limit(matches)
        # Count the filtered appearances only as far as the decision needs.
        selected = int(await self._one(
            f"SELECT count(*) FROM (SELECT 1 FROM appearances x WHERE {conds} LIMIT :set_limit)", params) or 0)
        if selected < params["set_limit"]:
            rows = await self._all(f"SELECT min(x.paper_id), max(x.paper_id) FROM appearances x WHERE {conds}",
                                   params)
            first, last = rows[0]
            return (f" AND rowid BETWEEN {int(first or 0)} AND {int(last or 0)}"
                    f" AND +rowid IN (SELECT x.paper_id FROM appearances x WHERE {conds})")
        return (" AND EXISTS (SELECT 1 FROM appearances x INDEXED BY appearances_paper_date "
                f"WHERE x.paper_id = papers_fts.rowid{filters})")
