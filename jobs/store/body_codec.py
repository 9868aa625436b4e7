"""How papers.body is compressed: zstd with the database's own dictionary (table text_dicts), else zlib.

A paper's body is a few KB of text (abstract, Chinese summary, takeaways, links) that shares most of its
phrasing with every other paper's ("we propose", "state-of-the-art", "本文提出", "大语言模型"). Compressed
alone, as zlib does, a body cannot use that: 1.57 KB a paper of real daily-arXiv entries. With a 64 KiB
dictionary trained from the database's own first papers, zstd makes it 1.0 KB (measured on entries the
dictionary was not trained on), and decompresses faster.

- A database trains its dictionary once, in the ingest that finds enough papers stored to learn from
  (jobs/store/text_dicts.py, which reads and writes the table); bodies written before stay zlib. Both
  read back the same: a zstd frame starts with its magic number and names its dictionary by id.
- A dictionary's id is a hash of its content, so one process may hold those of several databases (tests,
  copy-store) without confusion, and a dictionary is never changed or deleted.
- Readers learn dictionaries when they first meet a body that names one they do not hold (`missing`,
  then text_dicts.ALL_DICTS): the process that trained it may be another (a scheduler beside senders).
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import zstandard

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DICT_SIZE = 64 * 1024
LEVEL = 6  # level 9 or 19 saves 1-2% more at twice or eight times the CPU
# Dictionary ids below 32768 and from 2**31 are reserved by the zstd format.
_ID_FIRST, _ID_SPAN = 32_768, 2**31 - 32_768

_dicts: dict[int, zstandard.ZstdCompressionDict] = {}
_guard = threading.Lock()
_local = threading.local()  # zstd (de)compressors are not safe to share between threads


class UnknownDictionary(LookupError):
    """A body names a dictionary this process has not learnt (callers read text_dicts first: `missing`)."""


def pack(text: bytes, dict_id: int | None) -> bytes:
    """`text` compressed with dictionary `dict_id` (None: zlib, as before a dictionary exists)."""
    if dict_id is None:
        return zlib.compress(text)
    return _compressor(dict_id).compress(text)


def unpack(body: bytes) -> bytes:
    if not body.startswith(ZSTD_MAGIC):
        return zlib.decompress(body)
    dict_id = zstandard.get_frame_parameters(body).dict_id
    return _decompressor(dict_id).decompress(body)


def missing(rows: Iterable[Sequence[Any]]) -> bool:
    """Does any zstd body among these rows' values name a dictionary this process does not hold?"""
    for row in rows:
        for value in row:
            if (isinstance(value, bytes) and value.startswith(ZSTD_MAGIC)
                    and zstandard.get_frame_parameters(value).dict_id not in _dicts):
                return True
    return False


def holds(dict_id: int) -> bool:
    return dict_id in _dicts


def learn(rows: Iterable[Sequence[Any]]) -> None:
    """Hold the dictionaries of these (id, data) rows of text_dicts."""
    with _guard:
        for dict_id, data in rows:
            _dicts.setdefault(int(dict_id), zstandard.ZstdCompressionDict(bytes(data)))


def train(samples: list[bytes]) -> tuple[int, bytes]:
    """A dictionary trained from `samples`, its id made from its content: (id, data)."""
    trained = zstandard.train_dictionary(DICT_SIZE, samples, level=LEVEL).as_bytes()
    # The id sits in bytes 4-8 (after the magic number): replaced by a hash of the rest.
    dict_id = _ID_FIRST + int.from_bytes(hashlib.blake2b(trained[8:], digest_size=8).digest(), "little") % _ID_SPAN
    return dict_id, trained[:4] + dict_id.to_bytes(4, "little") + trained[8:]


def _held(dict_id: int) -> zstandard.ZstdCompressionDict:
    found = _dicts.get(dict_id)
    if found is None:
        raise UnknownDictionary(f"papers' text dictionary {dict_id} is not loaded")
    return found


def _compressor(dict_id: int) -> zstandard.ZstdCompressor:
    cache = _local.__dict__.setdefault("compressors", {})
    if dict_id not in cache:
        cache[dict_id] = zstandard.ZstdCompressor(level=LEVEL, dict_data=_held(dict_id), write_content_size=True,
                                                  write_checksum=False)
    return cache[dict_id]


def _decompressor(dict_id: int) -> zstandard.ZstdDecompressor:
    cache = _local.__dict__.setdefault("decompressors", {})
    if dict_id not in cache:
        cache[dict_id] = zstandard.ZstdDecompressor(dict_data=_held(dict_id))
    return cache[dict_id]
