"""The engine and sessions for a database URL: SQLite in WAL mode, or PostgreSQL through psycopg 3.

Statement parameters (NIKs, names, phones) are kept out of SQLAlchemy's error messages and logs (`hide_parameters`),
and an embedded SQLite file, with its -wal and -shm, is readable and writable by its owner only (0600).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.urls import async_url, is_sqlite, sqlite_path

log = logging.getLogger("kader.storage")

SQLITE_BUSY_TIMEOUT_MS = 15_000
PRIVATE_FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_sqlite_file(url: str) -> None:
    """Creates an SQLite file (or narrows it and its -wal, -shm, -journal) to 0600; other URLs are left alone."""
    # SQLite gives a new -wal or -shm the database file's mode. A missing directory is left to the driver's error.
    path = sqlite_path(url)
    if path is None:
        return
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    except FileExistsError:
        pass
    except OSError:
        return  # a missing directory or no permission: the driver says so in its own error
    else:
        os.close(descriptor)
    for file in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)):
        _narrow(file)


def _narrow(path: Path) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & ~PRIVATE_FILE_MODE:
            os.chmod(path, PRIVATE_FILE_MODE)
    except FileNotFoundError:
        return
    except OSError as error:
        log.warning("could not make the database file private file=%s error=%s", path.name, type(error).__name__)


def _configure_sqlite(engine: AsyncEngine, url: str) -> None:
    """WAL, a busy timeout, foreign keys, and transactions that SQLAlchemy (not the driver) begins."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN would break savepoints; SQLAlchemy emits BEGIN itself below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        private_sqlite_file(url)  # the -wal and -shm WAL mode has just created

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers wait in turn instead of failing.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _TaskLock:
    """An asyncio lock that the task holding it may take again (a transaction opened inside another, as before)."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if self._owner is not task or task is None:
            await self._lock.acquire()
            self._owner = task
        self._depth += 1

    async def __aexit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


@dataclass
class Database:
    """An open database: the engine and a factory of sessions.

    On SQLite every transaction writes (BEGIN IMMEDIATE) and the file has one writer at a time, so this process's
    transactions queue on one lock instead of polling SQLite's busy handler (which sleeps up to 100 ms a try): one
    writer, served in turn.
    """

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    _writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _TaskLock] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    @property
    def dialect(self) -> str:
        """The SQL dialect's name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success and rolled back on error."""
        if self.dialect != "sqlite":
            async with self.sessions() as session, session.begin():
                yield session
            return
        loop = asyncio.get_running_loop()
        writer = self._writers.get(loop)
        if writer is None:
            writer = self._writers[loop] = _TaskLock()
        async with writer, self.sessions() as session, session.begin():
            yield session

    async def is_reachable(self) -> bool:
        """Whether a trivial query succeeds."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def close(self) -> None:
        """Closes every pooled connection."""
        await self.engine.dispose()


def open_database(url: str) -> Database:
    """Creates the engine and session factory for a URL (no connection yet); an SQLite file is made mode 0600."""
    # hide_parameters: NIKs, names and phones stay out of SQLAlchemy's logs and error messages; no echo, it prints them.
    options: dict[str, Any] = {"hide_parameters": True}
    if not is_sqlite(url):
        options.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    else:
        private_sqlite_file(url)
    engine = create_async_engine(async_url(url), **options)
    if is_sqlite(url):
        _configure_sqlite(engine, url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return Database(url=url, engine=engine, sessions=sessions)
