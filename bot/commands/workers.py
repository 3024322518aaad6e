"""`kader worker show | forget`: a worker's rights over their data (UU 27/2022 PDP), access and erasure."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.commands.audit import acting_admin, describe_actor, describe_details, local_time, nik_pseudonyms
from bot.commands.base import CommandError, add_command, add_database_option, database_url
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.data_rights import AccessReport, ErasurePlan
    from storage.models import Worker

_MAX_REASON = 500


def register(commands: Any) -> None:
    """Adds the `worker` group to the `kader` parser."""
    worker = add_command(commands, "worker", "a registered worker's data: show it all, or forget it (UU 27/2022 PDP)")
    worker_commands = worker.add_subparsers(dest="worker_command", metavar="COMMAND", required=True)

    show = add_command(worker_commands, "show", "everything stored about one worker (an access request)")
    show.add_argument("nik", metavar="NIK", help="the worker's NIK (or anon-ID once forgotten)")
    show.add_argument("--format", choices=("text", "json"), default="text", help="tables (default) or JSON")
    show.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    show.add_argument("--actor", metavar="PHONE", help="the admin asking, recorded in the audit trail")
    add_database_option(show)
    show.set_defaults(run=_show, is_async=True)

    forget = add_command(
        worker_commands, "forget", "erase a worker's personal data everywhere, keeping anonymous counts"
    )
    forget.add_argument("nik", metavar="NIK", help="the worker's NIK")
    forget.add_argument("--confirm", action="store_true", help="erase; without it, only say what would be erased")
    forget.add_argument("--reason", metavar="TEXT", help="why (kept in the audit trail; required with --confirm)")
    forget.add_argument("--actor", metavar="PHONE", help="the admin erasing, recorded in the audit trail")
    add_database_option(forget)
    forget.set_defaults(run=_forget, is_async=True)


def _checked_nik(text: str) -> str:
    from rules.nik import compact, mask_nik

    if text.strip().startswith("anon-"):
        return text.strip()
    number = compact(text)
    if len(number) != 16 or not number.isdigit() or not number.isascii():
        raise CommandError("that is not a NIK: a NIK has 16 digits")
    return mask_nik(number)


async def _find(session: AsyncSession, text: str, shown: str, *, lock: bool = False) -> Worker:
    from storage import data_rights

    worker = await data_rights.find_worker(session, text, lock=lock)
    if worker is None:
        raise CommandError(f"no worker is registered with NIK {shown}")
    return worker


# -- forget ------------------------------------------------------------------------------------


def _plan_table(plan: ErasurePlan, title: str) -> Table:
    from storage.data_rights import anonymous_label

    counts = plan.counts()
    table = Table(title=title)
    table.add_column("Table", no_wrap=True)
    table.add_column("Rows", justify="right")
    table.add_column("What happens")
    label = anonymous_label(plan.worker_id)
    table.add_row(
        "worker",
        "1",
        f"anonymised: NIK and name become {label}; birth date, phone, heir, sponsor, other occupation and income "
        "erased; village, segment, programmes, payer, occupation, sex and registration kept",
    )
    references = counts["payment_references_replaced"]
    table.add_row(
        "payment",
        str(plan.payments),
        "kept: months, amounts, source, reference"
        + (f" ({references} reference(s) holding personal values replaced)" if references else ""),
    )
    table.add_row(
        "contact",
        str(counts["contacts_deleted"]),
        "deleted: the worker's own (on their phone, which no other worker or cadre uses)",
    )
    if plan.shared_contacts:
        table.add_row(
            "contact", str(counts["contacts_kept_shared_phone"]), "kept: the phone is also another worker's or staff's"
        )
    table.add_row(
        "conversation",
        str(counts["conversations_deleted"] + counts["conversations_cleared"]),
        f"{counts['conversations_deleted']} deleted with the worker's contacts, "
        f"{counts['conversations_cleared']} cleared (they held the worker's values)",
    )
    table.add_row(
        "outbound_message",
        str(counts["messages_deleted"] + counts["messages_blanked"]),
        f"{counts['messages_deleted']} deleted with the worker's contacts, {counts['messages_blanked']} blanked "
        "(body and variables emptied, unsent ones skipped)",
    )
    table.add_row(
        "audit_event",
        str(counts["audit_events_scrubbed"]),
        Text(
            'scrubbed: values replaced by "[forgotten]"; action, time and actor kept, and a subject that is the worker'
        ),
    )
    return table


async def _forget(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import audit, data_rights

    shown = _checked_nik(args.nik)
    reason = " ".join((args.reason or "").split())
    if args.confirm and not reason:
        raise CommandError("--confirm needs --reason TEXT: why the data is erased (kept in the audit trail)")
    if len(reason) > _MAX_REASON:
        raise CommandError(f"the reason must be at most {_MAX_REASON} characters")
    database = prepare_database(database_url(args, settings))
    console = Console()
    try:
        async with database.transaction() as session:
            actor = await acting_admin(session, args.actor)
            worker = await _find(session, args.nik, shown, lock=True)
            if data_rights.is_forgotten(worker):
                raise CommandError(f"worker {worker.id} is forgotten already")
            if reason and data_rights.values_of(worker).found_in(reason):
                raise CommandError(
                    "the reason must not contain the worker's NIK, name, phone or birth date: it is kept in the audit "
                    "trail"
                )
            plan = await data_rights.plan_erasure(session, worker, nik_pseudonyms(worker))
            if not args.confirm:
                console.print(_plan_table(plan, f"Forgetting worker {worker.id} ({shown}) would change"))
                raise CommandError("nothing was erased: add --confirm --reason TEXT to erase")
            await data_rights.forget(session, worker, plan)
            event = await audit.record_event(
                session,
                "worker.forgotten",
                person_id=actor,
                subject_type="worker",
                subject_id=str(plan.worker_id),
                details={"reason": reason, "erased": plan.counts()},
            )
    finally:
        await database.close()
    console.print(_plan_table(plan, f"Worker {plan.worker_id} forgotten"))
    print(
        f"Worker {plan.worker_id} is now {data_rights.anonymous_label(plan.worker_id)}; "
        f"audited as worker.forgotten (event {event.id})."
    )
    return 0


# -- show --------------------------------------------------------------------------------------


def _when(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else ""


def _worker_fields(report: AccessReport, today: date) -> dict[str, Any]:
    from rules.coverage import covered_months, membership_on

    worker = report.worker
    paid = [(p.first_month, p.months) for p in report.payments]
    return {
        "id": worker.id,
        "nik": worker.nik,
        "name": worker.name,
        "birth_date": worker.birth_date.isoformat(),
        "sex": worker.sex,
        "phone": worker.phone,
        "occupation": worker.occupation,
        "occupation_other": worker.occupation_other,
        "segment": worker.segment,
        "declared_income": worker.declared_income,
        "programmes": worker.programmes.split(","),
        "payer": worker.payer,
        "sponsor": worker.sponsor,
        "heir_name": worker.heir_name,
        "heir_relation": worker.heir_relation,
        "heir_phone": worker.heir_phone,
        "village": {"code": report.village.code, "name": report.village.name},
        "registration_number": worker.registration_number,
        "registered_by": (
            {"id": report.registered_by.id, "name": report.registered_by.name} if report.registered_by else None
        ),
        "registered_at": _when(worker.registered_at),
        "consent_at": _when(worker.consent_at),
        "deceased_on": worker.deceased_on.isoformat() if worker.deceased_on else None,
        "status_today": membership_on(today, covered_months(paid), worker.deceased_on).status,
    }


def _as_document(report: AccessReport, today: date) -> dict[str, Any]:
    """Everything in the report as plain JSON values."""
    return {
        "worker": _worker_fields(report, today),
        "payments": [
            {
                "id": p.id,
                "first_month": p.first_month.isoformat()[:7],
                "months": p.months,
                "amount": p.amount,
                "source": p.source,
                "reference": p.reference,
                "recorded_by": p.recorded_by,
                "recorded_at": _when(p.recorded_at),
            }
            for p in report.payments
        ],
        "contacts": [
            {
                "id": c.id,
                "channel": c.channel,
                "address": c.address,
                "phone": c.phone,
                "language": c.language,
                "opted_out": c.opted_out,
                "unreachable": c.unreachable,
                "last_inbound_at": _when(c.last_inbound_at),
                "created_at": _when(c.created_at),
            }
            for c in report.contacts
        ],
        "contacts_phone_shared": report.shared_phone,
        "messages": [
            {
                "id": m.message.id,
                "contact_id": m.message.contact_id,
                "channel": m.message.channel,
                "kind": m.message.kind,
                "key": m.message.key,
                "status": m.message.status,
                "body": m.message.body,
                "variables": m.message.variables,
                "created_at": _when(m.message.created_at),
                "holds": list(m.found),
            }
            for m in report.messages
        ],
        "conversations": [
            {
                "contact_id": c.conversation.contact_id,
                "channel": c.contact.channel if c.contact else None,
                "flow": c.conversation.flow,
                "step": c.conversation.step,
                "updated_at": _when(c.conversation.updated_at),
                "holds": list(c.found),
                "state": c.conversation.state,
            }
            for c in report.conversations
        ],
        "audit_events": [
            {
                "id": e.event.id,
                "at": _when(e.event.at),
                "action": e.event.action,
                "actor_person": {"id": e.person.id, "name": e.person.name} if e.person else None,
                "actor_contact_id": e.event.actor_contact_id,
                "subject_type": e.event.subject_type,
                "subject_id": e.event.subject_id,
                "details": e.event.details,
                "note": e.event.note,
            }
            for e in report.events
        ],
    }


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], empty: str) -> Table | str:
    if not rows:
        return f"{title}: {empty}"
    table = Table(title=title)
    for number, column in enumerate(columns):
        table.add_column(column, no_wrap=number == 0)
    for row in rows:
        table.add_row(*(Text("" if value is None else str(value)) for value in row))
    return table


def _print_report(console: Console, report: AccessReport, today: date) -> None:
    fields = _worker_fields(report, today)
    worker = Table(title=f"Worker {report.worker.id} (times in UTC)")
    worker.add_column("Field", no_wrap=True)
    worker.add_column("Value")
    for name, value in fields.items():
        if isinstance(value, dict):
            value = " ".join(str(v) for v in value.values())
        elif isinstance(value, list):
            value = " + ".join(value)
        worker.add_row(name, Text("" if value is None else str(value)))
    console.print(worker)
    document = _as_document(report, today)
    payments = [
        (p["first_month"], p["months"], p["amount"], p["source"], p["reference"], p["recorded_at"])
        for p in document["payments"]
    ]
    columns = ("First month", "Months", "Amount (Rp)", "Source", "Reference", "Recorded at")
    console.print(_table("Payments", columns, payments, "none"))
    contacts = [
        (c["id"], c["channel"], c["address"], c["phone"], c["language"], c["opted_out"], c["last_inbound_at"])
        for c in document["contacts"]
    ]
    columns = ("Contact", "Channel", "Address", "Phone", "Language", "Opted out", "Last message")
    title = "Contacts on the worker's phone" + (" (shared with another worker or staff)" if report.shared_phone else "")
    console.print(_table(title, columns, contacts, "none"))
    messages = [
        (
            m["id"],
            f"contact {m['contact_id']} ({m['channel']})",
            m["kind"],
            m["status"],
            m["created_at"],
            m["body"],
            ", ".join(m["holds"]),
        )
        for m in document["messages"]
    ]
    columns = ("Message", "To", "Kind", "Status", "Created", "Body", "Holds")
    console.print(_table("Messages to the worker's contacts or about the worker", columns, messages, "none"))
    conversations = [
        (c["contact_id"], c["channel"], f"{c['flow']}/{c['step']}", c["updated_at"], ", ".join(c["holds"]))
        for c in document["conversations"]
    ]
    columns = ("Contact", "Channel", "Flow/step", "Updated", "Holds")
    console.print(_table("Conversations holding the worker's data", columns, conversations, "none"))
    events = [
        (
            local_time(e.event.at, "UTC"),
            e.event.action,
            describe_actor(e.person, e.contact),
            describe_details(e.event.details, e.event.note),
        )
        for e in report.events
    ]
    columns = ("Time (UTC)", "Action", "Actor", "Details")
    console.print(_table("Audit events about the worker", columns, events, "none"))


async def _show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import audit, data_rights

    shown = _checked_nik(args.nik)
    today = date.today()
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            actor = await acting_admin(session, args.actor)
            worker = await _find(session, args.nik, shown)
            await audit.record_event(
                session,
                "worker.shown",
                person_id=actor,
                subject_type="worker",
                subject_id=str(worker.id),
                details={"format": args.format},
            )
            report = await data_rights.access_report(session, worker, nik_pseudonyms(worker))
            output: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
            try:
                if args.format == "json":
                    json.dump(_as_document(report, today), output, ensure_ascii=False, indent=2, default=str)
                    output.write("\n")
                else:
                    console = Console(file=output, width=160) if args.output else Console()
                    _print_report(console, report, today)
            finally:
                if args.output:
                    output.close()
    finally:
        await database.close()
    if args.output:
        print(f"Everything stored about worker {report.worker.id} written to {args.output}", file=sys.stderr)
    return 0
