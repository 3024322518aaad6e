"""`kader audit`: who looked at or changed what, newest first; and how the other commands show and sign events."""

from __future__ import annotations

import argparse
import json
import re
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.commands.base import CommandError, add_command, add_database_option, database_url, read_phone
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Contact, Person, Worker

ZONES = {"UTC": "UTC", "WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
_E164 = re.compile(r"\+\d{8,15}")


def register(commands: Any) -> None:
    """Adds `audit` to the `kader` parser."""
    audit = add_command(commands, "audit", "list who looked at or changed what, newest first")
    audit.add_argument("--worker", metavar="NIK", help="only events about this worker (or anon-ID once forgotten)")
    audit.add_argument("--actor", metavar="PHONE", help="only events caused by this cadre, admin or contact's phone")
    audit.add_argument("--since", metavar="DATE", help="only events from this day on, e.g. 2026-11-01 (in --zone)")
    audit.add_argument("--limit", type=int, default=50, metavar="N", help="at most N events (default 50)")
    audit.add_argument(
        "--zone", choices=tuple(ZONES), default="UTC", help="show times (and read --since) in this zone (default UTC)"
    )
    add_database_option(audit)
    audit.set_defaults(run=_audit, is_async=True)


def read_day(text: str) -> date:
    """A day typed on the command line as YYYY-MM-DD, or a CommandError."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date: use YYYY-MM-DD, for example 2026-11-01") from error


def masked(text: str) -> str:
    """Text with every 16-digit run (a NIK) and every E.164 phone masked."""
    from rules.nik import mask_nik

    return _E164.sub(lambda m: masked_phone(m.group()), _SIXTEEN_DIGITS.sub(lambda m: mask_nik(m.group()), text))


def masked_phone(phone: str) -> str:
    """A phone with its middle digits hidden (as it is when it is not E.164)."""
    from rules.phones import mask_phone

    try:
        return mask_phone(phone)
    except ValueError:
        return phone


def describe_actor(person: Person | None, contact: Contact | None) -> str:
    """Who caused an event: the person's name and masked phone, else the contact, else the command line."""
    if person is not None:
        return f"{person.name} {masked_phone(person.phone)}"
    if contact is not None:
        phone = f" {masked_phone(contact.phone)}" if contact.phone else ""
        return f"contact {contact.id} ({contact.channel}{phone})"
    return "none recorded"


def describe_subject(subject_type: str | None, subject_id: str | None, workers: dict[int, Worker]) -> str:
    """What an event was about; a worker by id, name and masked NIK (or as forgotten)."""
    from rules.nik import mask_nik
    from storage.data_rights import is_forgotten

    if subject_type is None:
        return "-"
    if subject_type == "worker" and subject_id and subject_id.isdigit():
        worker = workers.get(int(subject_id))
        if worker is None:
            return f"worker {subject_id} (no longer stored)"
        if is_forgotten(worker):
            return f"worker {subject_id} (forgotten)"
        return f"worker {subject_id} {worker.name} {mask_nik(worker.nik)}"
    shown = subject_id or ""
    return f"{subject_type} {shown[:12] + '…' if len(shown) > 20 else shown}".strip()


def describe_details(details: dict[str, Any] | None, note: str | None = None) -> str:
    """An event's details as `key=value` pairs, NIKs and phones masked."""
    parts = [
        f"{key}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in (details or {}).items()
    ]
    if note:
        parts.append(f"note={note}")
    return masked("; ".join(parts))


def local_time(moment: datetime, zone: str) -> str:
    """A timestamp in one of ZONES, to the second."""
    return moment.astimezone(ZoneInfo(ZONES[zone])).strftime("%Y-%m-%d %H:%M:%S")


def nik_pseudonyms(worker: Worker) -> tuple[tuple[str, str], ...]:
    """The audit subjects (type, id) standing for the worker's NIK: the status-check limits' keyed hash of it."""
    from flows import lookup_limits
    from storage.data_rights import is_forgotten

    if is_forgotten(worker):
        return ()
    return ((lookup_limits.NIK_SUBJECT, lookup_limits.nik_key(worker.nik)),)


async def acting_admin(session: AsyncSession, phone: str | None) -> int | None:
    """The person id of the admin whose phone is given with --actor (None without), or a CommandError."""
    from storage import people

    if phone is None:
        return None
    e164 = read_phone(phone)
    staff = await people.staff_by_phone(session, e164)
    if staff is None or not staff.is_admin:
        raise CommandError(f"--actor {e164} is not an admin (add one with `kader cadre add --admin`)")
    return staff.person_id


async def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import audit_log, data_rights

    if args.limit < 1:
        raise CommandError("--limit must be at least 1")
    zone = ZoneInfo(ZONES[args.zone])
    since = datetime.combine(read_day(args.since), time(0), zone) if args.since else None
    phone = read_phone(args.actor) if args.actor else None
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            subjects = None
            if args.worker:
                worker = await data_rights.find_worker(session, args.worker)
                if worker is None:
                    raise CommandError("no worker is registered with that NIK")
                subjects = (("worker", str(worker.id)), *nik_pseudonyms(worker))
            actors = None
            if phone is not None:
                actors = await audit_log.actors_with_phone(session, phone)
                if not actors.known:
                    raise CommandError(f"no cadre, admin or contact has the phone {masked_phone(phone)}")
            found = await audit_log.list_events(
                session, subjects=subjects, actors=actors, since=since, limit=args.limit
            )
            subjects = await audit_log.workers_by_id(
                session,
                (
                    int(e.event.subject_id)
                    for e in found
                    if e.event.subject_type == "worker" and (e.event.subject_id or "").isdigit()
                ),
            )
            table = Table(title=f"Audit events, newest first (times in {args.zone})")
            table.add_column(f"Time ({args.zone})", no_wrap=True)
            table.add_column("Action", no_wrap=True)
            table.add_column("Actor")
            table.add_column("Subject")
            table.add_column("Details")
            for logged in found:
                event = logged.event
                table.add_row(
                    local_time(event.at, args.zone),
                    event.action,
                    Text(describe_actor(logged.person, logged.contact)),
                    Text(describe_subject(event.subject_type, event.subject_id, subjects)),
                    Text(describe_details(event.details, event.note)),
                )
    finally:
        await database.close()
    Console().print(table if found else "No audit events match.")
    return 0
