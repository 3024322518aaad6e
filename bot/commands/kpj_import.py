"""`kader worker import-kpj`: recording the KPJ card numbers from the branch office's file (columns NIK and KPJ);
set-based through storage/kpj_numbers.py (the same checks and audit events as storage/worker_edits.py's
change_worker), the same file twice changing nothing."""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands.base import CommandError, add_command, add_database_option, database_url
from bot.settings import Settings

if TYPE_CHECKING:
    from storage.database import Database
    from storage.kpj_numbers import KpjRefusal

KPJ_REASONS = {"length": "a KPJ number has 11 digits", "digits": "a KPJ number has only digits"}
_ERRORS_SHOWN = 50


def register(worker_commands: Any) -> None:
    """Adds `worker import-kpj` to the `kader worker` group."""
    kpj = add_command(
        worker_commands, "import-kpj", "record KPJ card numbers from the branch office's CSV (columns NIK, KPJ)"
    )
    kpj.add_argument("file", metavar="FILE.csv", help="a CSV with a header row naming the columns NIK and KPJ")
    kpj.add_argument("--skip-invalid", action="store_true", help="record the valid lines even when some are invalid")
    kpj.add_argument("--actor", "--by", dest="actor", metavar="PHONE", help="the admin importing, for the audit trail")
    add_database_option(kpj)
    kpj.set_defaults(run=_import_kpj, is_async=True)


def read_kpj_option(text: str, option: str = "--kpj") -> str:
    """A KPJ card number typed for an option, or a CommandError saying why not."""
    from rules.kpj import InvalidKpjError, read_kpj

    try:
        return read_kpj(text)
    except InvalidKpjError as error:
        raise CommandError(f"{option} is not a KPJ number: {KPJ_REASONS.get(error.reason, error.reason)}") from error


# -- import-kpj --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpjLine:
    """One line of the file: its number in the file, the NIK and the KPJ."""

    line: int
    nik: str
    kpj: str


@dataclass
class KpjImport:
    """What a KPJ file holds: the good lines and the errors, by line number."""

    lines: list[KpjLine] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0


def _columns(header: list[str]) -> tuple[int, int]:
    names = [cell.strip().lstrip("\ufeff").upper() for cell in header]
    if "NIK" not in names or "KPJ" not in names:
        raise CommandError("the file's first line must name the columns NIK and KPJ")
    return names.index("NIK"), names.index("KPJ")


def read_kpj_file(path: Path) -> KpjImport:
    """The file's lines read (NIK 16 digits, KPJ 11), each refusal with its line number and the NIK masked."""
    from rules.kpj import InvalidKpjError, read_kpj
    from rules.nik import compact, mask_nik

    found = KpjImport()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not a UTF-8 text file (save it from the spreadsheet as CSV UTF-8)") from error
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise CommandError(f"{path} is empty")
    nik_at, kpj_at = _columns(header)
    seen_nik: dict[str, int] = {}
    seen_kpj: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        found.rows += 1
        # A spreadsheet keeps long numbers as text behind an apostrophe ('6310054508800001): not part of the number.
        nik = compact(row[nik_at].strip().removeprefix("'")) if nik_at < len(row) else ""
        kpj_text = row[kpj_at].strip().removeprefix("'") if kpj_at < len(row) else ""
        if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
            found.errors.append((number, "the NIK is not 16 digits"))
            continue
        try:
            kpj = read_kpj(kpj_text)
        except InvalidKpjError as error:
            found.errors.append((number, f"NIK {mask_nik(nik)}: {KPJ_REASONS.get(error.reason, error.reason)}"))
            continue
        if nik in seen_nik:
            found.errors.append((number, f"NIK {mask_nik(nik)} is on line {seen_nik[nik]} already"))
            continue
        if kpj in seen_kpj:
            found.errors.append((number, f"NIK {mask_nik(nik)}: KPJ {kpj} is on line {seen_kpj[kpj]} already"))
            continue
        seen_nik[nik], seen_kpj[kpj] = number, number
        found.lines.append(KpjLine(number, nik, kpj))
    return found


def _refusal_message(refusal: KpjRefusal) -> str:
    """The line's error as the command prints it (the NIK masked)."""
    from rules.nik import mask_nik

    if refusal.why == "not_registered":
        return f"no worker is registered with NIK {mask_nik(refusal.nik)}"
    return f"NIK {mask_nik(refusal.nik)}: KPJ {refusal.kpj} is recorded for another worker (id {refusal.holder_id})"


def _print_errors(errors: list[tuple[int, str]]) -> None:
    for number, message in errors[:_ERRORS_SHOWN]:
        print(f"line {number}: {message}", file=sys.stderr)
    if len(errors) > _ERRORS_SHOWN:
        print(f"… and {len(errors) - _ERRORS_SHOWN} more invalid lines", file=sys.stderr)


@dataclass(frozen=True)
class KpjOutcome:
    """What an import did: whether it wrote (not when a line is invalid without --skip-invalid) and the counts."""

    written: bool
    recorded: int = 0
    replaced: int = 0
    unchanged: int = 0


async def import_kpj(database: Database, found: KpjImport, *, actor: str | None, skip_invalid: bool) -> KpjOutcome:
    """Checks the file's lines against the register (the refusals added to found.errors) and records them in one
    transaction: all of them, or with skip_invalid the valid ones; nothing when a line is invalid without it."""
    from bot.commands.audit import acting_admin
    from storage.kpj_numbers import KpjRow, apply_kpj_numbers, plan_kpj_numbers

    async with database.transaction() as session:
        actor_id = await acting_admin(session, actor)
        plan = await plan_kpj_numbers(session, [KpjRow(line.line, line.nik, line.kpj) for line in found.lines])
        found.errors.extend((refusal.key, _refusal_message(refusal)) for refusal in plan.refused)
        found.errors.sort()
        if found.errors and not skip_invalid:
            return KpjOutcome(written=False)
        made, taken = await apply_kpj_numbers(session, plan.changes, actor_person_id=actor_id, actor_contact_id=None)
    found.errors.extend((lost.key, f"KPJ {lost.kpj} was recorded for another worker meanwhile") for lost in taken)
    recorded = sum(1 for change in made if change.old is None)
    return KpjOutcome(True, recorded, len(made) - recorded, len(plan.unchanged))


async def _import_kpj(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{args.file} does not exist")
    found = read_kpj_file(path)
    database = prepare_database(database_url(args, settings))
    try:
        outcome = await import_kpj(database, found, actor=args.actor, skip_invalid=args.skip_invalid)
    finally:
        await database.close()
    _print_errors(found.errors)
    if not outcome.written:
        print(
            f"Nothing recorded: {len(found.errors)} of {found.rows} lines are invalid. "
            "Correct them, or record the valid lines with --skip-invalid.",
            file=sys.stderr,
        )
        return 1
    skipped = f", {len(found.errors)} invalid skipped" if found.errors else ""
    print(
        f"{found.rows} lines read: {outcome.recorded} KPJ recorded, {outcome.replaced} replaced, "
        f"{outcome.unchanged} already recorded{skipped}."
    )
    return 0
