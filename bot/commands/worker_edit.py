"""`kader worker edit`: changing a registered worker's details. Every value is read by the rules the registration
uses; every change is audited (storage/worker_edits.py)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.commands.base import CommandError, add_command, add_database_option, database_url, known_village, read_phone
from bot.commands.kpj_import import read_kpj_option
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Worker
    from storage.worker_edits import FieldChange

CLEAR = "-"  # typed for an optional value: remove it
PROGRAMMES = {"jkk-jkm": "JKK,JKM", "jkk-jkm-jht": "JKK,JKM,JHT"}
_MAX_REASON = 500
_NIK_REASONS = {
    "length": "a NIK has 16 digits",
    "digits": "a NIK has only digits",
    "region": "its first 6 digits are no known region",
    "date": "its birth-date digits (7-12) are no real date",
    "serial": "its last 4 digits cannot be 0000",
}
_FIELD_NAMES = {"declared_income": "income", "village_code": "village"}
_PRICE_FIELDS = frozenset({"declared_income", "programmes", "occupation"})


def register(worker_commands: Any) -> None:
    """Adds `worker edit` to the `kader worker` group."""
    from rules.occupations import OCCUPATIONS

    edit = add_command(worker_commands, "edit", "change a registered worker's details; each change is audited")
    edit.add_argument("nik", metavar="NIK", help="the worker's NIK (as registered)")
    edit.add_argument("--phone", metavar="PHONE", help=f"the worker's mobile number ('{CLEAR}' removes it)")
    edit.add_argument("--heir-name", metavar="NAME", help=f"the heir's name ('{CLEAR}' removes the heir)")
    edit.add_argument("--heir-relation", metavar="CODE", help="pasangan, anak, orang_tua, saudara or lainnya")
    edit.add_argument("--heir-phone", metavar="PHONE", help=f"the heir's mobile number ('{CLEAR}' removes it)")
    edit.add_argument("--occupation", metavar="CODE", help=f"one of {', '.join(OCCUPATIONS)}")
    edit.add_argument("--occupation-other", metavar="TEXT", help="what the work is, for --occupation lainnya")
    edit.add_argument("--income", metavar="RUPIAH", help="monthly income (raised to the minimum, rounded up a step)")
    edit.add_argument("--programmes", choices=tuple(PROGRAMMES), help="JKK + JKM, or with JHT")
    edit.add_argument("--village", metavar="CODE", help="the Kemendagri village code the worker now belongs to")
    edit.add_argument("--kpj", metavar="NUMBER", help=f"the KPJ card number, 11 digits ('{CLEAR}' removes it)")
    edit.add_argument("--nik", dest="new_nik", metavar="NEW_NIK", help="a corrected NIK (needs --reason)")
    edit.add_argument("--birth-date", metavar="YYYY-MM-DD", help="a corrected birth date (needs --reason)")
    edit.add_argument("--reason", metavar="TEXT", help="why (kept in the audit trail; needed for --nik, --birth-date)")
    edit.add_argument("--actor", "--by", dest="actor", metavar="PHONE", help="the admin changing, for the audit trail")
    add_database_option(edit)
    edit.set_defaults(run=_edit, is_async=True)


# -- reading the values ------------------------------------------------------------------------


def read_nik(text: str, today: date, option: str) -> str:
    """A valid NIK typed for an option, or a CommandError saying why not."""
    from rules.nik import InvalidNikError, parse_nik

    try:
        return parse_nik(text, today).number
    except InvalidNikError as error:
        raise CommandError(f"{option} is not a valid NIK: {_NIK_REASONS.get(error.reason, error.reason)}") from error


def _optional_phone(text: str, option: str) -> str | None:
    if text.strip() == CLEAR:
        return None
    try:
        return read_phone(text)
    except CommandError as error:
        raise CommandError(f"{option}: {error}") from error


def _name(text: str, option: str) -> str:
    from rules.names import InvalidNameError, read_person_name

    try:
        return read_person_name(text)
    except InvalidNameError as error:
        raise CommandError(f"{option} is not accepted as a name ({error.reason})") from error


def _income(text: str) -> tuple[int, int | None]:
    """The declared income for a typed one, and what was typed when it was raised or rounded."""
    from rules.amounts import UnreadableAmountError, read_amount
    from rules.contribution import IncomeAboveMaximumError, declare_income
    from rules.payment_rows import rupiah_text

    try:
        rupiah = read_amount(text).rupiah
    except UnreadableAmountError as error:
        raise CommandError(f"--income {text!r} is not an amount in Rupiah (for example 1500000 or 1,5 juta)") from error
    if rupiah is None or rupiah <= 0:
        raise CommandError(f"--income {text!r} is not a whole, positive amount in Rupiah")
    try:
        declared = declare_income(rupiah)
    except IncomeAboveMaximumError as error:
        raise CommandError(
            f"--income is above the highest income that can be declared, {rupiah_text(error.maximum)}"
        ) from error
    return declared.amount, declared.raised_from


def _birth_date(text: str, today: date) -> date:
    from rules.dates import InvalidDateError, parse_date

    try:
        born = parse_date(text, today)
    except InvalidDateError as error:
        raise CommandError(f"--birth-date {text!r} is not a date (for example 1980-08-05)") from error
    if born > today:
        raise CommandError("--birth-date is in the future")
    return born


def _relation(text: str) -> str:
    from flows.worker_answers import RELATIONS

    code = text.strip().lower().replace(" ", "_")
    if code not in RELATIONS:
        raise CommandError(f"--heir-relation must be one of {', '.join(RELATIONS)}")
    return code


def _occupation(text: str) -> str:
    from rules.occupations import OCCUPATIONS

    code = text.strip().lower()
    if code not in OCCUPATIONS:
        raise CommandError(f"--occupation must be one of {', '.join(OCCUPATIONS)}")
    return code


@dataclass
class Requested:
    """The changes typed on the command line, read; what needs the database is done later."""

    changes: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    village: Any = None  # the Kemendagri village of --village, to add to the database when missing


def read_changes(args: argparse.Namespace, today: date) -> Requested:
    """The changes the options ask for, every value read by the rules the registration uses; CommandError if not."""
    from rules.payment_rows import rupiah_text

    asked = Requested()
    changes = asked.changes
    if args.phone is not None:
        changes["phone"] = _optional_phone(args.phone, "--phone")
    if args.heir_name is not None:
        if args.heir_name.strip() == CLEAR:
            changes.update(heir_name=None, heir_relation=None, heir_phone=None)
        else:
            changes["heir_name"] = _name(args.heir_name, "--heir-name")
    if args.heir_relation is not None:
        changes["heir_relation"] = _relation(args.heir_relation)
    if args.heir_phone is not None:
        changes["heir_phone"] = _optional_phone(args.heir_phone, "--heir-phone")
    if args.occupation is not None:
        changes["occupation"] = _occupation(args.occupation)
    if args.occupation_other is not None:
        other = " ".join(args.occupation_other.split())
        if not other or len(other) > 100:
            raise CommandError("--occupation-other must say what the work is, in at most 100 characters")
        changes["occupation_other"] = other
    if args.income is not None:
        changes["declared_income"], typed = _income(args.income)
        if typed is not None:
            asked.notes.append(
                f"income {rupiah_text(typed)} is declared as {rupiah_text(int(changes['declared_income']))} "
                "(the minimum, or rounded up to a step of Rp100.000)"
            )
    if args.programmes is not None:
        changes["programmes"] = PROGRAMMES[args.programmes]
    if args.village is not None:
        asked.village = known_village(args.village.strip())
        changes["village_code"] = asked.village.code
    if args.kpj is not None:
        changes["kpj"] = None if args.kpj.strip() == CLEAR else read_kpj_option(args.kpj)
    if args.new_nik is not None:
        changes["nik"] = read_nik(args.new_nik, today, "--nik")
    if args.birth_date is not None:
        changes["birth_date"] = _birth_date(args.birth_date, today)
    if not changes:
        raise CommandError("nothing to change: give at least one of the options (see --help)")
    return asked


# -- edit --------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    from rules.payment_rows import rupiah_text

    if value is None:
        return "(none)"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return rupiah_text(value)
    return str(value).replace(",", " + ") if str(value).startswith("JKK,") else str(value)


def change_line(change: FieldChange) -> str:
    """One change as "field: old → new"."""
    name = _FIELD_NAMES.get(change.field, change.field)
    return f"{name}: {_shown(change.old)} → {_shown(change.new)}"


def _village_today(village_code: str) -> date:
    from rules.timezones import zone_for_village

    return datetime.now(ZoneInfo(zone_for_village(village_code))).date()


async def _contribution_line(session: AsyncSession, worker: Worker, before: dict[str, Any]) -> str | None:
    """The monthly contribution from the first unpaid month, before and after the change."""
    from rules.contribution import monthly_amount
    from rules.coverage import covered_months, membership_on, month_start
    from rules.payment_rows import rupiah_text
    from storage import payments

    today = _village_today(worker.village_code)
    paid = covered_months(await payments.paid_months(session, worker.id))
    membership = membership_on(today, paid, worker.deceased_on)
    if worker.deceased_on is not None and worker.deceased_on <= today:
        return None
    month = membership.next_due or month_start(today)
    after = monthly_amount(worker, month)
    if after is None:
        return "Monthly contribution: set by the branch office (PU)."
    terms = {name: getattr(worker, name) for name in ("segment", "declared_income", "programmes", "occupation")}
    terms["payer"] = worker.payer
    earlier = monthly_amount(SimpleNamespace(**(terms | before)), month)  # type: ignore[arg-type]
    was = f" (was {rupiah_text(earlier)})" if earlier is not None and earlier != after else ""
    return f"Monthly contribution from {month:%Y-%m}: {rupiah_text(after)}{was}."


def _check_occupation(worker: Worker, changes: dict[str, object]) -> None:
    from rules.occupations import OTHER

    occupation = changes.get("occupation", worker.occupation)
    if "occupation_other" in changes and occupation != OTHER:
        raise CommandError(f"--occupation-other describes the occupation {OTHER}: give --occupation {OTHER} too")
    if occupation == OTHER and not (changes.get("occupation_other") or worker.occupation_other):
        raise CommandError(f"--occupation {OTHER} needs --occupation-other TEXT: what the work is")


def _nik_notes(worker: Worker, changes: dict[str, object], today: date) -> list[str]:
    """What a corrected NIK says that the record does not: another birth date or sex."""
    from rules.nik import FEMALE, parse_nik

    new = changes.get("nik")
    if not isinstance(new, str):
        return []
    told = parse_nik(new, today)
    born = changes.get("birth_date", worker.birth_date)
    notes = []
    if told.birth_date != born:
        notes.append(
            f"the new NIK says born {told.birth_date.isoformat()}, the record says {born}: "
            "correct it with --birth-date if the NIK is right"
        )
    if told.sex != worker.sex:
        notes.append(f"the new NIK says {'female' if told.sex == FEMALE else 'male'}; the recorded sex is unchanged")
    return notes


def _check_heir(worker: Worker, changes: dict[str, object]) -> None:
    if changes.get("heir_name") and not (changes.get("heir_relation") or worker.heir_relation):
        raise CommandError("the worker has no heir yet: give --heir-relation with --heir-name")
    if (changes.get("heir_relation") or changes.get("heir_phone")) and not (
        changes.get("heir_name") or (worker.heir_name and "heir_name" not in changes)
    ):
        raise CommandError("the worker has no heir: give --heir-name too")


def _refused(error: Exception) -> CommandError:
    """The words for a refused change."""
    from rules.nik import mask_nik
    from storage import worker_edits as edits

    if isinstance(error, edits.KpjTakenError):
        return CommandError(f"KPJ {error.kpj} is already recorded for another worker (id {error.holder_id})")
    if isinstance(error, edits.NikTakenError):
        return CommandError(f"NIK {mask_nik(error.nik)} is registered to another worker (id {error.holder_id})")
    if isinstance(error, edits.ReasonRequiredError):
        return CommandError("--nik and --birth-date are corrections: give --reason TEXT (kept in the audit trail)")
    if isinstance(error, edits.AdminRequiredError):
        return CommandError("only an admin may correct a NIK or a birth date: --actor must be an admin's phone")
    return CommandError(f"nothing was changed: {error}")


async def _edit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.commands.audit import acting_admin
    from bot.runtime import prepare_database
    from rules.nik import compact, mask_nik
    from storage import data_rights, villages
    from storage.worker_edits import ADMIN_ONLY, WorkerEditError, change_worker

    today = date.today()
    nik = compact(args.nik)
    if len(nik) != 16 or not (nik.isascii() and nik.isdigit()):
        raise CommandError("that is not a NIK: a NIK has 16 digits")
    asked = read_changes(args, today)
    reason = " ".join((args.reason or "").split())
    if any(name in asked.changes for name in ADMIN_ONLY) and not reason:
        raise CommandError("--nik and --birth-date are corrections: give --reason TEXT (kept in the audit trail)")
    if len(reason) > _MAX_REASON:
        raise CommandError(f"the reason must be at most {_MAX_REASON} characters")
    database = prepare_database(database_url(args, settings))
    contribution = None
    try:
        async with database.transaction() as session:
            actor = await acting_admin(session, args.actor)
            worker = await data_rights.find_worker(session, nik, lock=True)
            if worker is None:
                raise CommandError(f"no worker is registered with NIK {mask_nik(nik)}")
            if reason and data_rights.values_of(worker).found_in(reason):
                raise CommandError(
                    "the reason must not contain the worker's NIK, name, phone or birth date: it is kept in the audit "
                    "trail"
                )
            _check_heir(worker, asked.changes)
            _check_occupation(worker, asked.changes)
            asked.notes.extend(_nik_notes(worker, asked.changes, today))
            if asked.village is not None:
                await villages.ensure_village(session, asked.village)
            before = {name: getattr(worker, name) for name in ("declared_income", "programmes", "occupation")}
            try:
                changed = await change_worker(
                    session, worker.id, asked.changes, actor_person_id=actor, actor_contact_id=None, reason=reason
                )
            except WorkerEditError as error:
                raise _refused(error) from error
            if any(change.field in _PRICE_FIELDS for change in changed):
                contribution = await _contribution_line(session, worker, before)
            worker_id = worker.id
    finally:
        await database.close()
    for note in asked.notes:
        print(f"Note: {note}.")
    if not changed:
        print(f"Nothing changed: worker {worker_id} ({mask_nik(nik)}) already has these details.")
        return 0
    print(f"Worker {worker_id} ({mask_nik(nik)}) changed:")
    for change in changed:
        print(f"  {change_line(change)}")
    if contribution:
        print(contribution)
    return 0
