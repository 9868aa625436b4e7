"""One failed send costs only its row and its target (issue 9): through SimCord, with Discord's own
errors injected (`env.inject_error`) and network failures raised by SimCord's HTTP layer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.engines import engine_of, run_sql
from tests.postgen import entries, write_kedreamix
from tests.test_feed import paper_messages, planned_not_sent, setup_guild, titles


async def two_feeds(env, posts_dir: Path):  # type: ignore[no-untyped-def]
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild, papers, admin, _ = setup_guild(env)
    other = guild.create_text_channel("other")
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS", style="cards")
    await admin.slash(other, "feed add", channel=other, topic="3DGS", style="cards")
    return papers, other


def fail_transport(env, path: str, error: BaseException, times: int | None) -> list[str]:  # type: ignore[no-untyped-def]
    """Make SimCord's HTTP client raise `error` (as aiohttp would on a dropped connection) for POSTs to
    `path`, `times` times (None: always). SimCord's inject_error can only answer with an HTTP status."""
    http = env.bot.http
    real = http.request
    seen: list[str] = []

    async def request(route: Any, **kwargs: Any) -> Any:
        nonlocal times
        if route.method == "POST" and route.url.endswith(path) and times != 0:
            seen.append(route.url)
            if times is not None:
                times -= 1
            raise error
        return await real(route, **kwargs)

    http.request = request
    return seen


@pytest.mark.parametrize("error", [aiohttp.ClientConnectionError("Connection reset by peer"),
                                   ConnectionResetError(104, "Connection reset by peer"),
                                   TimeoutError()], ids=["aiohttp", "oserror", "timeout"])
async def test_a_network_failure_costs_only_its_channel(simcord_env, posts_dir: Path, error: BaseException) -> None:
    env = simcord_env
    papers, other = await two_feeds(env, posts_dir)
    tries = fail_transport(env, f"/channels/{papers.id}/messages", error, times=None)

    summary = await env.bot.run_digest()  # before: the error escaped and ended the whole cycle

    assert len(paper_messages(other)) == 3  # the other channel got everything
    assert paper_messages(papers) == []
    assert len(tries) == 3  # the failing row tried three times in this run, the rest of #papers waits
    assert summary.send.failed == 1
    counts = await env.bot.store.outbox_counts()
    assert counts.get("pending") == 4  # the 4 rows of #papers, still in order for the next run


async def test_a_dropped_connection_is_retried_within_the_run(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    papers, other = await two_feeds(env, posts_dir)
    fail_transport(env, f"/channels/{papers.id}/messages", aiohttp.ServerDisconnectedError(), times=1)
    await env.bot.run_digest()
    # Retried at once with the same nonce: Discord would return the first message had it gone through.
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    assert len(paper_messages(other)) == 3
    sends = [r.json["nonce"] for r in env.http_requests
             if r.method == "POST" and r.path == f"/channels/{papers.id}/messages"]
    assert len(sends) == len(set(sends)) == 4  # the transport failure never reached SimCord
    assert (await env.bot.store.outbox_counts()).get("pending") is None


async def test_a_server_error_is_retried_and_then_waits(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    papers, other = await two_feeds(env, posts_dir)
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=502, times=2)
    await env.bot.run_digest()
    assert len(paper_messages(papers)) == 3 and len(paper_messages(other)) == 3
    sends = [r.json["nonce"] for r in env.http_requests
             if r.method == "POST" and r.path == f"/channels/{papers.id}/messages"]
    assert sends[:3] == [sends[0]] * 3  # one row, three tries, one nonce


async def test_a_payload_discord_refuses_is_given_up_at_once_and_the_queue_goes_on(
    simcord_env, posts_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = simcord_env
    papers, other = await two_feeds(env, posts_dir)
    # The first message to #papers (its header line) is refused as Discord refuses an oversized embed, and
    # so is its smaller form.
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=400, code=50035,
                     message="Invalid Form Body: embeds.0.description: Must be 4096 or fewer in length.", times=2)
    with caplog.at_level(logging.WARNING, logger="bot.delivery.sender"):
        summary = await env.bot.run_digest()

    # Before: the row counted as a passing failure and held #papers' queue for 5 cycles.
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    assert len(paper_messages(other)) == 3
    assert summary.send.failed == 1 and not summary.send.paused
    assert (await env.bot.store.outbox_counts()).get("failed") == 1
    assert any("refused" in r.getMessage() and "50035" in r.getMessage() and "4096 or fewer" in r.getMessage()
               for r in caplog.records)
    sends = len(env.http_requests)
    await env.bot.run_digest()  # not tried again
    assert not [r for r in env.http_requests[sends:] if r.method == "POST" and "/messages" in r.path]


async def test_a_refused_day_goes_out_once_more_smaller_and_nothing_is_lost(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 7))
    _, papers, admin, student = setup_guild(env)
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")  # a digest: one message for the day
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=400, code=50035,
                     message="Invalid Form Body: embeds.2.url: Not a well formed URL.")
    summary = await env.bot.run_digest()

    (message,) = papers.history()  # the day, in the smaller form: every paper of the page still there
    assert summary.send.sent == 1 and summary.send.failed == 0
    assert message.content.startswith("📰 **3DGS · 2024-05-06 · 7 papers**")
    assert len(message.embeds) == 5 and all(len(e.description or "") <= 400 for e in message.embeds)
    assert (await env.bot.store.outbox_counts()).get("failed", 0) == 0
    turned = await student.click(message, label="Next ▶")  # and its controls still answer
    assert turned.ephemeral and len(turned.response.embeds) == 2


