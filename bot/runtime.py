"""Opening the database for a process: embedded SQLite is migrated on start, PostgreSQL must be current."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.settings import Settings
from flows.engine import Engine
from flows.flow_options import FlowOptions
from flows.registry import default_registry
from storage import migrate, received_messages
from storage.database import Database, open_database
from storage.types import utcnow
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
        payment_void_days=settings.payment_void_days,
    )


def build_engine(database: Database, settings: Settings, *, keep_replies: bool = False) -> Engine:
    """The conversation engine with every built flow, configured from the settings; `keep_replies` for a channel
    that confirms each reply sent (the outbox keeps it until then)."""
    return Engine(
        database,
        default_registry(flow_options(settings)),
        messages_per_minute=settings.messages_per_minute,
        keep_replies=keep_replies,
    )


async def prune_received(database: Database, days: int) -> int:
    """Forgets the received message ids older than `days` days (de-duplication's memory); returns how many."""
    async with database.transaction() as session:
        return await received_messages.prune_received(session, utcnow() - timedelta(days=days))


async def housekeep_at_start(database: Database, settings: Settings) -> None:
    """Start-up housekeeping of `kader serve` and `kader poll`: received ids past RECEIVED_RETENTION_DAYS pruned.

    A failure is logged, never fatal: the ids only take room. Doing this on a schedule is the scheduler's job.
    """
    days = settings.received_retention_days
    try:
        count = await prune_received(database, days)
    except Exception as error:  # noqa: BLE001 - the process serves without it
        log.warning("received ids not pruned error=%s", type(error).__name__)
        return
    log.info("received ids pruned count=%d older_than_days=%d", count, days)
