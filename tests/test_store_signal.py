"""The signal area on both engines: feedback toggles per member and is counted without names, saved
papers toggle and list the latest first, and forgetting a member deletes all of theirs and nobody else's."""

from __future__ import annotations

from jobs.sources.base import Fetched, PostRef
from tests.engines import open_store
from tests.test_store import paper, post


async def _with_papers(store, *ids: str) -> None:  # type: ignore[no-untyped-def]
    sid = await store.upsert_source("local", "directory", "kedreamix", "/x")
    await store.record_post(sid, PostRef("d1/3DGS.md", "v1"), Fetched(b""), post(*[paper(i) for i in ids]))


async def test_feedback_toggles_per_member_and_counts_never_name_anyone(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await _with_papers(store, "2401.00001", "2401.00002")
        assert await store.toggle_feedback(7, "2401.00001", "up") == "up"
        assert await store.toggle_feedback(8, "2401.00001", "up") == "up"
        assert await store.toggle_feedback(9, "2401.00001", "down") == "down"
        assert await store.feedback_counts("2401.00001") == {"up": 2, "down": 1, "hide": 0}
        assert await store.toggle_feedback(9, "2401.00001", "up") == "up"  # the other thumb replaces it
        assert await store.toggle_feedback(7, "2401.00001", "up") is None  # the same one again clears it
        assert await store.feedback_counts("2401.00001") == {"up": 2, "down": 0, "hide": 0}
        assert await store.toggle_feedback(7, "2401.00002", "hide", topic="3DGS") == "hide"
        assert await store.member_feedback(7) == {"2401.00002": "hide"}
        assert await store.member_feedback(9) == {"2401.00001": "up"}
        assert await store.toggle_feedback(7, "2499.99999", "up") is None  # not stored: nothing recorded
        assert await store.feedback_counts("2499.99999") == {"up": 0, "down": 0, "hide": 0}


async def test_saved_papers_toggle_and_list_the_latest_first(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await _with_papers(store, "2401.00001", "2401.00002", "2401.00003")
        for arxiv_id in ("2401.00002", "2401.00001", "2401.00003"):
            assert await store.toggle_saved(7, arxiv_id) is True
        assert await store.toggle_saved(7, "2401.00003") is False
        assert await store.toggle_saved(8, "2401.00003") is True
        assert await store.toggle_saved(7, "2499.99999") is None
        assert await store.saved_papers(7) == ["2401.00001", "2401.00002"]
        assert await store.saved_papers(8) == ["2401.00003"]


async def test_forgetting_a_member_deletes_all_of_theirs_and_nothing_else(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await _with_papers(store, "2401.00001")
        for user in (7, 8):
            await store.add_subscription(user, "topic", "3DGS", "3dgs", limit=5)
            await store.toggle_feedback(user, "2401.00001", "up")
            await store.toggle_saved(user, "2401.00001")
            await store.set_member_language(user, "en")
            await store.set_dm_channel(user, user * 100)
        gone = await store.forget_member(7)
        assert {k: gone[k] for k in ("subscriptions", "feedback", "saved", "language", "dm")} == {
            "subscriptions": 1, "feedback": 1, "saved": 1, "language": 1, "dm": 1}
        assert [s.user_id for s in await store.subscriptions()] == [8]
        assert await store.member_feedback(7) == {} and await store.saved_papers(7) == []
        assert await store.member_language(7) is None and (await store.dm_state(7)).dm_channel_id is None
        assert await store.feedback_counts("2401.00001") == {"up": 1, "down": 0, "hide": 0}
        assert await store.saved_papers(8) == ["2401.00001"] and await store.member_language(8) == "en"


async def test_members_signals_and_the_papers_of_recent_days(store_url: str) -> None:
    async with await open_store(store_url) as store:
        sid = await store.upsert_source("local", "directory", "kedreamix", "/x")
        await store.record_post(sid, PostRef("d1/3DGS.md", "v1"), Fetched(b""),
                                post(paper("2401.00001", date="2024-05-01"), paper("2401.00002", date="2024-05-01"),
                                     date="2024-05-01"))
        await store.record_post(sid, PostRef("d2/3DGS.md", "v1"), Fetched(b""),
                                post(paper("2401.00003"), paper("2401.00004"), date="2024-05-06"))
        await store.toggle_saved(7, "2401.00001")
        await store.toggle_saved(7, "2401.00002")
        await store.toggle_feedback(7, "2401.00002", "down")  # feedback wins over saved
        await store.toggle_feedback(8, "2401.00003", "up")
        assert await store.member_signals([7, 8, 9]) == {7: {"2401.00001": "saved", "2401.00002": "down"},
                                                         8: {"2401.00003": "up"}}
        assert await store.member_signals([]) == {}
        assert await store.recent_papers("2024-05-02") == ["2401.00003", "2401.00004"]
        assert await store.recent_papers("2024-01-01") == ["2401.00003", "2401.00004", "2401.00001", "2401.00002"]
