"""Posting lists as bytes: a term's sorted paper ids and their weighted counts, small on disk and
decoded by numpy in one pass (no Python loop per paper).

Ids: one kind byte, then
- RAW: little-endian uint32 ids (what a fresh segment writes: quick to make);
- GAP8 / GAP16: the first id as uint32, then the gaps as uint8 / uint16;
- BITMAP: the first id as uint32, then one bit per id from there (for terms in most papers).
Counts: one kind byte, then uint8, uint16 or uint32 values. `encode(compact=True)` picks the
smallest form; merged segments use it (jobs/store/rank_index.py), while a fresh segment writes raw
ids and uint32 counts (`encode_groups(compact=False)`), quick to write and to merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]
Counts = npt.NDArray[np.int64]

RAW, GAP8, GAP16, BITMAP = 0, 1, 2, 3
_GAP_DTYPES = {GAP8: np.dtype("<u1"), GAP16: np.dtype("<u2")}
_COUNT_DTYPES = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))


def encode_ids(ids: Ids, *, compact: bool = True) -> bytes:
    """Strictly increasing non-negative ids as bytes."""
    raw = bytes([RAW]) + ids.astype("<u4").tobytes()
    if not compact or len(ids) < 2:
        return raw
    first = ids[:1].astype("<u4").tobytes()
    gaps = np.diff(ids)
    best = raw
    top = int(gaps.max())
    for kind, dtype in _GAP_DTYPES.items():
        if top <= np.iinfo(dtype).max:
            best = min(best, bytes([kind]) + first + gaps.astype(dtype).tobytes(), key=len)
            break
    span = int(ids[-1] - ids[0]) + 1
    if 5 + (span + 7) // 8 < len(best):
        bits = np.zeros(span, dtype=np.uint8)
        bits[ids - ids[0]] = 1
        best = bytes([BITMAP]) + first + np.packbits(bits, bitorder="little").tobytes()
    return best


def decode_ids(data: bytes) -> Ids:
    kind = data[0]
    if kind == RAW:
        return np.frombuffer(data, dtype="<u4", offset=1).astype(np.int64)
    first = int(np.frombuffer(data, dtype="<u4", count=1, offset=1)[0])
    if kind == BITMAP:
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8, offset=5), bitorder="little")
        out = np.flatnonzero(bits.view(bool))  # a bool view: several times faster than on uint8
        out += first
        return out.astype(np.int64, copy=False)
    gaps = np.frombuffer(data, dtype=_GAP_DTYPES[kind], offset=5).astype(np.int64)
    out = np.empty(len(gaps) + 1, dtype=np.int64)
    out[0] = first
    np.cumsum(gaps, out=out[1:])
    out[1:] += first
    return out


def encode_counts(counts: Counts) -> bytes:
    top = int(counts.max()) if len(counts) else 0
    for kind, dtype in enumerate(_COUNT_DTYPES):
        if top <= np.iinfo(dtype).max:
            return bytes([kind]) + counts.astype(dtype).tobytes()
    raise ValueError(f"a weighted count of {top} does not fit in 32 bits")


def decode_counts(data: bytes, *, wide: bool = True) -> Counts:
    """The counts as int64, or with `wide=False` as stored (uint8, uint16 or uint32, read-only): no copy, for a
    caller that only adds them up."""
    stored = np.frombuffer(data, dtype=_COUNT_DTYPES[data[0]], offset=1)
    return stored.astype(np.int64) if wide else stored  # type: ignore[return-value]


def encode_groups(starts: Ids, ids: Ids, counts: Counts, *, compact: bool) -> list[tuple[bytes, bytes]]:
    """(ids, counts) bytes of each group ids[starts[i]:starts[i + 1]] (each ascending, none empty):
    the same bytes as encode_ids / encode_counts give one group at a time (see `encode_columns`)."""
    return list(zip(*encode_columns(starts, ids, counts, compact=compact), strict=True))


SMALL = 64  # groups of at most this many ids are laid out by numpy all at once; longer ones one by one


def encode_columns(starts: Ids, ids: Ids, counts: Counts, *, compact: bool) -> tuple[list[bytes], list[bytes]]:
    """The ids blobs and the counts blobs of each group ids[starts[i]:starts[i + 1]] (each ascending,
    none empty), as encode_ids / encode_counts give one group at a time. Most groups are a few ids
    (a term in few papers): their bytes are laid into one buffer by numpy and cut, where a Python step
    per group building its bytes cost a merge more than SQLite's own work on them. Long groups, few but
    most of the bytes, are copied one by one (spans of byte positions would be bigger than the data)."""
    first, ends = starts[:-1], starts[1:]
    n = ends - first
    if not len(first):
        return [], []
    top = np.maximum.reduceat(counts, first)
    # A fresh segment's counts are all uint32, so that a merge decodes its rows in one pass.
    count_kind = np.select([top <= 0xFF, top <= 0xFFFF], [0, 1], 2) if compact else np.full(len(first), 2)
    if compact:
        gaps = np.zeros(len(ids), dtype=np.int64)
        gaps[1:] = ids[1:] - ids[:-1]
        gaps[first] = 0
        top_gap = np.maximum.reduceat(gaps, first)
        span = ids[ends - 1] - ids[first] + 1
        size = np.stack([4 * n,  # RAW
                         np.where(top_gap <= 0xFF, 4 + (n - 1), 1 << 62),  # GAP8
                         np.where(top_gap <= 0xFFFF, 4 + 2 * (n - 1), 1 << 62),  # GAP16
                         4 + (span + 7) // 8])  # BITMAP
        size[1:, n < 2] = 1 << 62
        kind = np.argmin(size, axis=0)
        payload = size[kind, np.arange(len(first))]
    else:
        kind, payload, gaps = np.zeros(len(first), dtype=np.int64), 4 * n, ids
    small = np.flatnonzero(n <= SMALL)
    sub = first[small], n[small]
    id_blobs = _cut(_lay_ids(*sub, ids, gaps, kind[small], payload[small] + 1))
    count_blobs = _cut(_lay_counts(*sub, counts, count_kind[small]))
    if len(small) == len(first):
        return id_blobs, count_blobs
    all_ids, all_counts = [b""] * len(first), [b""] * len(first)
    for i, a, b in zip(small.tolist(), id_blobs, count_blobs, strict=True):
        all_ids[i], all_counts[i] = a, b
    for i in np.flatnonzero(n > SMALL).tolist():
        a, b, k, ck = int(first[i]), int(ends[i]), int(kind[i]), int(count_kind[i])
        if k == RAW:
            all_ids[i] = b"\x00" + ids[a:b].astype("<u4").tobytes()
        elif k == BITMAP:
            all_ids[i] = encode_ids(ids[a:b])
        else:
            all_ids[i] = bytes([k]) + ids[a : a + 1].astype("<u4").tobytes() + gaps[a + 1 : b].astype(
                _GAP_DTYPES[k]).tobytes()
        all_counts[i] = bytes([ck]) + counts[a:b].astype(_COUNT_DTYPES[ck]).tobytes()
    return all_ids, all_counts


def _lay_counts(first: Ids, n: Ids, counts: Counts, kind: Ids) -> tuple[npt.NDArray[np.uint8], Ids, Ids]:
    """One buffer holding every group's counts blob (kind byte, then the counts), and where each begins."""
    sizes = 1 + np.array([d.itemsize for d in _COUNT_DTYPES], dtype=np.int64)[kind] * n
    out, at = _buffer(sizes, kind)
    for k, dtype in enumerate(_COUNT_DTYPES):
        rows = np.flatnonzero(kind == k)
        if len(rows):
            out[_spans(at[rows] + 1, dtype.itemsize * n[rows])] = _bytes(counts[_spans(first[rows], n[rows])], dtype)
    return out, at, sizes


