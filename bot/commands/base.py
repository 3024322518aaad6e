"""What every `kader` command group shares: its error, the subcommand factory, --database and phone reading.

No command group is imported here, so every group can import this module.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from rules.phones import InvalidPhoneError, normalise_mobile

if TYPE_CHECKING:
    from rules.regions import VillageInfo

_PHONE_REASONS = {
    "format": "it is not a phone number",
    "not_indonesian": "it is not an Indonesian number",
    "not_mobile": "it is not an Indonesian mobile number",
}


class CommandError(Exception):
    """A user error in a command's arguments, printed without a traceback."""


def add_command(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand whose summary shows both in its parent's list and in its own --help."""
    return commands.add_parser(name, help=summary, description=summary)


def add_database_option(command: argparse.ArgumentParser) -> None:
    """Adds `--database URL` to a command that opens the database."""
    command.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")


def database_url(args: argparse.Namespace, settings: Settings) -> str:
    """The database URL: --database when given, else the setting ($DATABASE_URL or kader.db)."""
    return getattr(args, "database", None) or settings.database_url


def read_phone(text: str) -> str:
    """The E.164 form of an Indonesian mobile number typed on the command line, or a CommandError saying why not."""
    try:
        return normalise_mobile(text)
    except InvalidPhoneError as error:
        reason = _PHONE_REASONS.get(getattr(error, "reason", ""), "it is not valid")
        raise CommandError(f"{text!r} is not accepted as a phone: {reason} (for example 0812 3456 7890)") from error


def known_village(code: str) -> VillageInfo:
    """The Kemendagri village of a code typed on the command line, or a CommandError."""
    from rules.regions import village_info

    info = village_info(code)
    if info is None:
        raise CommandError(f"{code!r} is not a Kemendagri village code (try `kader village search NAME`)")
    return info
