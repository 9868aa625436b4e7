"""The store's areas: one narrow typed interface per concern, so a caller can name only the part of
the store it uses, and a backend (jobs/store/backends.py) implements them all.

Carved out of what was one 68-method `StoreProtocol` (interface.py, now the union of these). Each
method keeps the contract it had there: writes are atomic per method; `MetaArea.transaction()` groups
several into one (nested use from the same task is a savepoint); reads see committed data, or the
calling task's own open transaction. `jobs.store.Store` (SQLite) implements every area
(tests/test_store_areas.py checks names and signatures).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from jobs.club import ClubPaper
from jobs.dm_schedule import DmSchedule
from jobs.lab_week import TOP_PAPERS, WeekPost
from jobs.messages import AlertMessage, ClubMessage, OutboxMessage, TopMessage
from jobs.models import Paper, ParsedPost
from jobs.records import (
    DmMessage,
    DmState,
    Feed,
    HeldPaper,
    OutboxItem,
    OutboxNotices,
    PostOutcome,
    PostState,
    Refusal,
    Release,
    ReleasedPaper,
    Scope,
    SearchHit,
    SourceHealth,
    Subscription,
    TopicInfo,
)
from jobs.sources.base import Fetched, PostRef

if TYPE_CHECKING:  # the store's own module: imported for the type alone
    from jobs.store.rank_index import Owners


@runtime_checkable
class IngestArea(Protocol):
    """Sources and their posts: what ingest records (jobs/pipeline.py)."""

    async def upsert_source(self, name: str, kind: str, fmt: str, location: str) -> int:
        ...

    async def listing_etag(self, source_id: int) -> str | None:
        ...

    async def finish_source_run(self, source_id: int, *, listing_etag: str | None, error: str | None) -> None:
        ...

    async def post_states(self, source_id: int) -> dict[str, PostState]:
        ...

    async def record_failed_post(self, source_id: int, ref: PostRef, error: str) -> None:
        ...

    async def record_post(self, source_id: int, ref: PostRef, fetched: Fetched, parsed: ParsedPost) -> PostOutcome:
        ...

    async def record_posts(
        self, source_id: int, posts: Sequence[tuple[PostRef, Fetched, ParsedPost]]
    ) -> list[PostOutcome]:
        """Several posts in one transaction, in order: all stored or none."""
        ...

    async def failed_posts(self) -> list[tuple[str, str, str]]:
        ...


@runtime_checkable
class PapersArea(Protocol):
    """Papers and topics, as readers and planners see them."""

    async def get_paper(self, arxiv_id: str) -> Paper | None:
        """The paper with its most recent appearance's topic and date."""
        ...

    async def get_papers(self, arxiv_ids: list[str]) -> dict[str, Paper]:
        """Several papers at once (as `get_paper` gives them), by arXiv id; ids not stored are left out."""
        ...

    async def paper_topics(self, arxiv_ids: list[str]) -> dict[str, list[str]]:
        """Every topic each paper appeared under, alphabetically (ignoring case)."""
        ...

    async def counts(self) -> dict[str, int]:
        ...

    async def topics(self) -> list[TopicInfo]:
        ...

    async def known_topics(self) -> list[str]:
        """Every topic, in alphabetical order ignoring case."""
        ...

    async def appearance_cursor(self) -> int:
        ...

    async def papers_since(self, cursor: int) -> list[Paper]:
        """Appearances added after `cursor`, as papers with their topic and date, in ingest order."""
        ...

    async def new_papers(self, after_paper_id: int) -> list[tuple[int, Paper, list[str]]]:
        """Papers first stored after `after_paper_id`: (paper id, paper, its topics), oldest first."""
        ...

    async def max_paper_id(self) -> int:
        ...

    async def latest_post_papers(self, topic: str) -> list[Paper]:
        """The papers of the newest post of `topic` (by post date, then the latest stored), in post order."""
        ...


    async def recent_papers(self, since: str) -> list[str]:
        """The arXiv ids of papers in posts dated `since` (YYYY-MM-DD) or later, newest date first."""
        ...