def _lay_ids(first: Ids, n: Ids, ids: Ids, gaps: Ids, kind: Ids, sizes: Ids
             ) -> tuple[npt.NDArray[np.uint8], Ids, Ids]:
    """One buffer holding every group's ids blob (kind byte, then its form), and where each begins."""
    out, at = _buffer(sizes, kind)
    rows = np.flatnonzero(kind == RAW)
    if len(rows):
        out[_spans(at[rows] + 1, 4 * n[rows])] = _bytes(ids[_spans(first[rows], n[rows])], np.dtype("<u4"))
    rows = np.flatnonzero(kind != RAW)
    if len(rows):
        out[_spans(at[rows] + 1, np.full(len(rows), 4, dtype=np.int64))] = _bytes(ids[first[rows]], np.dtype("<u4"))
    for gap_kind, dtype in _GAP_DTYPES.items():
        rows = np.flatnonzero(kind == gap_kind)
        if len(rows):
            out[_spans(at[rows] + 5, dtype.itemsize * (n[rows] - 1))] = _bytes(
                gaps[_spans(first[rows] + 1, n[rows] - 1)], dtype)
    rows = np.flatnonzero(kind == BITMAP)
    if len(rows):  # one bit per id from the group's first, little-endian within a byte, packed at once
        nbytes = sizes[rows] - 5
        bit_at = np.cumsum(8 * nbytes) - 8 * nbytes
        picked = _spans(first[rows], n[rows])
        bits = np.zeros(int(8 * nbytes.sum()), dtype=np.uint8)
        bits[np.repeat(bit_at - ids[first[rows]], n[rows]) + ids[picked]] = 1
        out[_spans(at[rows] + 5, nbytes)] = np.packbits(bits, bitorder="little")
    return out, at, sizes


