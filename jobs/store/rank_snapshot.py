"""What a search keeps in memory of the ranking index (jobs/store/rank_index.py), and how a commit is
taken in: the papers it indexed (rows of segments newer than the newest held), the fresh segments it
wrote and the appearances it added (ids above the highest held) are read and laid into copies of the
held arrays; only a change that is no such addition (an epoch bumped: `rank_index.reset`) loads that
part whole. The first search after a day's ingest thus reads a day, not the whole index.

Taken in or loaded whole, the arrays are the same (tests/test_rank_snapshot.py), so scores are too.
Both engines read through this module (PostgreSQL through its bridge).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from jobs.search.rank import Array, Corpus, Postings
from jobs.store import learned_phrases, rank_index
from jobs.store.rank_index import Appearances, Fresh
from jobs.store.rows import SqlConnection, is_sqlite

# A paper's appearances sort by this key: the paper, then the day (YYYYMMDD < 10**8).
_DAY_SPAN = 100_000_000


@dataclass(frozen=True, slots=True)
class Docs:
    """The corpus and what keeping it up to date needs: the newest segment it holds, each
    segment's papers, and the sum of their lengths."""

    corpus: Corpus
    top_seg: int
    live: dict[int, int]
    total_length: int
    epoch: int
    room: Room | None = None  # what corpus.segment grows into (docs_after)
    room_length: Room | None = None  # and corpus.length


@dataclass(frozen=True, slots=True)
class Part:
    """Some appearances, sorted by paper then date (dates as YYYYMMDD integers; topics numbered)."""

    paper: Array
    topic: Array
    date: Array
    key: Array  # paper * _DAY_SPAN + date: where appearances merged in go


MEMO_FILTERS = 4  # filters' answers a Dated keeps (two arrays by paper each: 9 MB at a million papers)


