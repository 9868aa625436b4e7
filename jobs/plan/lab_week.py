"""The lab's week (jobs/lab_week.py): what /top shows and the weekly post carries, and planning that post
through the outbox at the server's hour (bot.hourly); and the journal club's reminders (jobs/club.py). No
discord here; bot/ui/render.py draws them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from jobs.lab_week import since
from jobs.messages import ClubMessage, TopMessage
from jobs.plan.dms import DM_CYCLE
from jobs.store.areas import ClubArea, LabWeekArea, MetaArea


class WeekStore(LabWeekArea, ClubArea, MetaArea, Protocol):
    """The store areas the lab's week and the club's reminders use."""


async def top_message(store: LabWeekArea, guild_id: int, period: str, now: datetime) -> TopMessage:
    """The papers the server reacted to most in the `period` (week | month) up to `now`, with their threads."""
    start = since(now, period)
    top = await store.top_papers(guild_id, start)
    threads = await store.discuss_threads(guild_id, [a for a, _, _ in top])
    return TopMessage(period, start.date().isoformat(), now.date().isoformat(),
                      [(a, up, down, threads.get(a, 0)) for a, up, down in top])


async def plan_club_reminders(store: WeekStore, now: datetime) -> int:
    """Queue the DM reminding each journal-club presenter, a day before (jobs/club.py): how many."""
    cycle_id = int(await store.get_meta(DM_CYCLE) or 0)
    planned = 0
    for paper in await store.club_reminders() if cycle_id else []:
        if paper.remind(now) and paper.starts_at is not None:
            message = ClubMessage(paper.guild_id, paper.arxiv_id, paper.starts_at.strftime("%Y-%m-%d %H:%M"),
                                  paper.thread_id or 0)
            await store.plan_club_reminder(cycle_id, paper, message)
            planned += 1
    return planned


async def plan_week_posts(store: WeekStore, now: datetime) -> int:
    """Queue each server's weekly post that is due (once per ISO week): how many were queued."""
    posts = await store.week_posts()
    cycle_id = int(await store.get_meta(DM_CYCLE) or 0)
    if not posts or not cycle_id:  # no cycle has run yet: nothing to count either
        return 0
    planned = 0
    for post in posts:
        week = post.due(now)
        if week is not None:
            await store.plan_week_post(cycle_id, post, await top_message(store, post.guild_id, "week", now), week)
            planned += 1
    return planned
