"""The reading-language settings on a real SQLite file: per server, per member, kept across a reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jobs.store import Store


async def test_languages_are_set_changed_and_kept(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    async with await Store.open(db) as store:
        assert await store.guild_language(5) is None and await store.member_language(9) is None
        await store.set_guild_language(5, "en", set_by=1)
        await store.set_guild_language(5, "both", set_by=2)
        await store.set_member_language(9, "en")
        await store.set_member_language(8, "zh")
    async with await Store.open(db) as store:
        assert await store.guild_language(5) == "both"
        assert await store.guild_language(6) is None
        assert (await store.member_language(9), await store.member_language(8)) == ("en", "zh")
        assert await store.member_languages() == {9: "en", 8: "zh"}


async def test_an_unknown_language_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "p.db") as store:
        await store.set_guild_language(5, "zh", set_by=1)
        with pytest.raises(sqlite3.IntegrityError):
            await store.set_guild_language(5, "fr", set_by=1)
        assert await store.guild_language(5) == "zh"
