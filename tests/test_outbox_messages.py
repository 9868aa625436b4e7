"""Typed outbox messages (jobs/messages.py): every payload the store writes today, planned through
the real store (card and digest feeds, a capped day, DMs, alerts), reads back as its typed message and
writes back to the same dict; so do the shapes older Paperboys left in the outbox. A payload of no known
shape is refused with a message naming its keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobs.messages import (
    AlertMessage,
    CardMessage,
    DayMessage,
    DigestMessage,
    DirectMessage,
    FooterMessage,
    HeaderMessage,
    PayloadError,
    message_from_payload,
)
from jobs.models import Paper, ParsedPost
from jobs.ops.watchdog import Alert, CaughtUp
from jobs.plan.alerts import plan_alerts
from jobs.plan.feeds import plan_feed
from jobs.records import DmMessage
from jobs.sources.base import Fetched, PostRef
from tests.engines import open_store


def paper(arxiv_id: str, topic: str, date: str) -> Paper:
    return Paper(arxiv_id=arxiv_id, topic=topic, date=date, version=1, title=f"Paper {arxiv_id}",
                 authors=["Ada Lovelace"], abstract="We splat Gaussians.", links={})


async def test_every_payload_the_store_writes_round_trips(store_url: str, tmp_path: Path) -> None:
    async with await open_store(store_url) as store:
        sid = await store.upsert_source("local", "directory", "kedreamix", str(tmp_path))
        for day in ("2024-05-06", "2024-05-07"):
            papers = [paper(f"2405.{day[-1]}{i:04d}", "3DGS", day) for i in range(3)]
            await store.record_post(sid, PostRef(f"{day}/3DGS.md", "v1"), Fetched(b""),
                                    ParsedPost(papers=papers, topic="3DGS", date=day))
        await store.set_alert_channel(1, 500)
        cycle = await store.start_cycle("test")
        cards, _ = await store.add_feed(1, 100, "3DGS", [], None, style="cards")
        digest, _ = await store.add_feed(1, 200, "3DGS", [], None, style="digest")
        await plan_feed(store, cycle, cards, max_per_cycle=2)  # a capped day: the header counts the rest
        await plan_feed(store, cycle, digest, max_per_cycle=25)
        await store.plan_dms(cycle, [(7, [DmMessage("New for you:", [(1, "2405.60000", "topic: 3DGS")],
                                                    {"2405.60000": ["3DGS", "2024-05-06"]})]),
                                     (8, [DmMessage("", [(1, "2405.60000", "topic: 3DGS"),
                                                         (2, "2405.60001", "keyword: splat")],
                                                    {"2405.60000": ["3DGS", "2024-05-06"]},
                                                    [("topic: 3DGS", 1), ("keyword: splat", 1)])])])
        await plan_alerts(store, cycle, [Alert("local", "late", "no post for 4 days"),
                                         CaughtUp("local", 3, datetime(2024, 5, 6, 8, tzinfo=UTC))])
        rows = await store.pending()

    kinds = [type(message_from_payload(r.payload)) for r in rows]
    assert sorted(k.__name__ for k in set(kinds)) == ["AlertMessage", "CardMessage", "DayMessage",
                                                       "DigestMessage", "DirectMessage", "HeaderMessage"]
    for row in rows:
        message = message_from_payload(row.payload)
        assert message.to_payload() == row.payload
    header = next(message_from_payload(r.payload) for r in rows if "header" in r.payload)
    # A feed's first delivery is the newest post: 3 papers, 2 shown.
    assert header == HeaderMessage(feed_topic="3DGS", count=3, shown=2, more=1, topics=["3DGS"], dates=["2024-05-07"])
    assert next(message_from_payload(r.payload) for r in rows if "digest" in r.payload) == DigestMessage(
        feed_topic="3DGS", topic="3DGS", date="2024-05-07", papers=["2405.70000", "2405.70001", "2405.70002"],
        keywords=[])
    dm = next(message_from_payload(r.payload) for r in rows if r.kind == "dm" and r.target_id == 7)
    assert dm == DirectMessage(content="New for you:", papers=["2405.60000"], matched={"2405.60000": "topic: 3DGS"},
                               shown={"2405.60000": ["3DGS", "2024-05-06"]})
    day = next(message_from_payload(r.payload) for r in rows if r.kind == "dm" and r.target_id == 8)
    assert day == DayMessage(papers=["2405.60000", "2405.60001"], groups=[("topic: 3DGS", 1), ("keyword: splat", 1)],
                             shown={"2405.60000": ["3DGS", "2024-05-06"]})


OLDER_ROWS = [  # what earlier Paperboys planned, still in a live outbox after an upgrade
    ({"header": {"feed_topic": "3DGS", "count": 30, "topics": ["3DGS"], "dates": ["2024-05-06"]}}, HeaderMessage),
    ({"papers": ["2405.00001"]}, CardMessage),
    ({"digest": {"feed_topic": "3DGS", "topic": "3DGS", "date": "2024-05-06", "papers": ["2405.00001"]}},
     DigestMessage),  # before digests kept the feed's keywords
    ({"content": "📬", "papers": ["2405.00001", "2405.00002"], "matched": {}, "shown": {}}, DirectMessage),
    ({"footer": {"feed_topic": "3DGS", "count": 30, "more": 5, "shown": 25, "latest": "2024-05-06"}}, FooterMessage),
    ({"alert": {"event": "caught_up", "source": "local", "text": "back"}}, AlertMessage),
]


@pytest.mark.parametrize(("payload", "kind"), OLDER_ROWS, ids=[k.__name__ for _, k in OLDER_ROWS])
def test_older_rows_read_and_write_back_unchanged(payload: dict, kind: type) -> None:
    message = message_from_payload(payload)
    assert type(message) is kind
    assert message.to_payload() == payload


@pytest.mark.parametrize(("payload", "said"), [
    ({"header": {"feed_topic": "x"}}, "header payload: missing ['count', 'dates', 'topics']"),
    ({"digest": {"feed_topic": "x", "topic": "x", "date": "d", "papers": [], "colour": 1}},
     "digest payload: unknown ['colour']"),
    ({"poll": {}}, "outbox payload of no known kind (has ['poll'])"),
    (["papers"], "expected a JSON object, got list"),
])
def test_a_payload_of_no_known_shape_is_refused_by_name(payload: object, said: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(said)):
        message_from_payload(payload)
