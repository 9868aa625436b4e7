"""A message Discord refuses in both its forms gives its papers back (issue 19 item 3): the next cycle posts them
again, one card each, with the reason in /status and one alert; a paper refused again is given up for good. The
real bot in SimCord (refusals injected as Discord answers them), on both engines; and the store's release."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import operate
from jobs.config import Config
from tests.postgen import entries, write_kedreamix
from tests.test_feed import setup_guild, titles

TOO_LONG = "Invalid Form Body: embeds.0.description: Must be 4096 or fewer in length."
REASON = f"Discord answered 400 (error 50035): {TOO_LONG}"


def refuse(env, channel_id: int, times: int) -> None:  # type: ignore[no-untyped-def]
    """Discord refuses the next `times` messages to the channel as it refuses an oversized embed."""
    env.inject_error("POST", f"/channels/{channel_id}/messages", status=400, code=50035, message=TOO_LONG,
                     times=times)


def refusal_alerts(channel) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.content for m in channel.history() if "Discord refused" in m.content]


async def deliveries(admin, channel) -> str:  # type: ignore[no-untyped-def]
    """/status's Deliveries field, as the admin reads it."""
    embed = (await admin.slash(channel, "status")).response.embeds[0]
    return next(f.value for f in embed.fields if f.name == "Deliveries")


async def a_refused_day(env, posts_dir: Path):  # type: ignore[no-untyped-def]
    """A digest feed in #papers and alerts in #ops; the day's one message is refused, in its smaller form too."""
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    guild, papers, admin, _ = setup_guild(env)
    ops = guild.create_text_channel("ops")
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")  # a digest: the day is one message
    await admin.slash(ops, "settings alerts", channel=ops)
    refuse(env, papers.id, times=2)
    summary = await env.bot.run_digest()
    assert papers.history() == [] and summary.send.failed == 1
    return papers, ops, admin


async def test_a_day_refused_twice_is_posted_again_as_cards_with_one_alert(
        simcord_env, posts_dir: Path, config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    env = simcord_env
    papers, ops, admin = await a_refused_day(env, posts_dir)

    # One alert, for the message, saying why and what becomes of its papers.
    [alert] = refusal_alerts(ops)
    assert alert.startswith(f"⚠️ Discord refused a message for <#{papers.id}> twice, in a smaller form too "
                            f"({REASON}). Its 3 papers are released: they go out again with the next cycle, "
                            "one card each.")
    shown = await deliveries(admin, papers)
    assert (f"⚠ 1 message to <#{papers.id}> refused by Discord ({REASON}): 3 papers released to be posted again"
            in shown)
    assert await operate.status(config) == 0  # the command line's `status` says it too
    assert (f"  ⚠ 1 message to channel {papers.id} refused by Discord ({REASON}): 3 papers released to be posted "
            "again\n") in capsys.readouterr().out

    # Before: the papers counted as delivered and the cursor had moved on: #papers never got them.
    await env.bot.run_digest()
    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    assert len(papers.history()) == 3  # one card each, no header, no day
    assert len(refusal_alerts(ops)) == 1  # the retry is not announced again

    await env.bot.run_digest()  # nothing twice
    assert len(papers.history()) == 3 and len(refusal_alerts(ops)) == 1


async def test_a_paper_refused_again_is_given_up_for_good(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    papers, ops, admin = await a_refused_day(env, posts_dir)
    refuse(env, papers.id, times=2)  # the first card, in both forms
    await env.bot.run_digest()

    assert titles(papers) == [f"Paper 6-{i} on Gaussian splatting" for i in (2, 3)]
    _, second = refusal_alerts(ops)
    assert second == (f"⚠️ Discord refused a message for <#{papers.id}> twice, in a smaller form too ({REASON}). "
                      "1 paper in it had been refused there before and is given up for good (`/paper` shows it).")
    shown = await deliveries(admin, papers)
    assert (f"⚠ 2 messages to <#{papers.id}> refused by Discord ({REASON}): 3 papers released to be posted "
            "again, 1 paper given up after a second refusal") in shown

    sends = len(env.http_requests)
    await env.bot.run_digest()  # no daily loop of failures, no daily alert
    assert not [r for r in env.http_requests[sends:] if r.method == "POST" and "/messages" in r.path]
    assert len(refusal_alerts(ops)) == 2


async def test_a_dm_day_refused_twice_comes_to_the_member_again(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    guild, papers, admin, _ = setup_guild(env)
    reader = env.create_user("reader")
    await guild.add_member(reader).slash(papers, "subscribe", keyword="splatting")
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 3))
    dm = reader.dm_channel
    refuse(env, dm.id, times=2)
    await env.bot.run_digest()
    assert dm.history() == []
    shown = await deliveries(admin, papers)
    assert f"⚠ 1 message to a member's DMs refused by Discord ({REASON}): 3 papers released to be posted again" \
        in shown

    await env.bot.run_digest()  # before: the member never got them
    history = dm.history()
    assert sorted(m.embeds[0].title for m in history) == [f"Paper 6-{i} on Gaussian splatting" for i in (1, 2, 3)]
    assert all(m.content.startswith("📬 **1 new paper** for your Paperboy subscriptions") for m in history)
    await env.bot.run_digest()
    assert len(dm.history()) == 3


async def test_the_alert_reads_in_the_servers_language(simcord_env, posts_dir: Path) -> None:
    env = simcord_env
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    guild, papers, admin, _ = setup_guild(env)
    ops = guild.create_text_channel("ops")
    await env.bot.run_digest()
    await admin.slash(papers, "feed add", channel=papers, topic="3DGS")
    await admin.slash(ops, "settings alerts", channel=ops)
    await admin.slash(papers, "settings language", language="zh")
    refuse(env, papers.id, times=2)
    await env.bot.run_digest()
    [alert] = [m.content for m in ops.history() if "两次被拒收" in m.content]
    assert alert == (f"⚠️ 发往 <#{papers.id}> 的一条消息两次被拒收（精简后也被拒收：{REASON}）。其中 2 篇论文已释放，"
                     "将在下一轮逐篇以卡片重新发送。")