@runtime_checkable
class SearchArea(Protocol):
    """Ranked search over the papers."""

    async def search(
        self,
        match: str | None,
        *,
        arxiv_id: str | None = None,
        topic: str | None = None,
        after: str | None = None,
        before: str | None = None,
        limit: int = 10,
        offset: int = 0,
        words: Sequence[tuple[str, bool]] | None = None,
    ) -> tuple[list[SearchHit], int]:
        ...

    async def ready_search(self, appearances: bool = True) -> None:
        """Load what searches rank with (the papers' arrays, and the appearances a filter reads) now, not at the
        first search: at a million papers that search would wait 0.8 s, or 2.2 s with a topic filter. Once
        loaded, bring them up to date: take in what was committed since (nothing: the generation read).
        `appearances=False`: never load the appearances whole (a change that was no addition drops them)."""
        ...

    async def merge_index(self, rows: int, owners: Owners | None = None) -> bool:
        """One piece of the ranking index's merging (about `rows` posting rows, or the fresh segments when
        due) in a transaction of its own: the merger process's (jobs/ops/rank_merger.py). Whether there was
        any to do. `owners`: what the previous piece read of the merge's papers, kept by the caller."""
        ...


class FeedPlanning(Protocol):
    """A feed's plan in the making, inside its transaction: the SQL the planner's rules ask for."""

    feed: Feed | None  # read again inside the transaction: None when removed since the caller listed it

    async def candidates(self, scope: Scope) -> list[tuple[int, Paper]]:
        """(paper id, paper as it appeared) in the scope, in appearance order, none already delivered here."""
        ...

    async def enqueue(self, message: OutboxMessage, paper_ids: Sequence[int]) -> int:
        """One outbox row for this feed's channel, and the delivery records of its papers; its id."""
        ...

    async def released(self) -> list[ReleasedPaper]:
        """The papers released for this feed by a message Discord refused twice, waiting to be planned again."""
        ...

    async def settle_released(self, ids: Sequence[int]) -> None:
        """These releases are planned again (or their papers reached the channel another way)."""
        ...

    async def topic_has_posts(self) -> bool:
        ...

    async def move_cursor(self) -> None:
        """The feed's cursor to the newest appearance as of the transaction's start."""
        ...