@dataclass(frozen=True, slots=True)
class Dated:
    """The appearances, in parts (the oldest and biggest first), the topics' numbers, the highest
    appearance id among them, and their epoch."""

    parts: tuple[Part, ...]
    topics: dict[str, int]
    upto: int
    epoch: int
    # `newest`'s answers for the last few filters: the same filter again (the next page, the topic a server
    # searches most) until the next commit costs nothing; at a million papers one took 6-8 ms.
    memo: dict[tuple[Any, ...], tuple[npt.NDArray[np.bool_], Array]] = field(
        default_factory=dict, compare=False, repr=False)

    def whole(self) -> Appearances:
        """Every appearance as one sorted set of arrays (what a reader that loads them whole holds)."""
        parts = list(self.parts) or [Part(*(np.empty(0, dtype=np.int64) for _ in range(4)))]
        while len(parts) > 1:
            parts[-2:] = [_merged(parts[-2], parts[-1])]
        return Appearances(parts[0].paper, parts[0].topic, parts[0].date, self.topics)

    def newest(self, size: int, keep: Callable[[Part], npt.NDArray[np.bool_]], key: tuple[Any, ...] | None = None
               ) -> tuple[npt.NDArray[np.bool_], Array]:
        """Which papers (ids below `size`) have an appearance that `keep` keeps, and the newest date of
        those, by paper id (0: none). With `key` (what `keep` keeps, said as a key), kept for the next
        call with the same key and size; never change the arrays."""
        if key is not None:
            found = self.memo.get((*key, size))
            if found is None:
                found = self.newest(size, keep)
                while len(self.memo) >= MEMO_FILTERS:
                    self.memo.pop(next(iter(self.memo)))
                self.memo[(*key, size)] = found
            return found
        has = np.zeros(size, dtype=bool)
        latest = np.zeros(size, dtype=np.int64)
        for part in self.parts:
            kept = keep(part)
            papers, dates = part.paper[kept], part.date[kept]
            inside = papers < size
            papers, dates = papers[inside], dates[inside]
            last = np.flatnonzero(np.r_[papers[1:] != papers[:-1], True]) if len(papers) else papers
            # sorted by date within a paper: its last is its newest in this part; the newest of all parts wins
            has[papers[last]] = True
            latest[papers[last]] = np.maximum(latest[papers[last]], dates[last])
        return has, latest

    def newest_of(self, ids: Array) -> Array:
        """The newest date (YYYYMMDD; 0: none) of each of these papers."""
        out = np.zeros(len(ids), dtype=np.int64)
        for part in self.parts:
            at = np.searchsorted(part.paper, ids, side="right") - 1
            found = (at >= 0) & (part.paper[np.maximum(at, 0)] == ids)
            out = np.maximum(out, np.where(found, part.date[np.maximum(at, 0)], 0))
        return out


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the ranking reads besides postings, as of one generation of the index."""

    generation: int
    docs: Docs
    fresh: list[Fresh]
    dated: Dated | None = None  # loaded by the first filtered search, then kept current
    appearances_generation: int | None = None

    @property
    def corpus(self) -> Corpus:
        return self.docs.corpus



@dataclass(frozen=True, slots=True)
class Reading:
    """What one search read: its postings and the arrays of that moment."""

    snapshot: Snapshot
    postings: list[Postings]
    learned: list[list[learned_phrases.Part] | None] = field(default_factory=list)  # of the phrases asked for


def read(conn: SqlConnection, terms: Sequence[tuple[str, bool]], held: Snapshot | None,
         need_appearances: bool, phrases: Sequence[str] = ()) -> Reading:
    """The postings of `terms` (and the learned parts of `phrases`: learned_phrases.parts), and `held` brought
    to the current generation (loaded whole when None or when what changed is no addition). Call it in one
    read transaction."""
    now, docs_epoch, appearances_epoch = (int(v) for v in conn.execute(
        "SELECT generation, docs_epoch, appearances_epoch FROM rank_state WHERE id = 1").fetchone())
    snap = held
    if snap is None or snap.generation != now:
        if snap is None or snap.docs.epoch != docs_epoch:
            docs, fresh = load_docs(conn, docs_epoch), rank_index.load_fresh(conn)
        else:
            docs, fresh = docs_after(conn, snap.docs), fresh_after(conn, snap.fresh, snap.docs.top_seg)
        dated = snap.dated if snap is not None else None
        snap = Snapshot(now, docs, fresh, dated, snap.appearances_generation if snap is not None else None)
    if snap.appearances_generation != now:
        # Held appearances take in each commit's additions as it comes (a day's part), so no filtered
        # search finds days of them to read at once; loading them whole waits for a search that needs them.
        if snap.dated is not None and snap.dated.epoch == appearances_epoch:
            snap = replace(snap, dated=dated_after(conn, snap.dated), appearances_generation=now)
        elif need_appearances:
            snap = replace(snap, dated=load_dated(conn, appearances_epoch), appearances_generation=now)
        elif snap.dated is not None:
            snap = replace(snap, dated=None, appearances_generation=None)  # stale: loaded whole when needed
    return Reading(snap, rank_index.postings(conn, terms), learned_phrases.parts(conn, phrases) if phrases else [])


# ---- the papers ----------------------------------------------------------------------------------


def load_docs(conn: SqlConnection, epoch: int) -> Docs:
    rows = _int_rows(conn.execute("SELECT id, seg, len FROM rank_docs").fetchall(), 3)
    made, merging = _segments(conn)
    corpus = Corpus.of(rows[:, 0], rows[:, 1], rows[:, 2], made, merging)
    segs, counts = np.unique(rows[:, 1], return_counts=True)
    live = dict(zip(segs.tolist(), counts.tolist(), strict=True))
    return Docs(corpus, max(made, default=0), live, int(rows[:, 2].sum()), epoch)


def docs_after(conn: SqlConnection, held: Docs) -> Docs:
    """`held` with the papers of segments newer than its newest: new papers, and papers indexed
    again or merged (they move to their new segment). Papers merged since are moved in memory, not
    read: those of a level merge that ended (its target older than `held`'s newest segment), and
    those of a merge begun and ended since whose sources `held` places (the target names them), when it
    holds enough of the papers for that to be cheaper (MOVE_RATIO).
    New papers' entries are appended in the room past `held`'s arrays; entries `held` has are never
    changed in place (a search may be ranking with them): a change copies that array."""
    made, merging = _segments(conn)
    ended = {target: sources.tolist() for target, sources in held.corpus.merging.items() if target not in merging}
    since = _merges_since(conn, held.top_seg)
    papers = len(held.corpus.segment)
    new_targets = [seg for seg in made if seg > held.top_seg and seg not in merging
                   and made[seg] * MOVE_RATIO >= papers and _placed(seg, held, since)]
    for target in new_targets:
        _with_merges(target, since, ended)
    unread = f" AND seg NOT IN ({','.join('?' * len(new_targets))})" if new_targets else ""
    rows = _int_rows(conn.execute(f"SELECT id, seg, len FROM rank_docs WHERE seg > ?{unread}",
                                  (held.top_seg, *new_targets)).fetchall(), 3)
    ids, segs, lens = rows[:, 0], rows[:, 1], rows[:, 2]
    old = held.corpus
    n = len(old.segment)
    size = max(n, int(ids.max()) + 1 if len(ids) else 0)
    known = ids < n
    segment = _grown(old.segment, held.room, size, -1, copy=bool(ended or known.any()))
    before = np.full(len(ids), -1, dtype=np.int64)
    live = dict(held.live)
    if ended:
        _move(segment.array[:n], ended, live)
    before[known] = segment.array[ids[known]]
    moved = before >= 0
    for seg, count in _counts(before[moved]):
        live[seg] -= count
    for seg, count in _counts(segs):
        live[seg] = live.get(seg, 0) + count
    live = {seg: count for seg, count in live.items() if count > 0}
    was = old.length[ids[known]]
    total = held.total_length - int(was[moved[known]].sum()) + int(lens.sum())
    # Papers merged keep their lengths: the array is copied only for a paper indexed again with another.
    length = _grown(old.length, held.room_length, size, 0.0, copy=bool((was != lens[known]).any()))
    segment.array[ids] = segs
    length.array[ids] = lens
    rows_now = old.rows + int(np.count_nonzero(~moved))
    clean = frozenset(seg for seg, count in made.items() if live.get(seg, 0) == count and seg not in merging)
    corpus = Corpus.built(segment.array, length.array, rows_now, total, clean, merging)
    return Docs(corpus, max(made, default=held.top_seg), live, total, held.epoch, segment.room, length.room)


# A merged segment's papers are moved in memory when it holds at least 1/MOVE_RATIO of the papers: moving
# rewrites the whole array by paper id (about 4 ns a paper), reading its rows costs about 2 us a paper (a
# day's fresh segments merged, 1,060 papers: read at a million papers, moved at 100,000).
MOVE_RATIO = 256


def _merges_since(conn: SqlConnection, top_seg: int) -> dict[int, list[int]]:
    """The merges recorded since segment `top_seg` was made: each target's sources."""
    merges: dict[int, list[int]] = {}
    for target, source in conn.execute("SELECT target, source FROM rank_merges WHERE target > ?", (top_seg,)):
        merges.setdefault(int(target), []).append(int(source))
    return merges


def _placed(seg: int, held: Docs, since: dict[int, list[int]]) -> bool:
    """Whether `held` places every paper of segment `seg`: one it holds, or a merge (since) of such segments
    (a segment an ingest made since holds papers `held` has not seen)."""
    if seg <= held.top_seg:
        return True
    return seg in since and all(_placed(source, held, since) for source in since[seg])


def _with_merges(target: int, since: dict[int, list[int]], into: dict[int, list[int]]) -> None:
    """`target`'s merge and those it merged (since) added to `into`."""
    into[target] = since[target]
    for source in since[target]:
        if source in since:
            _with_merges(source, since, into)


def _move(segment: Array, merges: dict[int, list[int]], live: dict[int, int]) -> None:
    """Papers of each merge's sources moved to its target (in place; `live` counted along), oldest target
    first, so one merged again since goes on to the next: one pass over the array for all of them."""
    top = max(int(segment.max(initial=-1)), *merges, *(s for sources in merges.values() for s in sources))
    to = np.arange(top + 2, dtype=np.int64) - 1  # to[seg + 1]: where seg's papers are now; -1 (none) stays
    for target in sorted(merges):
        for source in merges[target]:
            to[to == source] = target
            live[target] = live.get(target, 0) + live.pop(int(source), 0)
    segment[:] = to[segment + 1]


@dataclass(slots=True)
class Room:
    """The buffer an array by paper id lives at the start of, and how much of it the newest array
    holding it uses: only that array may grow into the rest, so an older one never sees a change."""

    buffer: npt.NDArray[Any]
    used: int


@dataclass(slots=True)
class _Grown:
    array: npt.NDArray[Any]  # writable: new, or only past what any other array sees
    room: Room


def _grown(held: npt.NDArray[Any], room: Room | None, size: int, fill: float, copy: bool) -> _Grown:
    """`held` extended to `size` entries (the new ones `fill`): in place in its room when it is the newest
    array there and there is room, else copied into a new buffer with room for a quarter more."""
    n = len(held)
    if (not copy and room is not None and room.used == n and len(room.buffer) >= size
            and np.shares_memory(room.buffer[:1], held[:1])):
        room.buffer[n:size] = fill
        room.used = size
        return _Grown(room.buffer[:size], room)
    buffer = np.empty(size + size // 4 + 1024, dtype=held.dtype)
    buffer[:n] = held
    buffer[n:size] = fill
    return _Grown(buffer[:size], Room(buffer, size))


def fresh_after(conn: SqlConnection, held: list[Fresh], top_seg: int) -> list[Fresh]:
    """The fresh segments now: those held that are not merged yet, and those written since."""
    now = {int(r[0]) for r in conn.execute("SELECT seg FROM rank_fresh")}
    kept = [f for f in held if f.seg in now]
    return kept + rank_index.load_fresh(conn, after=top_seg)


def _segments(conn: SqlConnection) -> tuple[dict[int, int], dict[int, Array]]:
    """Each segment's papers when written, and each level merge under way: its target and sources."""
    made: dict[int, int] = {}
    sources: dict[int, list[int]] = {}
    for seg, n, into in conn.execute("SELECT seg, docs, merging_into FROM rank_segments ORDER BY seg"):
        made[int(seg)] = int(n)
        if into is not None:
            sources.setdefault(int(into), []).append(int(seg))
    return made, {target: np.array(segs, dtype=np.int64) for target, segs in sources.items()}


def _counts(values: Array) -> list[tuple[int, int]]:
    found, counts = np.unique(values, return_counts=True)
    return list(zip(found.tolist(), counts.tolist(), strict=True))


def _int_rows(rows: Sequence[Sequence[Any]], width: int) -> Array:
    return np.array(rows, dtype=np.int64).reshape(-1, width)


# ---- the appearances -----------------------------------------------------------------------------


def load_dated(conn: SqlConnection, epoch: int) -> Dated:
    return _dated(_appearance_rows(conn, 0), {}, epoch)


# A part is merged into the one before it once it is more than 1/_PART_RATIO of that one's size: a few parts
# (log base 4 of the days held), the newest small, so taking in a commit's appearances costs about what it
# added, and a merge of the biggest parts comes once in tens of thousands of appearances.
_PART_RATIO = 4


def dated_after(conn: SqlConnection, held: Dated) -> Dated:
    """`held` with the appearances added since (ids above its highest) as a new part, merged with the
    parts before it while those are not much bigger (each part sorted by paper, then date)."""
    rows = _appearance_rows(conn, held.upto)
    if not rows:
        return held
    new = _dated(rows, dict(held.topics), held.epoch)
    parts = [*held.parts, *new.parts]
    while len(parts) > 1 and len(parts[-1].paper) * _PART_RATIO > len(parts[-2].paper):
        parts[-2:] = [_merged(parts[-2], parts[-1])]
    return Dated(tuple(parts), new.topics, max(held.upto, new.upto), held.epoch)


def _merged(old: Part, new: Part) -> Part:
    at = np.searchsorted(old.key, new.key, side="right")
    return Part(np.insert(old.paper, at, new.paper), np.insert(old.topic, at, new.topic),
                np.insert(old.date, at, new.date), np.insert(old.key, at, new.key))


def _dated(rows: Sequence[Sequence[Any]], topics: dict[str, int], epoch: int) -> Dated:
    """Rows (id, paper, topic, YYYYMMDD) as Dated of one part, sorted by paper then date; new topics
    numbered after those in `topics`."""
    n = len(rows)
    if not n:
        return Dated((), topics, 0, epoch)
    ids, paper, day = (np.fromiter((r[k] for r in rows), dtype=np.int64, count=n) for k in (0, 1, 3))
    topic = np.fromiter((topics.setdefault(r[2], len(topics)) for r in rows), dtype=np.int64, count=n)
    key = paper * _DAY_SPAN + day
    order = np.argsort(key, kind="stable")  # a post date that is no date (0) sorts first of its paper
    part = Part(paper[order], topic[order], day[order], key[order])
    return Dated((part,), topics, int(ids.max()), epoch)


def _appearance_rows(conn: SqlConnection, after: int) -> list[tuple[Any, ...]]:
    """Appearances with ids above `after`: (id, paper, topic, YYYYMMDD), in no order: a range of ids,
    not a walk of the whole (paper, date) index that ORDER BY paper would take (numpy sorts them)."""
    if not is_sqlite(conn):  # CAST of a text that is no number fails on PostgreSQL: day_number reads it
        return [(i, p, t, rank_index.day_number(d)) for i, p, t, d in conn.execute(
            "SELECT id, paper_id, topic, post_date FROM appearances WHERE id > ?", (after,)).fetchall()]
    return conn.execute(
        "SELECT id, paper_id, topic, coalesce(CAST(replace(substr(post_date, 1, 10), '-', '') AS INTEGER), 0) "
        "FROM appearances WHERE id > ?", (after,)).fetchall()
