"""Full-text search's SQL. Which plan a query gets is decided in `jobs.search_cost`."""

from __future__ import annotations

import json
from typing import Any

from jobs import search_cost
from jobs.records import SearchHit
from jobs.store._connection import Connection
from jobs.store.rows import PAPER_COLUMNS, placed_paper

# Column weights for bm25, in papers_fts column order: title, authors, abstract, summary, takeaways, ids.
_SEARCH_BM25 = "bm25(papers_fts, 10.0, 5.0, 2.0, 2.0, 2.0, 5.0)"


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


class Search(Connection):
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

        Every match is ranked (the page is exactly what full bm25 ranking gives, however many
        match): ranked inside a subquery with LIMIT, so only one page of rows is joined to papers and
        appearances, then counted in a pass without bm25 if the page did not see them all;
        `jobs.search_cost` chooses how filters are applied. Cost: benchmarks/search_latency.py."""
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
            page, total = await self._ranked(match, filters, params, offset, limit)
        if not page:
            return [], total
        params["ids"] = json.dumps([i for i, _ in page])
        rows = await self._all(
            f"SELECT p.id, {PAPER_COLUMNS}, a.topic, a.post_date, s.name, po.path FROM papers p "
            "LEFT JOIN appearances a ON a.id = (SELECT x.id FROM appearances x INDEXED BY appearances_paper_date "
            f"WHERE x.paper_id = p.id{filters} ORDER BY x.post_date DESC, x.id DESC LIMIT 1) "
            "LEFT JOIN posts po ON po.id = a.post_id LEFT JOIN sources s ON s.id = po.source_id "
            "WHERE p.id IN (SELECT value FROM json_each(:ids))",
            params,
        )
        papers = {int(r[0]): placed_paper(r[1:]) for r in rows}
        return [SearchHit(papers[i], rank) for i, rank in page if i in papers], total

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
        ranked = f"SELECT rowid AS id, {_SEARCH_BM25} AS r FROM papers_fts WHERE {where}"
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
                f"SELECT m.id, m.r, {latest} FROM (SELECT rowid AS id, {_SEARCH_BM25} AS r FROM papers_fts "
                f"WHERE {where} AND {_SEARCH_BM25} <= :boundary) m", params,
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
