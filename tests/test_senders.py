"""Senders sharing one outbox (issue 18 item 3) and messages recorded after Discord took them (issue 19 item 5):
the real bot in SimCord, real databases (PostgreSQL where several senders share one; both engines where one
process sends). A sender here is what `run --role sender` runs: `send_pending` with its own store (its own
connections) and its own claimer name, all of them talking to one simulated Discord."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import discord
import pytest
import simcord

from bot import create_bot
from bot.app import PaperboyBot
from bot.delivery import sender as sender_module
from bot.delivery.budget import Reservations
from bot.delivery.sender import Budget, SendReport, send_pending
from bot.delivery.targets import Targets
from jobs.config import Config
from jobs.messages import AlertMessage
from jobs.store.backends import open_database
from tests.conftest import make_config
from tests.engines import engine_of, fresh_database, run_sql
from tests.postgen import entries, write_kedreamix
from tests.test_feed import paper_messages, titles

FAST = Budget(rate=1000.0, burst=50.0)  # SimCord answers at once; the budget has its own test


@pytest.fixture
async def pg_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with fresh_database("postgres", tmp_path) as url:
        yield url


async def world(env: Any, bot: PaperboyBot, channels: int, papers: int) -> list[Any]:
    """A server whose `channels` channels each follow 3DGS as cards; `papers` papers planned for each (a
    header and a card per paper), pending in the outbox."""
    write_kedreamix(Path(str(bot.config.sources[0].path)), "3DGS", "2024-05-06", entries("6", papers))
    guild = env.create_guild(name="Lab")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    made = [guild.create_text_channel(f"papers-{i}") for i in range(channels)]
    await admin.slash(made[0], "digest run")  # the posts in: the topic is known
    for channel in made:
        await admin.slash(channel, "feed add", channel=channel, topic="3DGS", style="cards")
    await admin.slash(made[0], "digest run")  # planned; a gateway sends nothing itself
    await env.settle()
    return made


def expected(papers: int) -> list[str]:
    return [f"Paper 6-{i} on Gaussian splatting" for i in range(1, papers + 1)]


async def test_three_senders_deliver_each_row_once_in_order_per_target(pg_url: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Claims of 2 rows: one claim cannot take every target's head (6 here) before the other senders ask, as
    # a claim of 20 did once claims got fast, leaving the others nothing to share.
    monkeypatch.setattr(sender_module, "CLAIM_BATCH", 2)
    config = make_config(tmp_path, database_url=pg_url)
    gateway = create_bot(config, role="gateway")
    stores: list[Any] = []
    try:
        async with simcord.run(gateway) as env:
            channels = await world(env, gateway, channels=6, papers=5)
            assert len(await gateway.store.pending()) == 36  # 6 channels × (a header and 5 cards)
            stores = [await open_database(config.database()) for _ in range(3)]  # three processes' connections


            async def sender(i: int, store: Any) -> SendReport:  # a sender's rounds, until nothing is left
                total = SendReport()
                while await store.pending():
                    report = await send_pending(store, Targets(gateway, store), images=True, claimer=f"sender-{i}",
                                                budget=FAST, retry_delays=(0.0, 0.0))
                    total.sent += report.sent
                    await asyncio.sleep(0.01)
                return total

            reports = await asyncio.gather(*(sender(i, store) for i, store in enumerate(stores)))
            await env.settle()
            # Before: each sender read every pending row and sent it: 108 messages for 36 rows.
            for channel in channels:
                history = channel.history()
                assert len(history) == 6, [m.embeds[0].title for m in history]
                assert (history[0].embeds[0].title or "").startswith("📰")  # the header first, then in order
                assert titles(channel) == expected(5)
            assert sum(r.sent for r in reports) == 36 and await gateway.store.pending() == []
            assert sum(1 for r in reports if r.sent) >= 2, [r.sent for r in reports]  # they shared the work
            posts = Counter(r.path for r in env.http_requests if r.method == "POST" and r.path.endswith("/messages"))
            assert set(posts.values()) == {6}
    finally:
        for store in stores:
            await store.close()
        if gateway._store is not None:
            await gateway._store.close()


def looks_since(env: Any, before: int) -> list[Any]:
    """The looks for an earlier try (a GET of a channel's messages) among SimCord's requests from `before` on."""
    return [r for r in env.http_requests[before:] if r.method == "GET" and r.path.endswith("/messages")]


async def recorded_message_ids(admin: asyncpg.Connection) -> set[int]:
    return {int(r["message_id"]) for r in await admin.fetch("SELECT message_id FROM outbox")}


async def close_all(admin: asyncpg.Connection, *stores: Any) -> None:
    await admin.close()
    for store in stores:
        if store is not None:
            await store.close()


HOLD_THE_RECORD = """
CREATE FUNCTION hold_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sent' AND NEW.id = {row} THEN PERFORM pg_sleep(60); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hold_record BEFORE UPDATE OF status ON outbox FOR EACH ROW EXECUTE FUNCTION hold_record();
"""


@pytest.mark.parametrize("lost", ["record", "begin_send"])
async def test_a_sender_killed_after_discords_answer_posts_nothing_twice(lost: str, pg_url: str,
                                                                         tmp_path: Path) -> None:
    """Sender A sends a card; Discord takes it; A's record of it is held in the database, and A dies there:
    its connection ends (the server rolls the record back) and its leases stop being renewed. Sender B takes
    the row once A's lease runs out, finds the card by its marker and adopts it, then sends the rest.
    `begin_send`: A's begin_send writes are lost too, as a server crash may lose them (they commit without
    waiting for the disk, issue 17): the row is still tried, by A's claim, whose commit is durable. Before
    (the tried mark was begin_send's), B found the row untried and posted the card again."""
    config = make_config(tmp_path, database_url=pg_url)
    gateway = create_bot(config, role="gateway")
    a_store = b_store = None
    admin = await asyncpg.connect(pg_url)
    try:
        async with simcord.run(gateway) as env:
            [channel] = await world(env, gateway, channels=1, papers=3)
            first_card = (await gateway.store.pending())[1].id
            await admin.execute((LOSE_BEGIN_SEND if lost == "begin_send" else "")
                                + HOLD_THE_RECORD.format(row=first_card))
            a_store = await open_database(config.database())
            a = asyncio.create_task(send_pending(a_store, Targets(gateway, a_store), images=True, claimer="a",
                                                 budget=FAST, workers=1, lease=2.0))
            deadline = time.monotonic() + 30
            while len(channel.history()) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert len(channel.history()) == 2  # the header and the first card: Discord answered
            await asyncio.sleep(0.3)
            # kill -9, as the database sees it: A's connections drop at once (no rollback sent, nothing
            # released), its held session ends mid-transaction, and nothing more comes from A
            a.cancel()
            a_store.pool.terminate()
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
            await asyncio.gather(a, return_exceptions=True)
            a_store = None
            await admin.execute("DROP TRIGGER hold_record ON outbox"
                                + ("; DROP TRIGGER lose_begin_send ON outbox" if lost == "begin_send" else ""))
            row = await admin.fetchrow("SELECT status, claimed_by, tried_at IS NOT NULL AS tried FROM outbox "
                                       "WHERE id = $1", first_card)
            assert dict(row) == {"status": "pending", "claimed_by": "a", "tried": True}  # the claim's mark

            b_store = await open_database(config.database())
            before = len(env.http_requests)
            deadline = time.monotonic() + 30
            while await b_store.pending() and time.monotonic() < deadline:  # A's lease runs out within 2 s
                await send_pending(b_store, Targets(gateway, b_store), images=True, claimer="b", budget=FAST,
                                   lease=2.0)
                await asyncio.sleep(0.2)
            await env.settle()
            # Before (no marker, no look): the first card twice.
            assert titles(channel) == expected(3)
            assert len(channel.history()) == 4
            looks = looks_since(env, before)
            assert len(looks) == 1  # one look, for the card A sent: found and adopted
            assert await b_store.outbox_counts() == {"sent": 4}
            message_ids = await recorded_message_ids(admin)
            assert message_ids == {m.id for m in channel.history()}  # the adopted card's id recorded
    finally:
        await close_all(admin, a_store, b_store, gateway._store)


HOLD_EVERY_RECORD = """
CREATE FUNCTION hold_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sent' THEN PERFORM pg_sleep(60); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hold_records BEFORE UPDATE OF status ON outbox FOR EACH ROW EXECUTE FUNCTION hold_records();
"""


async def test_a_sender_killed_before_its_batch_of_records_is_written_posts_nothing_twice(
        pg_url: str, tmp_path: Path) -> None:
    """Sends are recorded in batches (issue 20 item 4). Sender A sends the first message of six channels;
    Discord takes all six; A's one write recording them is held, and A dies there: six messages on Discord,
    none recorded. Sender B takes the rows once A's leases run out, finds each message by its marker and
    adopts it, then sends the rest: nothing twice, each channel in order."""
    config = make_config(tmp_path, database_url=pg_url)
    gateway = create_bot(config, role="gateway")
    a_store = b_store = None
    admin = await asyncpg.connect(pg_url)
    try:
        async with simcord.run(gateway) as env:
            channels = await world(env, gateway, channels=6, papers=2)
            await admin.execute(HOLD_EVERY_RECORD)
            a_store = await open_database(config.database())
            a = asyncio.create_task(send_pending(a_store, Targets(gateway, a_store), images=True, claimer="a",
                                                 budget=FAST, lease=2.0))
            deadline = time.monotonic() + 30
            while sum(len(c.history()) for c in channels) < 6 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            # Before (a record a send): five workers each held in their own record, five headers sent.
            assert [len(c.history()) for c in channels] == [1] * 6
            a.cancel()  # kill -9, as the database sees it (see the test above)
            a_store.pool.terminate()
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
            await asyncio.gather(a, return_exceptions=True)
            a_store = None
            await admin.execute("DROP TRIGGER hold_records ON outbox")
            held = await admin.fetch("SELECT status, claimed_by, tried_at IS NOT NULL AS tried FROM outbox "
                                     "WHERE tried_at IS NOT NULL")
            assert [dict(r) for r in held] == [{"status": "pending", "claimed_by": "a", "tried": True}] * 6

            b_store = await open_database(config.database())
            before = len(env.http_requests)
            deadline = time.monotonic() + 30
            while await b_store.pending() and time.monotonic() < deadline:
                await send_pending(b_store, Targets(gateway, b_store), images=True, claimer="b", budget=FAST,
                                   lease=2.0)
                await asyncio.sleep(0.2)
            await env.settle()
            for channel in channels:
                assert titles(channel) == expected(2)
                assert len(channel.history()) == 3
            looks = looks_since(env, before)
            assert len(looks) == 6  # one look for each row sent and not recorded
            assert await b_store.outbox_counts() == {"sent": 18}
            message_ids = await recorded_message_ids(admin)
            assert message_ids == {m.id for c in channels for m in c.history()}
    finally:
        await close_all(admin, a_store, b_store, gateway._store)


LOSE_BEGIN_SEND = """
CREATE FUNCTION lose_begin_send() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A write that keeps the row pending and its claimer (begin_send's, a renewal's) is lost, as a server
    -- crash loses a commit that did not wait for the disk; claims, records and releases go through.
    IF NEW.status = 'pending' AND NEW.claimed_by IS NOT DISTINCT FROM OLD.claimed_by THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER lose_begin_send BEFORE UPDATE ON outbox FOR EACH ROW EXECUTE FUNCTION lose_begin_send();
"""


async def test_a_sender_stopped_mid_run_gives_back_what_it_never_began_and_the_next_run_posts_it_without_a_look(
        config: Config) -> None:
    """A claim marks its rows tried on PostgreSQL (a claimed row may reach Discord). A sender that stops with
    rows claimed and never begun hands them back untried: the next run posts them at once, without looking
    for them on Discord first (a request each), on both engines."""
    gateway = create_bot(config, role="gateway")
    store = None
    try:
        async with simcord.run(gateway) as env:
            channels = await world(env, gateway, channels=4, papers=1)  # four heads claimed at once
            store = await open_database(config.database())
            stop = asyncio.Event()

            async def stop_after_the_first_message() -> None:
                async with asyncio.timeout(60):  # nothing posted (a regression) fails, never spins forever
                    while not any(c.history() for c in channels):
                        await asyncio.sleep(0)
                stop.set()

            stopper = asyncio.create_task(stop_after_the_first_message())
            first = await send_pending(store, Targets(gateway, store), images=True, claimer="a", budget=FAST,
                                       workers=1, stop=stop)
            await stopper
            assert 1 <= first.sent < 4  # stopped with headers claimed and never begun
            before = len(env.http_requests)
            second = await send_pending(store, Targets(gateway, store), images=True, claimer="b", budget=FAST)
            await env.settle()
            assert first.sent + second.sent == 8 and await store.pending() == []
            for channel in channels:
                assert titles(channel) == expected(1) and len(channel.history()) == 2
            looks = looks_since(env, before)
            assert looks == []  # on PostgreSQL, handed back still marked tried by the claim: a look each
    finally:
        for s in (store, gateway._store):
            if s is not None:
                await s.close()


async def test_a_plan_committed_wakes_the_senders(pg_url: str, tmp_path: Path) -> None:
    config = make_config(tmp_path, database_url=pg_url)
    write_kedreamix(tmp_path / "posts", "3DGS", "2024-05-06", entries("6", 2))
    store = await open_database(config.database())
    try:
        async with store.outbox_notices() as notices:
            assert not notices.event.is_set() and notices.lost is None
            cycle = await store.start_cycle("manual")
            # No alert channel: nothing queued, no notice.
            await store.plan_alerts(cycle, AlertMessage("alert", "test", "x"))
            await store.set_alert_channel(1, 11)
            await asyncio.sleep(0.2)
            assert not notices.event.is_set()
            await store.plan_alerts(cycle, AlertMessage("alert", "test", "x"))  # one row, committed
            await asyncio.wait_for(notices.event.wait(), 5)
    finally:
        await store.close()


async def test_senders_share_one_request_budget(pg_url: str, tmp_path: Path) -> None:
    """Three senders reserving 300 requests at once: in no second do they get more than 50 (Discord's
    global limit for a bot token), and they get close to it."""
    config = make_config(tmp_path, database_url=pg_url)
    stores = [await open_database(config.database()) for _ in range(3)]
    try:
        async def reserve(store: Any) -> list[float]:
            times = []
            for _ in range(100):
                wait = await store.take_send_budget(1, 45.0, 5.0)
                times.append(time.monotonic() + wait)  # when this request may go
            return times

        start = time.monotonic()
        times = sorted(t for ts in await asyncio.gather(*(reserve(s) for s in stores)) for t in ts)
        busiest = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
        assert busiest <= 50, busiest  # before (each sender on its own): 3 × 45 a second
        assert times[-1] - start < 300 / 45 + 1.0  # and no slower than the budget
    finally:
        for store in stores:
            await store.close()


async def test_senders_reserving_several_requests_a_round_trip_stay_under_the_bound(
        pg_url: str, tmp_path: Path) -> None:
    """A sender reserves its requests five a round trip (bot/delivery/budget.py): three senders making 300
    requests still get no more than 50 in any second, and ask the database a fifth as often."""
    config = make_config(tmp_path, database_url=pg_url)
    stores = [await open_database(config.database()) for _ in range(3)]
    asked = Counter[int]()
    try:
        async def requests(i: int, store: Any) -> list[float]:
            async def take(requests: int, rate: float, burst: float) -> float:
                asked[i] += 1
                return float(await store.take_send_budget(requests, rate, burst))

            reservations = Reservations(take, Budget(45.0, 5.0))
            return [await reservations.reserve() for _ in range(100)]  # when each request may go

        start = time.monotonic()
        times = sorted(t for ts in await asyncio.gather(*(requests(i, s) for i, s in enumerate(stores))) for t in ts)
        busiest = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
        assert busiest <= 50, busiest
        assert times[-1] - start < 300 / 45 + 1.0
        assert sum(asked.values()) == 60, asked  # before: one round trip a request, 300
    finally:
        for store in stores:
            await store.close()


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return make_config(tmp_path, database_url=store_url)


FULL_DISK = {
    "sqlite": """
CREATE TRIGGER disk_full BEFORE UPDATE OF status ON outbox WHEN NEW.status = 'sent'
BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
""",
    "postgres": """
CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sent' THEN
        RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device' USING ERRCODE = 'disk_full';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER disk_full BEFORE UPDATE OF status ON outbox FOR EACH ROW EXECUTE FUNCTION disk_full();
""",
}
DISK_FREED = {"sqlite": "DROP TRIGGER disk_full", "postgres": "DROP TRIGGER disk_full ON outbox"}


async def test_a_full_disk_at_the_record_step_pauses_sending_and_nothing_is_sent_twice_next_day(
        simcord_env, config: Config, make_bot, posts_dir: Path) -> None:
    env = simcord_env
    engine = engine_of(config)
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild = env.create_guild(name="Lab")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("prof"), roles=[admins])
    channels = [guild.create_text_channel(name) for name in ("papers", "other")]
    await env.bot.run_digest()
    for channel in channels:
        await admin.slash(channel, "feed add", channel=channel, topic="3DGS", style="cards")

    await run_sql(config, FULL_DISK[engine])
    summary = await env.bot.run_digest()  # before: the cycle failed here, and every row stayed to be re-sent
    assert any("sending paused" in p and "did not record" in p for p in summary.send.paused), summary.send.paused
    accepted = [m for c in channels for m in c.history()]
    assert 1 <= len(accepted) <= 2  # what Discord took before sending paused: a header each at most
    assert summary.send.sent == 0

    await run_sql(config, DISK_FREED[engine])  # space freed; the next day's cycle
    await env.restart_bot(make_bot())
    await env.settle()
    await env.bot.run_digest()
    for channel in channels:
        assert titles(channel) == expected(3)
        assert len(channel.history()) == 4  # before: the accepted header twice (25 papers twice, in the issue)
    assert {m.id for m in accepted} <= {m.id for c in channels for m in c.history()}
    assert await env.bot.store.outbox_counts() == {"sent": 8}
    assert len(paper_messages(channels[0])) == 3
