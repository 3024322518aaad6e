"""`kader worker show | forget`: a worker's rights over their data (UU 27/2022 PDP), access and erasure
(storage/data_rights.py, storage/claim_traces.py)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
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


def register(worker_commands: Any) -> None:
    """Adds `worker show` and `worker forget` to the `kader worker` group."""
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
    forget.add_argument(
        "--media-dir",
        metavar="DIR",
        help="where the cases' documents are kept (default: $MEDIA_DIR, or media/ beside the SQLite database)",
    )
    add_database_option(forget)
    forget.set_defaults(run=_forget, is_async=True)


def _pseudonyms(worker: Worker) -> tuple[tuple[str, str], ...]:
    """The audit subjects standing for the worker: the status-check limits' keyed hashes of the NIK and the KPJ."""
    from flows import lookup_limits
    from rules.kpj import TAGGED

    kpj = ((lookup_limits.NIK_SUBJECT, lookup_limits.nik_key(TAGGED + worker.kpj)),) if worker.kpj else ()
    return nik_pseudonyms(worker) + kpj


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
    table.add_row(
        "claim",
        str(counts["claims_scrubbed"]),
        Text(
            "cases about the worker: reporter's name and phone, the name given and the details' free text erased, "
            "the event date kept to its month; kind, cause, status, match, outcome, village, relation and times kept"
            + (f" (open: {', '.join(plan.open_claims)})" if plan.open_claims else "")
        ),
    )
    table.add_row(
        "claim_document",
        str(counts["claim_documents_unlinked"]),
        "kept without path and checksum (kind, type, size, received); the files no other case refers to are deleted "
        "from the media directory",
    )
    if plan.claims_reported:
        table.add_row(
            "claim", str(counts["claims_reporter_erased"]), "cases the worker reported: reporter's name, phone erased"
        )
    if plan.claims_mentioning:
        table.add_row(
            "claim", str(counts["claims_mentions_scrubbed"]), "other cases whose details hold the worker's values"
        )
    return table


def _media_directory(args: argparse.Namespace, settings: Settings) -> Path:
    """Where the cases' documents are: --media-dir, MEDIA_DIR, or media/ beside the SQLite database."""
    from bot.media_store import default_media_dir

    return Path(args.media_dir or settings.media_dir or default_media_dir(database_url(args, settings)))


def _inside(text: str, root: Path) -> Path | None:
    """The stored document's file, resolved (a relative path is taken inside the media directory), or None when it
    lies outside the directory (symbolic links and `..` followed)."""
    resolved = (Path(text) if Path(text).is_absolute() else root / text).resolve()
    return resolved if resolved != root and resolved.is_relative_to(root) else None


def outside_media(paths: tuple[str, ...], directory: Path) -> list[str]:
    """The paths that do not lie inside the media directory: they are never deleted."""
    root = directory.resolve()
    return [text for text in paths if _inside(text, root) is None]


