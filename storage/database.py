"""The engine and sessions for a database URL: SQLite in WAL mode, or PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.urls import async_url, is_sqlite

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _configure_sqlite(engine: AsyncEngine) -> None:
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

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers wait in turn instead of failing.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class Database:
    """An open database: the engine and a factory of sessions."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        """The SQL dialect's name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success and rolled back on error."""
        async with self.sessions() as session, session.begin():
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


def open_database(url: str, *, echo: bool = False) -> Database:
    """Creates the engine and session factory for a URL (no connection is made yet)."""
    options: dict[str, Any] = {"echo": echo}
    if not is_sqlite(url):
        options.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_async_engine(async_url(url), **options)
    if is_sqlite(url):
        _configure_sqlite(engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return Database(url=url, engine=engine, sessions=sessions)
