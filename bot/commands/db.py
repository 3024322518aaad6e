"""`kader db upgrade`: the database schema."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands.base import add_command, add_database_option, database_url
from bot.settings import Settings


def register(commands: Any) -> None:
    """Adds the `db` group to the `kader` parser."""
    db = add_command(commands, "db", "database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    upgrade = add_command(db_commands, "upgrade", "apply every pending migration")
    add_database_option(upgrade)
    upgrade.set_defaults(run=_db_upgrade, is_async=False)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.urls import redacted

    url = database_url(args, settings)
    migrate.upgrade(url)
    print(f"{redacted(url)} is at revision {migrate.current_revision(url)}")
    return 0
