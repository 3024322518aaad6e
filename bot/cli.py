"""The `kader` entry point: the parser built from each command group, logging, and errors as one line.

main() maps a CommandError, an outdated schema or an unreachable database to one `kader: error:` line and exit
status 2; a reader that closed the pipe early (`kader export workers | head -2`) ends it quietly with status 141,
as a Unix tool killed by SIGPIPE does.
The groups live in bot/commands and bot/telegram/commands.py; this module is the top: none imports it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from bot.commands import audit, cadres, claims, db, exports, payments, serve, shell, villages, workers
from bot.commands.base import CommandError
from bot.logs import configure_logging, redact_secrets
from bot.settings import Settings
from bot.telegram import commands as telegram

# 128 + SIGPIPE: what a shell reports for a Unix tool whose reader went away (`yes | head -1`).
BROKEN_PIPE_STATUS = 141

# The order of `kader --help`. A group's module imports only argparse-level code: its libraries load when it runs.
_GROUPS = (shell, serve, telegram, db, cadres, payments, exports, villages, workers, claims, audit)


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


def _configure_logging(settings: Settings) -> None:
    """Logging without personal data or secrets (bot/logs.py); a LOG_LEVEL that is no level is a CommandError."""
    try:
        configure_logging(settings)
    except ValueError as error:
        raise CommandError(str(error)) from error


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
        _configure_logging(settings)
        if args.is_async:
            return asyncio.run(args.run(args, settings))
        return args.run(args, settings)
    except (CommandError, SchemaOutdatedError, UnsupportedDatabaseError) as error:
        print(f"kader: error: {redact_secrets(str(error))}", file=sys.stderr)
        return 2
    except OperationalError as error:
        reason = redact_secrets(" ".join(str(error.orig).split()))  # libpq's hint comes on a line of its own
        print(f"kader: error: the database cannot be opened or reached: {reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_STATUS


def _silence_stdout() -> None:
    """Points stdout at devnull so the interpreter's last flush finds no closed pipe (as the Python docs advise)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing to flush into a pipe
        pass


if __name__ == "__main__":
    sys.exit(main())
