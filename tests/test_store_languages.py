"""The reading-language settings on both engines (a real SQLite file, a real PostgreSQL database): per
server, per member, kept across a reopen."""

from __future__ import annotations

import pytest

from tests.engines import INTEGRITY_ERRORS, open_store


async def test_languages_are_set_changed_and_kept(store_url: str) -> None:
    async with await open_store(store_url) as store:
        assert await store.guild_language(5) is None and await store.member_language(9) is None
        await store.set_guild_language(5, "en", set_by=1)
        await store.set_guild_language(5, "both", set_by=2)
        await store.set_member_language(9, "en")
        await store.set_member_language(8, "zh")
    async with await open_store(store_url) as store:
        assert await store.guild_language(5) == "both"
        assert await store.guild_language(6) is None
        assert (await store.member_language(9), await store.member_language(8)) == ("en", "zh")
        assert await store.member_languages() == {9: "en", 8: "zh"}


async def test_an_unknown_language_is_refused_and_changes_nothing(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await store.set_guild_language(5, "zh", set_by=1)
        with pytest.raises(INTEGRITY_ERRORS):
            await store.set_guild_language(5, "fr", set_by=1)
        assert await store.guild_language(5) == "zh"
