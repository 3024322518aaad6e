"""The `kader` command: the console shell, migrations, cadres and villages."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.settings import Settings
from rules.phones import InvalidPhoneError, normalise_mobile
from rules.timezones import zone_label

_PHONE_REASONS = {
    "format": "it is not a phone number",
    "not_indonesian": "it is not an Indonesian number",
    "not_mobile": "it is not an Indonesian mobile number",
}


class CommandError(Exception):
    """A user error in a command's arguments, printed without a traceback."""


def _database_url(args: argparse.Namespace, settings: Settings) -> str:
    return getattr(args, "database", None) or settings.database_url


def _phone(text: str) -> str:
    try:
        return normalise_mobile(text)
    except InvalidPhoneError as error:
        reason = _PHONE_REASONS.get(getattr(error, "reason", ""), "it is not valid")
        raise CommandError(f"{text!r} is not accepted as a phone: {reason} (for example 0812 3456 7890)") from error


# -- shell ------------------------------------------------------------------------------


async def _shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import ConsoleShell
    from bot.demo import DEMO_PHONE, seed_demo_if_empty
    from bot.runtime import build_engine, prepare_database

    phone = _phone(args.phone) if args.phone else DEMO_PHONE
    database = prepare_database(_database_url(args, settings))
    try:
        seed = None if args.phone else await seed_demo_if_empty(database)
        shell = ConsoleShell(build_engine(database, settings), database, phone)
        if args.lang:
            await shell.set_language(args.lang)
        await shell.greet(seed)
        await shell.run()
    finally:
        await database.close()
    return 0


# -- serve --------------------------------------------------------------------------------


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.serve import serve

    await serve(settings, args.host or settings.host, args.port or settings.port)
    return 0


# -- db -----------------------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.urls import redacted

    url = _database_url(args, settings)
    migrate.upgrade(url)
    print(f"{redacted(url)} is at revision {migrate.current_revision(url)}")
    return 0


# -- cadres -------------------------------------------------------------------------------