def _buffer(sizes: Ids, kind: Ids) -> tuple[npt.NDArray[np.uint8], Ids]:
    """A buffer for blobs of these sizes, each one's first byte its kind; and where each begins."""
    at = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    out[at] = kind
    return out, at


def _bytes(values: Ids, dtype: np.dtype) -> npt.NDArray[np.uint8]:
    return values.astype(dtype).view(np.uint8)


def _cut(laid: tuple[npt.NDArray[np.uint8], Ids, Ids]) -> list[bytes]:
    out, at, sizes = laid
    data = out.tobytes()
    return [data[a:b] for a, b in zip(at.tolist(), (at + sizes).tolist(), strict=True)]


def decode_many(id_blobs: Sequence[bytes], count_blobs: Sequence[bytes]) -> tuple[Ids, Counts, Ids]:
    """Every posting of many (ids, counts) pairs, concatenated, and each pair's length: what
    decode_ids and decode_counts give one pair at a time, in a few passes over all of them (a level
    merge reads tens of thousands of rows a step, where a call per row cost most of the merge)."""
    n = len(id_blobs)
    if not n:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    buf = np.frombuffer(b"".join(id_blobs), dtype=np.uint8)
    size = np.fromiter(map(len, id_blobs), dtype=np.int64, count=n)
    at = np.cumsum(size) - size
    kind = buf[at]
    length = np.empty(n, dtype=np.int64)
    length[kind == RAW] = (size[kind == RAW] - 1) // 4
    length[kind == GAP8] = size[kind == GAP8] - 4
    length[kind == GAP16] = 1 + (size[kind == GAP16] - 5) // 2
    bitmap = np.flatnonzero(kind == BITMAP)
    if len(bitmap):
        payload = size[bitmap] - 5
        bits = np.unpackbits(buf[_spans(at[bitmap] + 5, payload)], bitorder="little").view(bool)
        bit_at = np.cumsum(8 * payload) - 8 * payload
        length[bitmap] = np.add.reduceat(bits, bit_at, dtype=np.int64)
    out_at = np.cumsum(length) - length
    ids = np.empty(int(length.sum()), dtype=np.int64)
    rows = np.flatnonzero(kind == RAW)
    if len(rows):
        ids[_spans(out_at[rows], length[rows])] = buf[_spans(at[rows] + 1, size[rows] - 1)].view("<u4")
    for gap_kind, dtype in _GAP_DTYPES.items():
        rows = np.flatnonzero(kind == gap_kind)
        if len(rows):
            steps = np.empty(int(length[rows].sum()), dtype=np.int64)
            starts = np.cumsum(length[rows]) - length[rows]
            inside = np.ones(len(steps), dtype=bool)
            inside[starts] = False
            steps[starts] = _firsts(buf, at[rows])
            steps[inside] = buf[_spans(at[rows] + 5, size[rows] - 5)].view(dtype)
            total = np.cumsum(steps)
            before = total[starts] - steps[starts]  # the sum of the rows before each: taken off its row
            ids[_spans(out_at[rows], length[rows])] = total - np.repeat(before, length[rows])
    if len(bitmap):
        found = np.flatnonzero(bits)
        row = np.searchsorted(bit_at, found, side="right") - 1
        ids[_spans(out_at[bitmap], length[bitmap])] = _firsts(buf, at[bitmap])[row] + (found - bit_at[row])
    counts = np.empty(len(ids), dtype=np.int64)
    cbuf = np.frombuffer(b"".join(count_blobs), dtype=np.uint8)
    csize = np.fromiter(map(len, count_blobs), dtype=np.int64, count=n)
    cat = np.cumsum(csize) - csize
    ckind = cbuf[cat]
    for k, dtype in enumerate(_COUNT_DTYPES):
        rows = np.flatnonzero(ckind == k)
        if len(rows):
            counts[_spans(out_at[rows], length[rows])] = cbuf[_spans(cat[rows] + 1, csize[rows] - 1)].view(dtype)
    return ids, counts, length


def _spans(starts: Ids, lengths: Ids) -> Ids:
    """The positions start .. start + length - 1 of every span, one after another."""
    total = int(lengths.sum())
    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total, dtype=np.int64)


def _firsts(buf: npt.NDArray[np.uint8], at: Ids) -> Ids:
    """The uint32 after the kind byte of the blobs starting at `at`."""
    return buf[_spans(at + 1, np.full(len(at), 4, dtype=np.int64))].view("<u4").astype(np.int64)
