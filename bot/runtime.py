"""Opening the database for a process: embedded SQLite is migrated on start, PostgreSQL must be current."""

from __future__ import annotations

import logging

from bot.settings import Settings
from flows.engine import Engine
from flows.flow_options import FlowOptions
from flows.registry import default_registry
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


def flow_options(settings: Settings) -> FlowOptions:
    """The flows' limits as configured (registration age limits, the strangers' status-check cap)."""
    return FlowOptions(
        min_age=settings.worker_min_age,
        max_age=settings.worker_max_age,
        stranger_checks_per_hour=settings.stranger_checks_per_hour,
    )


def build_engine(database: Database, settings: Settings) -> Engine:
    """The conversation engine with every built flow, configured from the settings."""
    return Engine(database, default_registry(flow_options(settings)), messages_per_minute=settings.messages_per_minute)
