"""`kader payments import`: contribution payments from the branch office's file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands.base import CommandError, add_command, add_database_option, database_url
from bot.settings import Settings
from rules.payment_rows import DEFAULT_MAX_MONTHS_AHEAD

_ERRORS_SHOWN = 50
_MAX_MONTHS_AHEAD_LIMIT = 120


def register(commands: Any) -> None:
    """Adds the `payments` group to the `kader` parser."""
    payments = add_command(commands, "payments", "contribution payments")
    payment_commands = payments.add_subparsers(dest="payments_command", metavar="COMMAND", required=True)
    payments_import = add_command(
        payment_commands, "import", "import the branch office's payment file (CSV or XLSX); twice adds nothing"
    )
    payments_import.add_argument(
        "file", help="columns NIK, paid_from (2026-01), months or paid_through, amount, reference"
    )
    payments_import.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows even when some rows are invalid"
    )
    payments_import.add_argument(
        "--max-months-ahead",
        type=_months_ahead,
        default=DEFAULT_MAX_MONTHS_AHEAD,
        metavar="N",
        help=f"refuse months more than N months after this month (default {DEFAULT_MAX_MONTHS_AHEAD})",
    )
    add_database_option(payments_import)
    payments_import.set_defaults(run=_payments_import, is_async=True)


def _months_ahead(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > _MAX_MONTHS_AHEAD_LIMIT:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of months from 0 to {_MAX_MONTHS_AHEAD_LIMIT}"
        )
    return int(text)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


async def _payments_import(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date
    from pathlib import Path

    from bot.payments_import import ImportFileError, import_payments
    from bot.runtime import prepare_database

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file} does not exist")
    database = prepare_database(database_url(args, settings))
    try:
        report = await import_payments(
            database,
            path,
            date.today(),
            skip_invalid=args.skip_invalid,
            show_progress=sys.stderr.isatty(),
            max_months_ahead=args.max_months_ahead,
        )
    except ImportFileError as error:
        raise CommandError(str(error)) from error
    finally:
        await database.close()
    for error in report.errors[:_ERRORS_SHOWN]:
        print(f"line {error.line}: {error.message}", file=sys.stderr)
    if len(report.errors) > _ERRORS_SHOWN:
        print(f"… and {len(report.errors) - _ERRORS_SHOWN} more invalid rows", file=sys.stderr)
    if not report.imported:
        print(
            f"Nothing imported: {len(report.errors)} of {report.rows} rows are invalid. "
            "Correct them, or import the valid rows with --skip-invalid.",
            file=sys.stderr,
        )
        return 1
    skipped = f", {_count(len(report.errors), 'invalid row')} skipped" if report.errors else ""
    print(
        f"{_count(report.rows, 'row')} read: {_count(report.inserted, 'payment')} recorded, "
        f"{report.already_recorded} already recorded{skipped}."
    )
    if report.unpriced:
        print(
            f"{_count(report.unpriced, 'payment')} of PU workers: amounts not checked "
            "(the branch office sets the PU contribution)."
        )
    return 0