@runtime_checkable
class FeedsArea(Protocol):
    """Feeds, cycles and the outbox: what is planned, sent, failed and delivered."""

    async def add_feed(self, guild_id: int, channel_id: int, topic: str, keywords: list[str],
                       created_by: int | None, style: str | None = None) -> tuple[Feed, bool]:
        """Add a feed (style `digest` unless told), or update the keywords (and the style, when given)
        of the same channel+topic. Returns (feed, created)."""
        ...

    async def set_feed_style(self, channel_id: int, topic: str, style: str) -> Feed | None:
        """Change how a feed posts from its next delivery on; None when there is no such feed."""
        ...

    async def remove_feed(self, channel_id: int, topic: str) -> Feed | None:
        ...

    async def feeds(self, guild_id: int | None = None) -> list[Feed]:
        ...

    async def pause_feeds_of_channel(self, channel_id: int, reason: str) -> list[Feed]:
        ...

    async def resume_feed(self, channel_id: int, topic: str) -> Feed | None:
        """Unpause a feed; the messages that failed for the reason it was paused are pending again."""
        ...

    def feed_planning(self, cycle_id: int, feed: Feed) -> AbstractAsyncContextManager[FeedPlanning]:
        """One transaction for planning a feed (`jobs.plan.feeds.plan_feed`): its outbox rows, their
        delivery records and its cursor commit together or not at all."""
        ...

    async def start_cycle(self, trigger: str, guild_id: int | None = None) -> int:
        ...

    async def finish_cycle(self, cycle_id: int, summary: str) -> None:
        ...

    async def last_completed_cycle(self) -> datetime | None:
        """When the last full (scheduled or startup) cycle finished; per-server runs do not count."""
        ...

    async def pending(self, guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        ...

    async def mark_trying(self, outbox_id: int) -> None:
        """Committed before a send Discord cannot de-duplicate: the row may be on Discord after a crash."""
        ...

    async def outbox_item(self, outbox_id: int) -> OutboxItem | None:
        """One outbox row, whatever its state: a digest message's buttons read their papers from it."""
        ...

    async def mark_sent(self, outbox_id: int, message_id: int | None) -> None:
        ...

    async def mark_sent_many(self, sent: Sequence[tuple[int, int | None]]) -> None:
        """Record several sends, (outbox id, message id) each, in one transaction (a sender's batch)."""
        ...

    async def mark_failed(self, outbox_ids: list[int], error: str, *, final: bool) -> None:
        """Record a failed send; `final` gives up on it (the target is gone), else it stays pending."""
        ...

    async def prune(self, dm_cursor: int, keep_days: int = 30) -> tuple[int, int]:
        ...

    async def outbox_counts(self) -> dict[str, int]:
        ...

    async def delivered_papers(self, kind: str, target_ids: list[int], paper_ids: list[int]) -> set[tuple[int, int]]:
        """(target, paper) pairs among these that were already delivered (or planned)."""
        ...

    async def plan_dm(self, cycle_id: int, user_id: int, messages: list[DmMessage]) -> int:
        """Queue one user's DM delivery: each message is a list of (paper id, arxiv id, matched label)."""
        ...

    async def release_refused(self, outbox_id: int, reason: str) -> Release:
        """Give up a row Discord refused twice (failed, final, `reason`) and release its papers for its target in
        one transaction: no longer delivered there, waiting to be planned again; one released there before is
        given up for good (it stays delivered)."""
        ...

    async def released_dms(self) -> list[ReleasedPaper]:
        """The papers released for members' DMs and waiting to be planned again, in release order."""
        ...

    async def settle_released(self, ids: Sequence[int]) -> None:
        """These releases are planned again (or their papers reached the target another way)."""
        ...

    async def refusals(self, since: datetime) -> list[Refusal]:
        """Messages refused twice since then, by target and reason, the latest first."""
        ...

    async def plan_dms(self, cycle_id: int, plans: Sequence[tuple[int, list[DmMessage]]]) -> int:
        """Many users' DM deliveries, (user id, messages) each, in one transaction."""
        ...


@runtime_checkable
class ClaimsArea(Protocol):
    """Senders taking the outbox's rows (issue 18): claims with leases, the bot's shared request budget, and
    being woken when messages are queued. On PostgreSQL any number of senders share them; on SQLite one
    process sends, and leases are not needed."""

    async def claim_outbox(self, claimer: str, limit: int, *, exclude: Sequence[int] = (), lease: float = 60.0,
                           guild_id: int | None = None, kind: str | None = None) -> list[OutboxItem]:
        """Up to `limit` rows, oldest first, each the first pending row of its target (a target's later rows
        wait for it), not in `exclude` and not leased to another sender; leased to `claimer` for `lease` s.
        Each item's `tried`: the row may have reached Discord before this claim (look before posting)."""
        ...

    async def begin_send(self, outbox_id: int, claimer: str, lease: float = 60.0) -> bool:
        """Before each try: the row is marked tried (it may reach Discord from now on; on PostgreSQL its claim
        marked it already) and its lease runs `lease` s more. False when it is no longer the claimer's (its
        lease ran out and another took it, or it is no longer pending): then it must not be sent."""
        ...

    async def renew_claims(self, claimer: str, lease: float = 60.0) -> int:
        """Every pending row `claimer` holds is leased `lease` s more (a running sender's heartbeat)."""
        ...

    async def release_claims(self, claimer: str, unbegun: Sequence[int] = ()) -> int:
        """Give back the pending rows `claimer` holds (a sender stopping): others may take them at once.
        `unbegun`: those of them it claimed untried and never began to send, untried again."""
        ...

    async def take_send_budget(self, requests: int, rate: float, burst: float) -> float:
        """Reserve `requests` of the bot's requests in the budget every sender shares (`rate` a second, at
        most `burst` saved up); the seconds to wait before making them."""
        ...

    def outbox_notices(self) -> AbstractAsyncContextManager[OutboxNotices]:
        """While inside, the yielded notices' event is set when messages are queued (by any process)."""
        ...


@runtime_checkable
class SubscriptionsArea(Protocol):
    """Members' subscriptions and the state of their DMs."""

    async def add_subscription(self, user_id: int, kind: str, value: str, folded: str,
                               limit: int) -> tuple[Subscription | None, str]:
        """Returns (subscription, "added" | "duplicate" | "full")."""
        ...

    async def subscriptions(self, user_id: int | None = None) -> list[Subscription]:
        ...

    async def remove_subscriptions(self, user_id: int, sub_id: int | None = None) -> list[Subscription]:
        """Remove one subscription of the user (by id), or all of them when `sub_id` is None."""
        ...

    async def dm_state(self, user_id: int) -> DmState:
        ...

    async def closed_dm_users(self) -> set[int]:
        ...

    async def set_dm_channel(self, user_id: int, channel_id: int) -> None:
        ...

    async def mark_dm_closed(self, user_id: int, reason: str) -> None:
        ...

    async def reopen_dm(self, user_id: int) -> None:
        """The user was told how to open their DMs: try again from the next cycle."""
        ...


@runtime_checkable
class SettingsArea(Protocol):
    """Per-server and per-member settings: languages and the alert channel."""

    async def guild_language(self, guild_id: int) -> str | None:
        ...

    async def set_guild_language(self, guild_id: int, language: str, set_by: int | None) -> None:
        ...

    async def member_language(self, user_id: int) -> str | None:
        ...

    async def member_languages(self) -> dict[int, str]:
        ...

    async def set_member_language(self, user_id: int, language: str) -> None:
        ...

    async def set_alert_channel(self, guild_id: int, channel_id: int | None, set_by: int | None = None) -> None:
        ...

    async def alert_channel(self, guild_id: int) -> int | None:
        ...


@runtime_checkable
class SignalArea(Protocol):
    """The group's own signal (issue 22): members' feedback on papers and the papers they saved, by arXiv
    id; and forgetting a member. The rest of issue 22 has areas of its own: filters, DM schedules, the lab's
    week, departures, the journal club."""

    async def toggle_feedback(self, user_id: int, arxiv_id: str, value: str, topic: str | None = None,
                              guild_id: int | None = None) -> str | None:
        """A click on `value` (up, down, hide) in a server (None: a DM): set, replacing the member's other
        feedback on the paper, or cleared when it already was theirs. Their feedback on the paper now (None:
        none, or not stored)."""
        ...

    async def feedback_counts(self, arxiv_id: str) -> dict[str, int]:
        """How many members gave each feedback on the paper, never who: {"up": n, "down": m, "hide": k}."""
        ...

    async def member_feedback(self, user_id: int) -> dict[str, str]:
        """The member's feedback: arXiv id -> value, oldest first."""
        ...

    async def toggle_saved(self, user_id: int, arxiv_id: str) -> bool | None:
        """Save the paper, or unsave it when saved: whether it is saved now (None: the paper is not stored)."""
        ...

    async def saved_papers(self, user_id: int) -> list[str]:
        """The arXiv ids the member saved, the latest first."""
        ...

    async def member_signals(self, user_ids: list[int]) -> dict[int, dict[str, str]]:
        """What each of these members told about papers, for their ranking: arXiv id -> up, down or hide,
        or "saved" for a saved paper they gave no feedback on. Members with nothing are left out."""
        ...

    async def forget_member(self, user_id: int) -> dict[str, int]:
        """Delete all a member's data in one transaction (subscriptions, feedback, saved papers, language,
        DM state and DM deliveries): the rows deleted, by kind."""
        ...


@runtime_checkable
class FiltersArea(Protocol):
    """What a feed or a subscription leaves out or keeps by (issue 22): excluded words, a pattern, a
    minimum score."""

    async def set_subscription_excludes(self, user_id: int, sub_id: int, excludes: list[str]) -> Subscription | None:
        """The words or phrases the member's subscription leaves out from now on ([]: none); None when the
        member has no such subscription."""
        ...

    async def set_feed_excludes(self, channel_id: int, topic: str, excludes: list[str]) -> Feed | None:
        """The words or phrases a feed leaves out from its next delivery on ([]: none); None when there is
        no such feed."""
        ...

    async def set_subscription_regex(self, user_id: int, sub_id: int, regex: str | None) -> Subscription | None:
        """The pattern (jobs/regex_filter.py) the member's subscription keeps papers by from now on (None:
        none); None when the member has no such subscription."""
        ...

    async def set_feed_filter(self, channel_id: int, topic: str, regex: str | None, min_score: int) -> Feed | None:
        """A feed's regex (None: none) and minimum score (jobs/plan/rank.py day_score; 0: none) from its
        next delivery on; None when there is no such feed."""
        ...


@runtime_checkable
class DmScheduleArea(Protocol):
    """When each member's DM goes out (jobs/dm_schedule.py), and the papers held for them until then."""

    async def dm_schedule(self, user_id: int) -> DmSchedule:
        """When the member's DM goes out (jobs/dm_schedule.py); the default when they chose nothing."""
        ...

    async def dm_schedules(self) -> dict[int, DmSchedule]:
        """Every member's schedule that was ever set, by member."""
        ...

    async def set_dm_schedule(self, schedule: DmSchedule) -> None:
        """Store a member's schedule (replacing theirs)."""
        ...

    async def hold_dms(self, rows: Sequence[tuple[int, int, str, str, str]], at: datetime) -> int:
        """Hold papers for members until their DM is due: (member, paper id, matched label, topic, post date)
        each, held `at`; a paper already held for the member stays as it was. How many were added."""
        ...

    async def held_dms(self) -> dict[int, list[HeldPaper]]:
        """The papers held for each member, in paper order."""
        ...

    async def drop_held(self, user_ids: Sequence[int]) -> int:
        """Forget what is held for these members (sent, or planned in the same transaction): rows deleted."""
        ...


@runtime_checkable
class LabWeekArea(Protocol):
    """The lab's week: each server's weekly post of the papers it reacted to most, and the Discuss
    threads its papers have."""

    async def set_week_post(self, guild_id: int, channel_id: int | None, weekday: int = 0, hour: int = 9,
                            last_week: str | None = None) -> None:
        """Where and when (weekday, hour UTC) the server's weekly top goes, `last_week` the ISO week already
        done (a new setting does not post for a slot already past); channel None: no weekly post."""
        ...

    async def week_posts(self) -> list[WeekPost]:
        """Every server's weekly-post setting."""
        ...

    async def top_papers(self, guild_id: int, since: datetime, limit: int = TOP_PAPERS) -> list[tuple[str, int, int]]:
        """The papers clicked 👍 / 👎 most in the server since then: (arXiv id, 👍, 👎), most first."""
        ...

    async def plan_week_post(self, cycle_id: int, post: WeekPost, message: TopMessage, week: str) -> int:
        """Queue the server's weekly post and mark `week` (ISO) as planned, in one transaction: its outbox id."""
        ...

    async def record_thread(self, guild_id: int, arxiv_id: str, thread_id: int) -> None:
        """The paper's Discuss thread in the server."""
        ...

    async def discuss_threads(self, guild_id: int, arxiv_ids: Sequence[str]) -> dict[str, int]:
        """The Discuss threads these papers have in the server: arXiv id -> thread id."""
        ...


@runtime_checkable
class DeparturesArea(Protocol):
    """Members who left a server: what they clicked is forgotten 30 days on unless they come back."""

    async def record_departure(self, user_id: int, guild_id: int, at: datetime) -> None:
        """The member left the server `at`: their feedback given there goes after DEPARTED_DAYS (the sweep)."""
        ...

    async def cancel_departure(self, user_id: int, guild_id: int) -> bool:
        """The member came back: nothing of theirs goes. Whether a departure was recorded."""
        ...

    async def sweep_departures(self, before: datetime) -> int:
        """Delete the feedback each member gave in a server they left before `before`, and those departures:
        the feedback rows deleted."""
        ...


@runtime_checkable
class ClubArea(Protocol):
    """The journal club: a server's reading list, its votes, the presenter and the reminder."""

    async def propose_club_paper(self, guild_id: int, arxiv_id: str, user_id: int, at: datetime) -> bool | None:
        """Add a stored paper to the server's journal-club list, with the proposer's vote: True; False when it
        is listed already; None when no such paper is stored."""
        ...

    async def toggle_club_vote(self, guild_id: int, arxiv_id: str, user_id: int) -> tuple[bool, int] | None:
        """The member's vote for a listed paper, cast or taken back: (voted now, votes); None: not listed."""
        ...

    async def club_papers(self, guild_id: int) -> list[ClubPaper]:
        """The server's journal-club list with votes, earliest proposed first."""
        ...

    async def schedule_club_paper(self, guild_id: int, arxiv_id: str, presenter_id: int, starts_at: datetime,
                                  event_id: int | None, thread_id: int | None) -> None:
        """The paper is presented then, by them; its scheduled event and thread."""
        ...

    async def club_reminders(self) -> list[ClubPaper]:
        """Scheduled papers whose presenter has not been reminded yet, soonest first, every server's."""
        ...

    async def plan_club_reminder(self, cycle_id: int, paper: ClubPaper, message: ClubMessage) -> int:
        """Queue the presenter's reminder DM and mark it sent, in one transaction: its outbox id."""
        ...


@runtime_checkable
class WatchArea(Protocol):
    """The source watchdog and health: each source's history, its watch state, alerts to plan."""

    async def source_health(self) -> list[SourceHealth]:
        ...

    async def source_post_days(self, name: str) -> list[date]:
        ...

    async def watch_state(self, name: str) -> str | None:
        ...

    async def set_watch_state(self, name: str, state: str) -> None:
        ...

    async def plan_alerts(self, cycle_id: int, alert: AlertMessage) -> int:
        """One outbox row per server with an alert channel."""
        ...

    async def alert_channels(self) -> list[tuple[int, int]]:
        """Every server's alert channel: (guild_id, channel_id)."""
        ...

    async def plan_guild_alert(self, cycle_id: int, guild_id: int, alert: AlertMessage) -> int:
        """One outbox row for the server's alert channel; its id (0: the server has none)."""
        ...

    async def check_integrity(self, *, full: bool = False) -> list[str]:
        """The database's own check of its storage: [] when sound, else the problems it found."""
        ...


@runtime_checkable
class MetaArea(Protocol):
    """The store as a whole: small key/values, its schema, transactions, upkeep and closing."""

    async def get_meta(self, key: str) -> str | None:
        ...

    async def set_meta(self, key: str, value: str) -> None:
        ...

    async def schema_version(self) -> int:
        ...

    def transaction(self, *, serial: bool = True) -> AbstractAsyncContextManager[Any]:
        """Group writes into one transaction: `async with store.transaction() as db:`. `serial=False`:
        the body locks the rows it writes itself (PostgreSQL then skips its writer lock)."""
        ...

    async def optimize(self) -> None:
        ...

    async def close(self) -> None:
        ...

    async def backup(self, dest: str | Path) -> int:
        """A consistent copy at `dest`, made while the bot may be writing; the page count."""
        ...


AREAS: tuple[type, ...] = (IngestArea, PapersArea, SearchArea, FeedsArea, ClaimsArea, SubscriptionsArea,
                          SettingsArea, SignalArea, FiltersArea, DmScheduleArea, LabWeekArea, DeparturesArea,
                          ClubArea, WatchArea, MetaArea)
