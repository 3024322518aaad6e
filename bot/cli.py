"""The `kader` entry point: the parser built from each command group, logging, and errors as one line.

main() maps a CommandError, an outdated schema or an unreachable database to one `kader: error:` line and exit
status 2. The groups live in bot/commands and bot/telegram/commands.py; this module is the top: none imports it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.commands import cadres, db, exports, payments, serve, shell, villages
from bot.commands.base import CommandError
from bot.settings import Settings
from bot.telegram import commands as telegram

# The order of `kader --help`. A group's module imports only argparse-level code: its libraries load when it runs.
_GROUPS = (shell, serve, telegram, db, cadres, payments, exports, villages)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every `kader` command."""
    parser = argparse.ArgumentParser(
        prog="kader",
        description="BPJS Ketenagakerjaan bot for village cadres: console shell and administration.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in _GROUPS:
        group.register(commands)
    return parser


def _configure_logging(level: str) -> None:
    if level not in logging.getLevelNamesMapping():
        raise CommandError(f"LOG_LEVEL={level!r} is not a logging level (use DEBUG, INFO, WARNING or ERROR)")
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one `kader` command and returns its exit status."""
    from sqlalchemy.exc import OperationalError

    from bot.runtime import SchemaOutdatedError
    from storage.urls import UnsupportedDatabaseError

    args = build_parser().parse_args(argv)
    try:
        try:
            settings = Settings.from_env()
        except ValueError as error:
            raise CommandError(f"a setting is not valid: {error}") from error
        _configure_logging(settings.log_level)
        if args.is_async:
            return asyncio.run(args.run(args, settings))
        return args.run(args, settings)
    except (CommandError, SchemaOutdatedError, UnsupportedDatabaseError) as error:
        print(f"kader: error: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        print(f"kader: error: the database cannot be opened or reached: {error.orig}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
