"""`kader db upgrade | prune-received`: the database schema, and forgetting old received message ids."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands.base import add_command, add_database_option, database_url
from bot.settings import Settings

MAX_DAYS = 3650


def register(commands: Any) -> None:
    """Adds the `db` group to the `kader` parser."""
    db = add_command(commands, "db", "database schema and housekeeping")
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    upgrade = add_command(db_commands, "upgrade", "apply every pending migration")
    add_database_option(upgrade)
    upgrade.set_defaults(run=_db_upgrade, is_async=False)
    prune = add_command(
        db_commands, "prune-received", "forget received message ids (kept to drop redeliveries) older than N days"
    )
    prune.add_argument(
        "--days", type=_days, metavar="N", help="keep the last N days (default: $RECEIVED_RETENTION_DAYS or 14)"
    )
    add_database_option(prune)
    prune.set_defaults(run=_db_prune_received, is_async=True)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.urls import redacted

    url = database_url(args, settings)
    migrate.upgrade(url)
    print(f"{redacted(url)} is at revision {migrate.current_revision(url)}")
    return 0


async def _db_prune_received(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database, prune_received

    days = args.days if args.days is not None else settings.received_retention_days
    database = prepare_database(database_url(args, settings))
    try:
        count = await prune_received(database, days)
    finally:
        await database.close()
    print(f"pruned {count} received message id{'' if count == 1 else 's'} older than {days} days")
    return 0


def _days(text: str) -> int:
    """--days: a whole number of days from 1 to MAX_DAYS."""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DAYS}, not {text!r}")
    return int(text)
