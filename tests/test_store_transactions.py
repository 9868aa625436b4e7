"""The store's one transaction helper on both engines (a SQLite file, a PostgreSQL database): writes
take turns, a single write never joins another coroutine's transaction, reads go on beside one, and
nesting is a savepoint. And no code anywhere else opens or ends a transaction by hand."""

from __future__ import annotations

import asyncio
import io
import re
import tokenize
from pathlib import Path

import pytest

from jobs.store import Store, StoreProtocol
from tests.engines import open_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def store(store_url: str):  # type: ignore[no-untyped-def]
    s = await open_store(store_url)
    yield s
    await s.close()


async def test_a_single_write_waits_for_another_tasks_transaction_and_survives_its_rollback(store: Store) -> None:
    inside, release = asyncio.Event(), asyncio.Event()

    async def doomed() -> None:
        async with store.transaction() as db:
            await db.execute("INSERT INTO meta (key, value) VALUES ('doomed', '1')")
            inside.set()
            await release.wait()
            raise RuntimeError("the cycle failed")

    first = asyncio.create_task(doomed())
    await inside.wait()
    write = asyncio.create_task(store.set_meta("admin", "kept"))
    await asyncio.sleep(0.05)
    assert not write.done()  # it waits for the lock instead of writing into the open transaction
    release.set()
    with pytest.raises(RuntimeError, match="the cycle failed"):
        await first
    await asyncio.wait_for(write, 5)
    assert await store.get_meta("doomed") is None  # rolled back
    assert await store.get_meta("admin") == "kept"  # its own transaction, committed


async def test_reads_go_on_beside_a_transaction_and_see_only_committed_data(store: Store) -> None:
    await store.set_meta("k", "old")
    inside, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with store.transaction() as db:
            await db.execute("UPDATE meta SET value = 'new' WHERE key = 'k'")
            assert await store.get_meta("k") == "new"  # the holder reads its own writes
            inside.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await asyncio.wait_for(store.get_meta("k"), 2) == "old"  # no waiting, nothing half-done
    assert await asyncio.wait_for(store.member_languages(), 2) == {}
    release.set()
    await task
    assert await store.get_meta("k") == "new"


async def test_nested_transaction_in_the_same_task_is_a_savepoint(store: Store) -> None:
    async with store.transaction():
        await store.set_meta("outer", "1")  # a single write inside: nested, not a deadlock
        with pytest.raises(ValueError):
            async with store.transaction() as db:
                await db.execute("INSERT INTO meta (key, value) VALUES ('inner', '1')")
                raise ValueError("undo the inner part only")
        await store.set_meta("after", "1")
    assert await store.get_meta("outer") == "1"
    assert await store.get_meta("inner") is None
    assert await store.get_meta("after") == "1"


async def test_many_concurrent_writers_all_land(store: Store) -> None:
    await asyncio.gather(*(store.set_meta(f"k{i}", str(i)) for i in range(50)),
                         *(store.add_feed(1, 100 + i, "3DGS", [], None) for i in range(20)))
    assert [await store.get_meta(f"k{i}") for i in range(50)] == [str(i) for i in range(50)]
    assert len(await store.feeds()) == 20


async def test_the_store_implements_its_protocol(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "paperboy.db") as store:
        assert isinstance(store, StoreProtocol)
    public = {n for n in dir(Store) if not n.startswith("_") and callable(getattr(Store, n))} - {"open"}
    declared = {n for n in dir(StoreProtocol) if not n.startswith("_")}
    assert public == declared


_TX_SQL = re.compile(r"(?:^|;)\s*(?:BEGIN|COMMIT|ROLLBACK|END\s+TRANSACTION|SAVEPOINT|RELEASE)\b")


def _transaction_sql(path: Path) -> list[str]:
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type == tokenize.STRING and _TX_SQL.search(tok.string.lstrip("rbfuRBFU").strip("'\"")):
            found.append(f"{path.relative_to(ROOT)}:{tok.start[0]}: {tok.string[:60]}")
        elif tok.type == tokenize.NAME and tok.string in ("executescript", "isolation_level"):
            found.append(f"{path.relative_to(ROOT)}:{tok.start[0]}: {tok.string}")
    return found


def test_only_the_transaction_helper_begins_commits_or_rolls_back() -> None:
    helper = ROOT / "jobs" / "store" / "_connection.py"
    files = [p for d in ("bot", "jobs", "tests", "benchmarks", "scripts") for p in (ROOT / d).rglob("*.py")]
    assert helper in files and len(files) > 30
    offenders = [hit for p in files if p not in (helper, Path(__file__).resolve()) for hit in _transaction_sql(p)]
    assert offenders == []
    assert _transaction_sql(helper)  # the check does see the helper's own statements
    migrations = sorted((ROOT / "jobs" / "store" / "migrations").glob("*.sql"))
    assert migrations and not [p.name for p in migrations if re.search(r"\b(BEGIN|COMMIT|ROLLBACK)\b",
                                                                       p.read_text(), re.I)]


_SQL = re.compile(r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|WITH|PRAGMA)\s", re.I)


def test_only_the_store_package_speaks_sql() -> None:
    store_dir = ROOT / "jobs" / "store"
    found = []
    for path in [p for d in ("bot", "jobs") for p in (ROOT / d).rglob("*.py") if store_dir not in p.parents]:
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type == tokenize.STRING and _SQL.search(tok.string.lstrip("rbfuRBFU").strip("'\"")):
                found.append(f"{path.relative_to(ROOT)}:{tok.start[0]}")
            if tok.type == tokenize.NAME and tok.string in ("sqlite3", "aiosqlite"):
                found.append(f"{path.relative_to(ROOT)}:{tok.start[0]}: {tok.string}")
    assert found == []
