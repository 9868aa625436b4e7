"""The store's watchdog part on real SQLite files: the watchdog migration over an older database, source
health (failures on PostgreSQL too), alert channels and their outbox rows (both engines)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jobs.messages import AlertMessage
from jobs.pipeline import ingest
from jobs.store import SCHEMA_VERSION, Store
from jobs.store.migrate import MIGRATIONS
from tests.conftest import make_config
from tests.engines import open_store
from tests.postgen import entries, write_kedreamix


async def test_an_older_database_upgrades_keeping_its_sources(tmp_path: Path, posts_dir: Path) -> None:
    config = make_config(tmp_path)
    write_kedreamix(posts_dir, "3DGS", "2024-05-06", entries("6", 2))
    write_kedreamix(posts_dir, "3DGS", "2024-05-03", entries("3", 1))
    watchdog = next(m.version for m in MIGRATIONS if m.name.endswith("_watchdog.sql"))
    async with await Store.open(config.database_path, schema=watchdog - 1) as old:  # as Paperboy left it before
        await old.upsert_source("local", "directory", "kedreamix", str(posts_dir))
        await old.set_meta("k", "v")
        assert await old.get_meta("created_at") is None
    async with await Store.open(config.database_path) as store:
        assert await store.schema_version() == SCHEMA_VERSION and await store.get_meta("k") == "v"
        created = datetime.fromisoformat(str(await store.get_meta("created_at")))
        assert abs((datetime.now(UTC) - created).total_seconds()) < 60
        [health] = await store.source_health()
        assert (health.name, health.last_post, health.failures, health.watch) == ("local", None, 0, None)
        await ingest(store, config.sources)
        [health] = await store.source_health()
        assert (health.last_post, health.failures) == ("2024-05-06", 0) and health.last_success is not None
        assert await store.source_post_days("local") == [date(2024, 5, 3), date(2024, 5, 6)]
        assert await store.source_post_days("nobody") == []


async def test_failures_count_in_a_row_and_reset(store_url: str, tmp_path: Path, posts_dir: Path) -> None:
    config = make_config(tmp_path)
    async with await open_store(store_url) as store:
        await ingest(store, config.sources)
        posts_dir.rmdir()
        await ingest(store, config.sources)
        await ingest(store, config.sources)
        [health] = await store.source_health()
        assert health.failures == 2 and health.last_error and health.last_success is not None
        ok_before = health.last_success
        posts_dir.mkdir()
        await ingest(store, config.sources)
        [health] = await store.source_health()
        assert health.failures == 0 and health.last_error is None and health.last_success > ok_before
        await store.set_watch_state("local", '{"alerting": true}')
        assert await store.watch_state("local") == '{"alerting": true}'


async def test_alert_channels_are_set_moved_and_turned_off(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await set_alert_channels(store)


async def set_alert_channels(store: Any) -> None:
    await store.set_alert_channel(1, 100, 7)
    await store.set_alert_channel(2, 200)
    await store.set_alert_channel(2, 201)
    await store.set_alert_channel(3, 300)
    await store.set_alert_channel(3, None)
    assert [await store.alert_channel(g) for g in (1, 2, 3)] == [100, 201, None]


async def test_alerts_go_to_each_servers_channel_through_the_outbox(store_url: str) -> None:
    async with await open_store(store_url) as store:
        await set_alert_channels(store)
        cycle = await store.start_cycle("schedule")
        assert await store.plan_alerts(cycle, AlertMessage("alert", "local", "x")) == 2
        rows = await store.pending()
        assert [(r.kind, r.target_id, r.guild_id, r.payload) for r in rows] == [
            ("channel", 100, 1, {"alert": {"event": "alert", "source": "local", "text": "x"}}),
            ("channel", 201, 2, {"alert": {"event": "alert", "source": "local", "text": "x"}}),
        ]
