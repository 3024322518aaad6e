"""Opening the database for a process: embedded SQLite is migrated on start, PostgreSQL must be current."""

from __future__ import annotations

import logging

from flows.catalog import default_registry
from flows.engine import Engine
from storage import migrate
from storage.database import Database, open_database
from storage.urls import is_sqlite, redacted

log = logging.getLogger("kader.runtime")


class SchemaOutdatedError(RuntimeError):
    """The database's schema is behind the code's migrations."""


def prepare_database(url: str) -> Database:
    """Opens the database, upgrading an embedded SQLite file and checking a server database is current."""
    if is_sqlite(url):
        migrate.upgrade(url)
    elif not migrate.is_up_to_date(url):
        raise SchemaOutdatedError(f"the schema of {redacted(url)} is not current: run `kader db upgrade`")
    log.info("database ready url=%s", redacted(url))
    return open_database(url)


def build_engine(database: Database) -> Engine:
    """The conversation engine with every built flow."""
    return Engine(database, default_registry())
