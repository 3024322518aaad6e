"""The database: SQLite's pragmas and write locking, foreign keys, savepoints, reachability; a private SQLite file
and statement parameters kept out of error messages."""

from __future__ import annotations

import asyncio
import os
import stat

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from storage import contacts
from storage.database import SQLITE_BUSY_TIMEOUT_MS, Database, open_database, private_sqlite_file
from storage.models import Contact, Role
from storage.urls import sqlite_path


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "kader.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


async def _pragma(database: Database, name: str) -> object:
    async with database.engine.connect() as connection:
        return (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()


async def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(sqlite_url):
    database = open_database(sqlite_url)
    try:
        assert database.dialect == "sqlite"
        assert str(await _pragma(database, "journal_mode")).lower() == "wal"
        assert await _pragma(database, "busy_timeout") == SQLITE_BUSY_TIMEOUT_MS == 15_000
        assert await _pragma(database, "foreign_keys") == 1
    finally:
        await database.close()


async def test_a_foreign_key_violation_is_refused(database):
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(Role(person_id=424242, role="admin", village_code=None))
            await session.flush()
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await contacts.get_or_create_contact(session, "console", "+6281300000001")
            session.add(Contact(channel="telegram", address="1", language="id", person_id=424242))
            await session.flush()
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0


async def test_a_failed_transaction_is_rolled_back_entirely(database):
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await contacts.get_or_create_contact(session, "console", "+6281300000001")
            raise RuntimeError("boom")
    async with database.transaction() as session:
        assert await contacts.find_contact(session, "console", "+6281300000001") is None


async def test_rolling_back_a_savepoint_keeps_the_outer_transactions_writes(database):
    async with database.transaction() as session:
        await contacts.get_or_create_contact(session, "console", "+6281300000001")
        nested = await session.begin_nested()
        await contacts.get_or_create_contact(session, "console", "+6281300000002")
        await nested.rollback()
        await contacts.get_or_create_contact(session, "console", "+6281300000003")
    async with database.transaction() as session:
        addresses = list(await session.scalars(select(Contact.address).order_by(Contact.address)))
    assert addresses == ["+6281300000001", "+6281300000003"]


async def test_a_constraint_error_inside_a_savepoint_leaves_the_transaction_usable(database):
    async with database.transaction() as session:
        await contacts.get_or_create_contact(session, "console", "+6281300000001")
        with pytest.raises(IntegrityError):
            async with session.begin_nested():
                session.add(Contact(channel="console", address="+6281300000001", language="id"))
                await session.flush()
        await contacts.get_or_create_contact(session, "console", "+6281300000002")
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 2


async def test_sqlite_writers_wait_their_turn_instead_of_failing(sqlite_url):
    """BEGIN IMMEDIATE plus the busy timeout: read-then-write transactions on two connections both commit."""
    first, second = open_database(sqlite_url), open_database(sqlite_url)
    both_read = asyncio.Event()
    readers = 0

    async def writer(database: Database, address: str) -> None:
        nonlocal readers
        async with database.transaction() as session:
            await session.scalar(select(func.count()).select_from(Contact))
            readers += 1
            if readers == 2:
                both_read.set()
            # Let the other writer start its own transaction before this one writes.
            try:
                await asyncio.wait_for(both_read.wait(), timeout=0.3)
            except TimeoutError:
                pass
            await contacts.get_or_create_contact(session, "console", address)

    try:
        await asyncio.gather(writer(first, "+6281300000001"), writer(second, "+6281300000002"))
        async with first.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Contact)) == 2
    finally:
        await first.close()
        await second.close()


async def test_is_reachable_for_a_working_database(database):
    assert await database.is_reachable()


async def test_is_not_reachable_when_nothing_listens():
    database = open_database("postgresql://postgres@127.0.0.1:1/nothing")
    try:
        assert await database.is_reachable() is False
    finally:
        await database.close()


async def test_each_backend_runs_on_its_async_driver(database):
    expected = {"sqlite": "aiosqlite", "postgresql": "psycopg"}[database.dialect]
    assert database.engine.dialect.driver == expected


# -- the embedded file is private ---------------------------------------------------------------------------


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    """The umask most systems run with (files 0644 unless made private)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


async def test_a_new_sqlite_file_and_its_wal_and_shm_are_for_their_owner_only(tmp_path, usual_umask):
    path = tmp_path / "new.db"
    database = open_database(f"sqlite:///{path}")
    try:
        assert _mode(path) == 0o600  # created private before any connection
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))
        files = [path, tmp_path / "new.db-wal", tmp_path / "new.db-shm"]
        assert all(file.exists() for file in files)
        assert {file.name: _mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        await database.close()


async def test_an_existing_sqlite_file_open_to_others_is_narrowed_when_opened(sqlite_url, usual_umask):
    path = sqlite_path(sqlite_url)
    assert path is not None
    os.chmod(path, 0o644)
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"")
    os.chmod(wal, 0o666)
    database = open_database(sqlite_url)
    try:
        assert await database.is_reachable()
        assert (_mode(path), _mode(wal)) == (0o600, 0o600)
    finally:
        await database.close()


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "postgresql://postgres@127.0.0.1:1/nothing", "sqlite:///{missing}/x.db"]
)
def test_no_file_is_made_for_memory_server_or_unreachable_paths(tmp_path, url):
    private_sqlite_file(url.format(missing=tmp_path / "missing"))
    assert list(tmp_path.iterdir()) == []


async def test_statement_parameters_stay_out_of_error_messages(database):
    async with database.transaction() as session:
        await contacts.get_or_create_contact(session, "console", "+6281300000001")
    with pytest.raises(IntegrityError) as caught:
        async with database.transaction() as session:
            session.add(Contact(channel="console", address="+6281300000001", language="id"))
            await session.flush()
    message = str(caught.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert "[parameters:" not in message
    if database.dialect == "sqlite":  # PostgreSQL's own DETAIL names the key; the log redaction takes it out there
        assert "81300000001" not in message
