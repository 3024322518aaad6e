"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flows.engine import Engine
from flows.registry import default_registry
from storage import migrate
from storage.database import Database, open_database
from storage.models import Base
from storage.urls import sync_url

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_reachable(url: str) -> str | None:
    try:
        engine = create_engine(sync_url(url))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means unreachable
        return f"{type(error).__name__}: {error}"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """A schema of its own in the PostgreSQL test database, migrated once per run and dropped after.

    A schema per run (set through the connection's search_path) keeps concurrent runs apart.
    """
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    problem = _postgres_reachable(POSTGRES_URL)
    if problem:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {problem}", pytrace=False)
    schema = f"kader_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(sync_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    scoped = url.render_as_string(hide_password=False)
    try:
        migrate.upgrade(scoped)
        yield scoped
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(sync_url(url))
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database: an SQLite file, or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        path = tmp_path / "kader.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema")
    _truncate_postgres(url)
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The open database of `database_url`."""
    db = open_database(database_url)
    yield db
    await db.close()


@pytest.fixture
def engine(database: Database) -> Engine:
    """The conversation engine with every built flow."""
    return Engine(database, default_registry())
