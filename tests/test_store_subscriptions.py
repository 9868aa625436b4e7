"""Subscriptions and DM state in the store, on both engines: added, a duplicate (by folded value) and a
full list told apart, removal of one or all, and a member's DMs closed, explained and reopened."""

from __future__ import annotations

from tests.engines import open_store


async def test_subscriptions_are_added_told_apart_and_removed(store_url: str) -> None:
    async with await open_store(store_url) as store:
        first, said = await store.add_subscription(7, "topic", "3DGS", "3dgs", limit=2)
        assert said == "added" and first is not None and first.paper_cursor == 0  # only papers from now on
        again, said = await store.add_subscription(7, "topic", "3dgs", "3dgs", limit=2)
        assert (said, again) == ("duplicate", first)
        second, said = await store.add_subscription(7, "author", "Ada Lovelace", "ada lovelace", limit=2)
        assert said == "added"
        assert await store.add_subscription(7, "keyword", "nerf", "nerf", limit=2) == (None, "full")
        other, _ = await store.add_subscription(8, "keyword", "nerf", "nerf", limit=2)
        assert [s.label() for s in await store.subscriptions(7)] == ["topic: 3DGS", "author: Ada Lovelace"]
        assert [s.user_id for s in await store.subscriptions()] == [7, 7, 8]
        assert await store.remove_subscriptions(7, first.id) == [first]
        assert await store.remove_subscriptions(7) == [second]
        assert await store.subscriptions() == [other]


async def test_a_members_dms_are_closed_explained_and_reopened(store_url: str) -> None:
    async with await open_store(store_url) as store:
        state = await store.dm_state(7)
        assert (state.dm_channel_id, state.closed_reason, state.told) == (None, None, False)
        await store.set_dm_channel(7, 700)
        await store.mark_dm_closed(7, "Cannot send messages to this user")
        await store.mark_dm_closed(8, "gone")
        assert await store.closed_dm_users() == {7, 8}
        state = await store.dm_state(7)
        assert (state.dm_channel_id, state.closed_reason, state.told) == (700, "Cannot send messages to this user",
                                                                           False)
        await store.reopen_dm(7)
        state = await store.dm_state(7)
        assert (state.closed_reason, state.told) == (None, True)
        assert await store.closed_dm_users() == {8}