def delete_documents(paths: tuple[str, ...], directory: Path) -> tuple[int, list[str]]:
    """Deletes stored documents inside the media directory; how many were deleted (or already gone), and what was
    refused or failed: a path outside the directory is never touched."""
    root = directory.resolve()
    deleted, problems = 0, []
    for text in paths:
        resolved = _inside(text, root)
        if resolved is None:
            problems.append(f"{text}: outside the media directory {root}, not deleted")
            continue
        try:
            resolved.unlink(missing_ok=True)
        except OSError as error:
            problems.append(f"{text}: {error.strerror or error}")
            continue
        deleted += 1
    return deleted, problems


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
            plan = await data_rights.plan_erasure(session, worker, _pseudonyms(worker))
            if not args.confirm:
                console.print(_plan_table(plan, f"Forgetting worker {worker.id} ({shown}) would change"))
                raise CommandError("nothing was erased: add --confirm --reason TEXT to erase")
            if plan.open_claims:
                raise CommandError(
                    f"worker {worker.id} has open case(s) {', '.join(plan.open_claims)}: their reporter and documents "
                    "are needed until they are paid, refused or withdrawn (kader claims update/reject/withdraw); "
                    "nothing was erased"
                )
            files = await data_rights.forget(session, worker, plan)
            directory = _media_directory(args, settings)
            outside = outside_media(files, directory)
            if outside:
                raise CommandError(
                    f"the cases' documents {', '.join(outside)} are outside the media directory {directory.resolve()}:"
                    " run with MEDIA_DIR or --media-dir set to where the bot keeps them; nothing was erased"
                )
            event = await audit.record_event(
                session,
                "worker.forgotten",
                person_id=actor,
                subject_type="worker",
                subject_id=str(plan.worker_id),
                details={"reason": reason, "erased": {**plan.counts(), "document_files_deleted": len(files)}},
            )
    finally:
        await database.close()
    # Only once the erasure is committed: a failed transaction must not lose files its cases still refer to.
    deleted, problems = delete_documents(files, directory)
    console.print(_plan_table(plan, f"Worker {plan.worker_id} forgotten"))
    print(
        f"Worker {plan.worker_id} is now {data_rights.anonymous_label(plan.worker_id)}; "
        f"audited as worker.forgotten (event {event.id}). "
        f"{deleted} document file(s) deleted from {directory}."
    )
    for problem in problems:
        print(f"kader: error: {problem}", file=sys.stderr)
    return 1 if problems else 0


# -- show --------------------------------------------------------------------------------------


def _when(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else ""


def _worker_fields(report: AccessReport, today: date) -> dict[str, Any]:
    from rules.coverage import covered_months, membership_on

    worker = report.worker
    paid = [(p.first_month, p.months) for p in report.payments if p.voided_at is None]  # a voided one covers nothing
    return {
        "id": worker.id,
        "nik": worker.nik,
        "kpj": worker.kpj,
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
                "voided_at": _when(p.voided_at),
                "void_reason": p.void_reason,
                "voided_by": p.voided_by,
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
        "claims": [
            {
                "reference": t.claim.reference,
                "kind": t.claim.kind,
                "status": t.claim.status,
                "match": t.claim.match,
                "linked_by": t.linked_by,
                "village": t.claim.village_code,
                "event_date": t.claim.event_date.isoformat(),
                "cause": t.claim.cause,
                "reporter_relation": t.claim.reporter_relation,
                "documents": t.documents,
                "outcome": t.claim.outcome,
                "opened_at": _when(t.claim.created_at),
                "closed_at": _when(t.claim.closed_at),
                "holds": list(t.found),
            }
            for t in report.claims
        ],
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


def _link_text(linked_by: str) -> str:
    """How a case is linked to the worker, in words."""
    from storage import claim_traces

    return {
        claim_traces.BY_WORKER: "about the worker",
        claim_traces.BY_NIK: "by the NIK typed (no worker was matched)",
        claim_traces.BY_NAME: "by name in the worker's village (no worker was matched)",
        claim_traces.BY_REPORTER: "reported by the worker",
        claim_traces.MENTIONED: "its details hold the worker's values",
    }.get(linked_by, linked_by)


def _voided(payment: dict[str, Any]) -> str:
    """ "BATAL <day>: <reason>" for a voided payment (it covers no month), else nothing."""
    if not payment["voided_at"]:
        return ""
    return f"BATAL {payment['voided_at'][:10]}: {payment['void_reason']}"


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
        (p["first_month"], p["months"], p["amount"], p["source"], p["reference"], p["recorded_at"], _voided(p))
        for p in document["payments"]
    ]
    columns = ("First month", "Months", "Amount (Rp)", "Source", "Reference", "Recorded at", "Voided")
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
    claims = [
        (
            c["reference"],
            c["kind"],
            c["status"],
            c["match"],
            c["event_date"],
            c["reporter_relation"],
            c["documents"],
            _link_text(c["linked_by"]),
        )
        for c in document["claims"]
    ]
    columns = ("Case", "Kind", "Status", "Match", "Event date", "Reporter", "Documents", "Linked")
    console.print(_table("Cases (deaths, accidents) about the worker or naming them", columns, claims, "none"))
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
            report = await data_rights.access_report(session, worker, _pseudonyms(worker))
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