async def _cadre_add(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from rules.regions import village_info
    from storage import audit, contacts, people, villages

    phone = _phone(args.phone)
    name = " ".join(args.name.split())
    if not 2 <= len(name) <= 100:
        raise CommandError("the name must be 2 to 100 characters")
    codes = args.village or []
    if not codes and not args.admin:
        raise CommandError("give at least one --village CODE (or --admin)")
    infos = []
    for code in codes:
        info = village_info(code)
        if info is None:
            raise CommandError(f"{code!r} is not a Kemendagri village code (try `kader village search NAME`)")
        infos.append(info)
    database = prepare_database(_database_url(args, settings))
    try:
        async with database.transaction() as session:
            for info in infos:
                await villages.ensure_village(session, info)
            person = await people.add_person(session, name, phone, [i.code for i in infos], admin=args.admin)
            linked = await contacts.link_person_to_contacts(session, person.id, phone)
            await audit.record_event(
                session,
                "person.roles",
                subject_type="person",
                subject_id=str(person.id),
                details={"villages": [i.code for i in infos], "admin": bool(args.admin)},
            )
    finally:
        await database.close()
    where = ", ".join(f"{i.name} ({i.code})" for i in infos)
    role = "admin" + (f" and cadre of {where}" if infos else "") if args.admin else f"cadre of {where}"
    print(f"{name} ({phone}) is {role}." + (f" Linked to {linked} existing conversation(s)." if linked else ""))
    return 0


async def _cadre_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import people

    database = prepare_database(_database_url(args, settings))
    try:
        async with database.transaction() as session:
            rows = await people.list_staff(session)
            table = Table(title="Cadres and admins")
            table.add_column("Name")
            table.add_column("Phone", no_wrap=True)  # an E.164 number must stay whole in a narrow terminal or pipe
            table.add_column("Role")
            table.add_column("Villages")
            for person, served in rows:
                staff = people.staff_of(person)
                role = ", ".join(r for r, on in (("admin", staff.is_admin), ("cadre", staff.is_cadre)) if on)
                table.add_row(person.name, person.phone, role, "\n".join(f"{v.code} {v.name}" for v in served))
    finally:
        await database.close()
    Console().print(table if rows else "No cadres yet: add one with `kader cadre add`.")
    return 0


# -- villages -----------------------------------------------------------------------------


def _village_search(args: argparse.Namespace, settings: Settings) -> int:
    from rules.regions import search_villages

    found = search_villages(" ".join(args.text), limit=args.limit)
    if not found:
        print("No village matches. Try part of the name, or a code prefix such as 63.10.02.")
        return 1
    table = Table(title=f"Villages matching {' '.join(args.text)!r}")
    table.add_column("Code", no_wrap=True)  # a code must stay whole (and copyable) in a narrow terminal or pipe
    for column in ("Village", "Kecamatan", "Kabupaten/Kota", "Province", "Zone"):
        table.add_column(column)
    for v in found:
        table.add_row(v.code, v.name, v.district, v.regency, v.province, zone_label(v.timezone))
    Console().print(table)
    return 0


# -- export -------------------------------------------------------------------------------


async def _export_workers(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date
    from pathlib import Path

    from bot.export import export_csv, export_xlsx
    from bot.runtime import prepare_database
    from rules.regions import village_info

    village = None
    if args.village:
        info = village_info(args.village)
        if info is None:
            raise CommandError(f"{args.village!r} is not a Kemendagri village code (try `kader village search NAME`)")
        village = info.code
    if args.format == "xlsx" and not args.output:
        raise CommandError("XLSX needs a file: add -o workers.xlsx")
    database = prepare_database(_database_url(args, settings))
    today = date.today()
    try:
        if args.format == "xlsx":
            count = await export_xlsx(database, Path(args.output), today, village)
        elif args.output:
            with open(args.output, "w", newline="", encoding="utf-8") as output:
                count = await export_csv(database, output, today, village)
        else:
            count = await export_csv(database, sys.stdout, today, village)
    finally:
        await database.close()
    if args.output:
        print(f"{count} worker(s) written to {args.output}", file=sys.stderr)
    return 0


# -- payments -----------------------------------------------------------------------------

_ERRORS_SHOWN = 50


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
    database = prepare_database(_database_url(args, settings))
    try:
        report = await import_payments(
            database, path, date.today(), skip_invalid=args.skip_invalid, show_progress=sys.stderr.isatty()
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
    return 0


# -- the parser ---------------------------------------------------------------------------


def _command(commands: Any, name: str, summary: str) -> argparse.ArgumentParser:
    """A subcommand whose summary shows both in its parent's list and in its own --help."""
    return commands.add_parser(name, help=summary, description=summary)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every `kader` command."""
    parser = argparse.ArgumentParser(
        prog="kader",
        description="BPJS Ketenagakerjaan bot for village cadres: console shell and administration.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    shell = _command(commands, "shell", "talk to the bot in this terminal (no tokens needed)")
    shell.add_argument("--phone", help="the phone you talk as, e.g. +6281234567890 (default: the demo cadre)")
    shell.add_argument("--lang", choices=("id", "en"), help="conversation language (default: as remembered)")
    shell.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")
    shell.set_defaults(run=_shell, is_async=True)

    serve = _command(commands, "serve", "run the web process: webhooks of the enabled channels, /healthz")
    serve.add_argument("--host", help="address to listen on (default: $HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8000)")
    serve.set_defaults(run=_serve, is_async=True)

    from bot.telegram.cli import add_telegram_commands  # argparse only: no Telegram import until a command runs

    add_telegram_commands(commands, _command)

    db = _command(commands, "db", "database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    upgrade = _command(db_commands, "upgrade", "apply every pending migration")
    upgrade.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")
    upgrade.set_defaults(run=_db_upgrade, is_async=False)

    cadre = _command(commands, "cadre", "cadres and admins")
    cadre_commands = cadre.add_subparsers(dest="cadre_command", metavar="COMMAND", required=True)
    add = _command(cadre_commands, "add", "add a cadre of one or more villages, or an admin")
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--phone", required=True, help="Indonesian mobile number, e.g. 0812 3456 7890")
    add.add_argument(
        "--village", action="append", metavar="CODE", help="Kemendagri village code, e.g. 63.10.02.2003 (repeatable)"
    )
    add.add_argument("--admin", action="store_true", help="also an admin (all villages, manages cadres)")
    add.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")
    add.set_defaults(run=_cadre_add, is_async=True)
    listing = _command(cadre_commands, "list", "list cadres and admins with their villages")
    listing.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")
    listing.set_defaults(run=_cadre_list, is_async=True)

    payments = _command(commands, "payments", "contribution payments")
    payment_commands = payments.add_subparsers(dest="payments_command", metavar="COMMAND", required=True)
    payments_import = _command(
        payment_commands, "import", "import the branch office's payment file (CSV or XLSX); twice adds nothing"
    )
    payments_import.add_argument(
        "file", help="columns NIK, paid_from (2026-01), months or paid_through, amount, reference"
    )
    payments_import.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows even when some rows are invalid"
    )
    payments_import.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")
    payments_import.set_defaults(run=_payments_import, is_async=True)

    export = _command(commands, "export", "export data for the branch office")
    export_commands = export.add_subparsers(dest="export_command", metavar="COMMAND", required=True)
    export_workers = _command(export_commands, "workers", "one row per registered worker (CSV to stdout by default)")
    export_workers.add_argument("--village", metavar="CODE", help="only this Kemendagri village")
    export_workers.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="file format (default csv)")
    export_workers.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export_workers.add_argument("--database", metavar="URL", help="database URL (default: $DATABASE_URL or kader.db)")
    export_workers.set_defaults(run=_export_workers, is_async=True)

    village = _command(commands, "village", "Kemendagri villages")
    village_commands = village.add_subparsers(dest="village_command", metavar="COMMAND", required=True)
    search = _command(village_commands, "search", "find villages by name or code prefix")
    search.add_argument("text", nargs="+", help="part of a village name, e.g. sungai lembu")
    search.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    search.set_defaults(run=_village_search, is_async=False)
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