async def test_digest_run_during_the_start_up_delivery_sends_nothing_twice(
    simcord_env, posts_dir: Path, make_bot
) -> None:
    env = simcord_env
    papers, admin = await planned_not_sent(env, posts_dir)
    assert (await env.bot.store.outbox_counts()).get("pending") == 4
    env.backend.faults.clear()

    # After a restart the start-up delivery sends the 4 planned rows; its first send meets a 503 and
    # waits 30 s (virtual time) to try again. An admin runs /digest run in that moment.
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=503, times=1)
    bot = make_bot()
    bot.retry_delays = (30.0,)
    await env.restart_bot(bot)
    result = await admin.slash(papers, "digest run")
    await env.advance_time(40)
    await env.settle()

    # Before: the command's cycle read the same 4 pending rows and sent them too (8 messages).
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    assert len(papers.history()) == 4
    assert "running right now" in result.response.content


CRASH_AT_COMMIT = {
    "sqlite": """
CREATE TRIGGER crash_at_commit BEFORE UPDATE OF status ON outbox
WHEN NEW.status = 'sent' AND NEW.message_id IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'the process died here (test)'); END
""",
    "postgres": """
CREATE FUNCTION crash_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sent' AND NEW.message_id IS NOT NULL THEN
        RAISE EXCEPTION 'the process died here (test)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER crash_at_commit BEFORE UPDATE OF status ON outbox FOR EACH ROW EXECUTE FUNCTION crash_at_commit();
""",
}
RECOVERED = {"sqlite": "DROP TRIGGER crash_at_commit", "postgres": "DROP TRIGGER crash_at_commit ON outbox"}


async def test_a_forum_post_made_just_before_a_crash_is_adopted_not_posted_again(
    simcord_env, posts_dir: Path, make_bot, config
) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, papers, admin, _ = setup_guild(env)
    forum = guild.create_forum_channel("paper-forum")
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=forum, topic="3DGS", style="cards")

    # Discord creates the first post, then the process dies before recording it: a trigger in the real
    # database makes that commit fail, as a kill -9 between the two would. Sending pauses there.
    await run_sql(config, CRASH_AT_COMMIT[engine_of(config)])
    summary = await env.bot.run_digest()
    assert any("the process died here" in p for p in summary.send.paused), summary.send.paused
    assert [t.name for t in forum.threads] == ["Paper 6-1 on Gaussian splatting"]
    await run_sql(config, RECOVERED[engine_of(config)])

    await env.restart_bot(make_bot())  # a fresh process on the same database: start-up delivery
    await env.settle()

    # Before: 3 posts (8 of 8 such crashes posted twice). Now the first is found and adopted.
    assert sorted(t.name for t in forum.threads) == ["Paper 6-1 on Gaussian splatting",
                                                     "Paper 6-2 on Gaussian splatting"]
    creates = [r for r in env.http_requests if r.method == "POST" and r.path == f"/channels/{forum.id}/threads"]
    assert len(creates) == 2
    assert (await env.bot.store.outbox_counts()) == {"sent": 3}  # the header line, two posts
    starter = forum.threads[0].history()[0]
    assert starter.embeds[0].footer.text == "3DGS · 2024-05-06 · arXiv 2405.60001 · #pb2"  # the row's marker
    await env.bot.run_digest()
    assert len(forum.threads) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_a_passing_refusal_keeps_the_rows_for_the_next_run(simcord_env, posts_dir: Path, status: int) -> None:
    env = simcord_env
    papers, other = await two_feeds(env, posts_dir)
    env.inject_error("POST", f"/channels/{papers.id}/messages", status=status, times=None)
    summary = await env.bot.run_digest()
    assert paper_messages(papers) == [] and len(paper_messages(other)) == 3
    assert summary.send.failed == 1 and not summary.send.paused
    assert (await env.bot.store.outbox_counts()) == {"sent": 4, "pending": 4}  # none given up
    env.backend.faults.clear()
    await env.bot.run_digest()
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]


async def test_a_row_of_no_known_shape_is_given_up_with_its_reason_and_the_rest_is_sent(
    simcord_env, posts_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = simcord_env
    papers, _ = await planned_not_sent(env, posts_dir)  # a header and three cards
    env.backend.faults.clear()
    store = env.bot.store
    (first, *_) = await store.pending()
    async with store.transaction() as db:  # a row written by hand (or by a bug): no kind Paperboy knows
        await db.execute(f"UPDATE outbox SET payload = '{{\"poll\": 1}}' WHERE id = {first.id}")

    with caplog.at_level(logging.ERROR, logger="bot.delivery.sender"):
        summary = await env.bot.run_digest()

    assert len(paper_messages(papers)) == 3  # before: a KeyError ended the send run, nothing went out
    assert summary.send.failed == 1
    assert (await store.outbox_counts()).get("failed") == 1
    said = f"outbox {first.id} given up: it cannot be read: outbox payload of no known kind (has ['poll'])"
    assert said in caplog.text
