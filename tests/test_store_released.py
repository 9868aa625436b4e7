"""The store's release of a refused message's papers (FeedsArea.release_refused), on both engines: the row is
given up and its papers are no longer delivered to the target, in one transaction; the next plan offers them
again; a paper released a second time for the same target stays delivered, given up for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobs.plan.feeds import plan_feed
from jobs.records import DmMessage, Refusal, Release
from jobs.sources.base import Fetched, PostRef
from jobs.store import Store
from tests.engines import open_store
from tests.test_store import paper, post, rows


@pytest.fixture
async def store(store_url: str):  # type: ignore[no-untyped-def]
    s = await open_store(store_url)
    sid = await s.upsert_source("k", "directory", "kedreamix", "/x")
    await s.record_post(sid, PostRef("a.md", "v"), Fetched(b""), post(paper("2401.00001"), paper("2401.00002")))
    yield s
    await s.close()


async def delivered(store: Store) -> list[tuple]:
    return await rows(store, "SELECT kind, target_id, paper_id FROM delivered ORDER BY kind, target_id, paper_id")


async def test_a_refused_day_is_released_then_planned_again_as_cards_and_a_second_refusal_gives_up(
        store: Store) -> None:
    feed, _ = await store.add_feed(1, 10, "3DGS", [], None)  # a digest: the day is one row
    cycle = await store.start_cycle("test")
    await plan_feed(store, cycle, feed, 25)
    (day,) = await store.pending()

    assert await store.release_refused(day.id, "Discord answered 400") == Release(cycle, 2, 0)
    assert await store.outbox_counts() == {"failed": 1}
    assert await delivered(store) == []  # no longer counted as delivered to #10

    again = await store.start_cycle("test")
    [plan] = [await plan_feed(store, again, f, 25) for f in await store.feeds()]
    assert plan.again == 2 and plan.papers == []  # the cursor had moved past them: only the release brings them
    cards = await store.pending()
    assert [c.payload for c in cards] == [{"papers": [a], "shown": {a: ["3DGS", "2024-05-06"]}}
                                          for a in ("2401.00001", "2401.00002")]
    assert await delivered(store) == [("channel", 10, 1), ("channel", 10, 2)]

    # The first card is refused too: its paper was released there once, so it is given up and stays delivered.
    assert await store.release_refused(cards[0].id, "Discord answered 400") == Release(again, 0, 1)
    assert await delivered(store) == [("channel", 10, 1), ("channel", 10, 2)]
    await store.mark_sent(cards[1].id, 500)
    third = await store.start_cycle("test")
    [plan] = [await plan_feed(store, third, f, 25) for f in await store.feeds()]
    assert plan.again == 0 and await store.pending() == []
    since = datetime.now(UTC) - timedelta(days=1)
    assert await store.refusals(since) == [Refusal("channel", 10, "Discord answered 400", 2, 2, 1)]


async def test_a_refused_dm_day_is_released_with_what_its_cards_showed(store: Store) -> None:
    cycle = await store.start_cycle("test")
    shown = {"2401.00001": ["3DGS", "2024-05-06"], "2401.00002": ["3DGS", "2024-05-06"]}
    matched = [(1, "2401.00001", "keyword: splat"), (2, "2401.00002", "topic: 3DGS")]
    await store.plan_dm(cycle, 99, [DmMessage("", matched, shown, [("keyword: splat", 1), ("topic: 3DGS", 1)])])
    (day,) = await store.pending()
    assert await store.release_refused(day.id, "Discord answered 413") == Release(cycle, 2, 0)
    waiting = await store.released_dms()
    assert [(r.target_id, r.paper_id, r.arxiv_id, r.label, r.topic, r.date, r.delivered) for r in waiting] == [
        (99, 1, "2401.00001", "keyword: splat", "3DGS", "2024-05-06", False),
        (99, 2, "2401.00002", "topic: 3DGS", "3DGS", "2024-05-06", False)]
    await store.settle_released([r.id for r in waiting])
    assert await store.released_dms() == []


async def test_the_release_and_the_rows_final_mark_are_one_transaction(store: Store) -> None:
    feed, _ = await store.add_feed(1, 10, "3DGS", [], None)
    await plan_feed(store, await store.start_cycle("test"), feed, 25)
    (day,) = await store.pending()
    with pytest.raises(RuntimeError):
        async with store.transaction():  # as jobs/plan/released.py holds it, with the alert; then the process dies
            await store.release_refused(day.id, "Discord answered 400")
            raise RuntimeError("killed")
    assert [i.id for i in await store.pending()] == [day.id]
    assert len(await delivered(store)) == 2
    assert await rows(store, "SELECT count(*) FROM released") == [(0,)]
