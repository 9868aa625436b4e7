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


def decode_counts(data: bytes) -> Counts:
    return np.frombuffer(data, dtype=_COUNT_DTYPES[data[0]], offset=1).astype(np.int64)


def encode_groups(starts: Ids, ids: Ids, counts: Counts, *, compact: bool) -> list[tuple[bytes, bytes]]:
    """(ids, counts) bytes of each group ids[starts[i]:starts[i + 1]] (each ascending, none empty),
    made in a few passes over all groups at once: the same bytes as encode_ids / encode_counts
    give one group at a time, but without their per-call cost (a merge writes tens of thousands)."""
    first, ends = starts[:-1], starts[1:]
    n = ends - first
    top = np.maximum.reduceat(counts, first) if len(first) else counts
    # A fresh segment's counts are all uint32, so that a merge decodes its rows in one pass.
    count_kind = np.select([top <= 0xFF, top <= 0xFFFF], [0, 1], 2) if compact else np.full(len(first), 2)
    count_bytes = [counts.astype(d).tobytes() for d in _COUNT_DTYPES]
    widths = [d.itemsize for d in _COUNT_DTYPES]
    raw = ids.astype("<u4").tobytes()
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
        kinds = np.argmin(size, axis=0).tolist()
        gap8, gap16 = gaps.astype("<u1").tobytes(), gaps.astype("<u2").tobytes()
    else:
        kinds = [RAW] * len(first)
    out: list[tuple[bytes, bytes]] = []
    for i, (a, b, kind, ck) in enumerate(zip(first.tolist(), ends.tolist(), kinds, count_kind.tolist(), strict=True)):
        if kind == RAW:
            blob = b"\x00" + raw[4 * a : 4 * b]
        elif kind == GAP8:
            blob = b"\x01" + raw[4 * a : 4 * a + 4] + gap8[a + 1 : b]
        elif kind == GAP16:
            blob = b"\x02" + raw[4 * a : 4 * a + 4] + gap16[2 * (a + 1) : 2 * b]
        else:
            blob = encode_ids(ids[a:b])
            assert blob[0] == BITMAP, i
        w = widths[ck]
        out.append((blob, bytes([ck]) + count_bytes[ck][w * a : w * b]))
    return out


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
