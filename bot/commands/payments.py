"""`kader payments import | void`: contribution payments from the branch office's file; voiding one recorded by
mistake."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands.base import CommandError, add_command, add_database_option, database_url
from bot.settings import MAX_MONTHS_AHEAD_LIMIT, Settings

_ERRORS_SHOWN = 50
_MAX_REASON = 500


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
        metavar="N",
        help="refuse months more than N months after this month (default $PAYMENT_MAX_MONTHS_AHEAD or 12)",
    )
    add_database_option(payments_import)
    payments_import.set_defaults(run=_payments_import, is_async=True)
    void = add_command(
        payment_commands,
        "void",
        "void the payment(s) recorded by mistake under a reference: their months count as unpaid again",
    )
    void.add_argument("reference", metavar="REF", help="the payment's reference, as recorded")
    void.add_argument(
        "--worker", metavar="NIK", help="only this worker's payment (when the reference covers several workers)"
    )
    void.add_argument(
        "--reason",
        required=True,
        metavar="TEXT",
        help="why the payment is voided (kept with it and in the audit trail)",
    )
    void.add_argument("--actor", metavar="PHONE", help="the admin voiding, recorded with the payment and in the audit")
    add_database_option(void)
    void.set_defaults(run=_payments_void, is_async=True)


def _months_ahead(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_MONTHS_AHEAD_LIMIT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of months from 0 to {MAX_MONTHS_AHEAD_LIMIT}")
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
            max_months_ahead=(
                settings.payment_max_months_ahead if args.max_months_ahead is None else args.max_months_ahead
            ),
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


async def _payments_void(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from bot.commands.audit import acting_admin
    from bot.runtime import prepare_database
    from rules.months import add_months
    from rules.nik import compact, mask_nik
    from rules.payment_rows import rupiah_text
    from storage import data_rights, payment_voids, payments
    from storage.types import utcnow

    reference = args.reference.strip()
    reason = " ".join(args.reason.split())
    if not reason:
        raise CommandError("--reason must say why the payment is voided (it is kept in the audit trail)")
    if len(reason) > _MAX_REASON:
        raise CommandError(f"the reason must be at most {_MAX_REASON} characters")
    nik = None
    if args.worker is not None:
        nik = compact(args.worker)
        if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
            raise CommandError("--worker is not a NIK: a NIK has 16 digits")
    now = utcnow()
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            actor = await acting_admin(session, args.actor)
            worker_id = None
            if nik is not None:
                worker_id = (await payments.worker_ids_by_nik(session, [nik])).get(nik)
                if worker_id is None:
                    raise CommandError(f"no worker is registered with NIK {mask_nik(nik)}")
            found = await payments.payments_with_reference(session, reference, worker_id)
            whose = f" for worker {worker_id} ({mask_nik(nik)})" if nik is not None else ""
            if not found:
                raise CommandError(f"no payment has the reference {reference!r}{whose}")
            live = [(p, w) for p, w in found if p.voided_at is None]
            if not live:
                raise CommandError(f"the payment(s) with the reference {reference!r}{whose} are voided already")
            limit = timedelta(days=settings.payment_void_days)
            for payment, _ in live:
                if now - payment.recorded_at > limit:
                    raise CommandError(
                        f"payment {payment.id} ({reference!r}) was recorded on {payment.recorded_at:%Y-%m-%d}, "
                        f"{(now - payment.recorded_at).days} days ago: a payment can be voided only within "
                        f"{settings.payment_void_days} days of its recording (PAYMENT_VOID_DAYS); nothing was voided"
                    )
            for _, worker in live:
                if data_rights.values_of(worker).found_in(reason):
                    raise CommandError(
                        "the reason must not contain the worker's NIK, name, phone or birth date: it is kept with the "
                        "payment and in the audit trail"
                    )
            await payment_voids.void_audited(session, [p for p, _ in live], reason, actor, now)
    finally:
        await database.close()
    for payment, worker in live:
        last = add_months(payment.first_month, payment.months - 1)
        print(
            f"Voided payment {payment.id} of worker {worker.id} ({mask_nik(worker.nik)}): "
            f"{payment.first_month:%Y-%m} to {last:%Y-%m} ({_count(payment.months, 'month')}), "
            f"{rupiah_text(payment.amount)}, recorded {payment.recorded_at:%Y-%m-%d} ({payment.source})."
        )
    print(f"{_count(len(live), 'payment')} voided; their months count as unpaid again. Audited as {payments.VOIDED}.")
    return 0
