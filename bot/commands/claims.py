"""`kader claims list | show | update | confirm | reject | withdraw | outcome`: the death (JKM) and accident (JKK)
cases, and the decisions of a cadre or admin on them. Every decision is audited and tells the reporter through the
outbox, in the reporter's language."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.commands.base import CommandError, add_command, add_database_option, database_url, read_phone
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.claim_decisions import Actor, Decision
    from storage.models import Claim, Worker

_MAX_TEXT = 500
UPDATE_STATUSES = ("diproses", "dokumen-kurang", "dibayar", "ditolak")
# The outcome words an officer types, and what storage records.
OUTCOMES = {"sembuh": "recovered", "cacat": "disabled", "meninggal": "died"}
ALL_STATUSES = ("baru", *UPDATE_STATUSES, "ditarik")

# The reporter's message for each status an update sets (literal keys, so tests/test_locales.py checks them).
_STATUS_KEYS = {
    "diproses": "claims.notify.status.diproses",
    "dokumen-kurang": "claims.notify.status.dokumen_kurang",
    "dibayar": "claims.notify.status.dibayar",
    "ditolak": "claims.notify.status.ditolak",
}
_OUTCOME_KEYS = {
    "recovered": "claims.notify.outcome.recovered",
    "disabled": "claims.notify.outcome.disabled",
    "died": "claims.notify.outcome.died",
}
_COVERAGE_KEYS = {
    "protected": "claims.notify.coverage.protected",
    "arrears": "claims.notify.coverage.arrears",
    "lapsed": "claims.notify.coverage.lapsed",
    "not_started": "claims.notify.coverage.not_started",
}


def register(commands: Any) -> None:
    """Adds the `claims` group to the `kader` parser."""
    group = add_command(commands, "claims", "death (JKM) and work-accident (JKK) cases reported through the bot")
    sub = group.add_subparsers(dest="claims_command", metavar="COMMAND", required=True)

    listing = add_command(sub, "list", "the cases, newest first")
    listing.add_argument("--status", choices=ALL_STATUSES, help="only cases with this status")
    listing.add_argument("--village", metavar="CODE", help="only cases of this village, e.g. 63.10.02.2003")
    listing.add_argument(
        "--overdue",
        action="store_true",
        help="only accidents still 'baru' past the 2 × 24 h stage-I deadline, and death reports unconfirmed for "
        "more than 3 days",
    )
    add_database_option(listing)
    listing.set_defaults(run=_list, is_async=True)

    show = add_command(sub, "show", "everything about one case, with the documents received")
    show.add_argument("reference", metavar="REF", help="the case's reference, e.g. KLM-2026-000042")
    add_database_option(show)
    show.set_defaults(run=_show, is_async=True)

    update = add_command(sub, "update", "move a case to a new status; the reporter is told")
    update.add_argument("reference", metavar="REF")
    update.add_argument("--status", required=True, choices=UPDATE_STATUSES)
    update.add_argument("--note", metavar="TEXT", help="a note for the reporter (sent with the update, audited)")
    _actor_option(update)
    update.set_defaults(run=_update, is_async=True)

    confirm = add_command(sub, "confirm", "vouch for a pending report: a death marks the worker Meninggal")
    confirm.add_argument("reference", metavar="REF")
    confirm.add_argument("--worker", metavar="NIK", help="the registered worker, when the report gave only a name")
    _actor_option(confirm)
    confirm.set_defaults(run=_confirm, is_async=True)

    reject = add_command(sub, "reject", "refuse a pending report found false; the worker is unchanged")
    reject.add_argument("reference", metavar="REF")
    reject.add_argument("--reason", required=True, metavar="TEXT", help="why (sent to the reporter, audited)")
    _actor_option(reject)
    reject.set_defaults(run=_reject, is_async=True)

    withdraw = add_command(sub, "withdraw", "withdraw a mistaken report: the worker's previous status returns")
    withdraw.add_argument("reference", metavar="REF")
    withdraw.add_argument("--reason", required=True, metavar="TEXT", help="why (sent to the reporter, audited)")
    _actor_option(withdraw)
    withdraw.set_defaults(run=_withdraw, is_async=True)

    outcome = add_command(sub, "outcome", "record the doctor's verdict on an accident (stage II)")
    outcome.add_argument("reference", metavar="REF")
    outcome.add_argument("--outcome", required=True, choices=tuple(OUTCOMES))
    _actor_option(outcome)
    outcome.set_defaults(run=_outcome, is_async=True)


def _actor_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--actor", metavar="PHONE", help="the admin, or a cadre of the case's village, deciding (audited)"
    )
    add_database_option(command)


def _text(value: str | None, option: str, *, required: bool) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if required and not text:
        raise CommandError(f"{option} must not be empty")
    if len(text) > _MAX_TEXT:
        raise CommandError(f"{option} must be at most {_MAX_TEXT} characters")
    return text or None


# -- reading ----------------------------------------------------------------------------------------------------------


def _local(moment: datetime | None, village_code: str | None) -> str:
    if moment is None:
        return "-"
    if village_code is None:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    from rules.claims import in_village_time

    local, label = in_village_time(moment, village_code)
    return f"{local:%Y-%m-%d %H:%M} {label}"


def _deadline(claim: Claim, now: datetime) -> str:
    from rules.claims import stage_one_deadline, time_left

    if claim.kind != "accident" or claim.event_at is None:
        return "-"
    deadline = stage_one_deadline(claim.event_at)
    left = time_left(deadline, now)
    if left is None:
        return f"{_local(deadline, claim.village_code)} (passed)"
    hours, rest = divmod(int(left.total_seconds()), 3600)
    return f"{_local(deadline, claim.village_code)} ({hours} h {rest // 60:02d} min left)"


def _local_today(village_code: str | None) -> date:
    """Today in the village's time zone (in UTC when the case has no village)."""
    from rules.claims import in_village_time
    from storage.types import utcnow

    now = utcnow()
    return in_village_time(now, village_code)[0].date() if village_code else now.date()


def _who(claim: Claim, worker: Worker | None) -> str:
    from rules.nik import mask_nik

    if worker is not None:
        return f"{worker.name} ({mask_nik(worker.nik)})"
    return f"named: {claim.named_worker or '-'} (not matched)"


def _outcome_text(claim: Claim) -> str:
    if claim.outcome is None:
        return "-"
    return f"{claim.outcome} ({_local(claim.outcome_at, claim.village_code)})"


async def _claim(session: AsyncSession, reference: str) -> Claim:
    from storage import claims

    claim = await claims.claim_by_reference(session, reference)
    if claim is None:
        raise CommandError(f"no case has the reference {reference.strip()!r}")
    return claim


async def _list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import prepare_database
    from storage import claims
    from storage.types import utcnow

    now = utcnow()
    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            found = await claims.list_claims(
                session, status=args.status, village=args.village and args.village.strip(), overdue=args.overdue
            )
            table = Table(title="Cases, newest first" + (" (overdue only)" if args.overdue else ""))
            for column in ("Reference", "Kind", "Status", "Match", "Village", "Worker", "Event", "Stage I due"):
                table.add_column(column, no_wrap=column in ("Reference", "Status"))
            for claim in found:
                worker = await claims.worker_of(session, claim)
                table.add_row(
                    claim.reference or "-",
                    claim.kind,
                    claim.status,
                    claim.match,
                    claim.village_code or "-",
                    Text(_who(claim, worker)),
                    claim.event_date.isoformat(),
                    _deadline(claim, now),
                )
    finally:
        await database.close()
    Console(width=200).print(table if found else "No cases match.")
    return 0


async def _show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.commands.audit import masked_phone
    from bot.runtime import prepare_database
    from storage import claims
    from storage.types import utcnow

    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            claim = await _claim(session, args.reference)
            worker = await claims.worker_of(session, claim)
            documents = await claims.documents_of(session, claim.id)
            rows = [
                ("Reference", claim.reference or "-"),
                ("Kind", claim.kind),
                ("Status", claim.status),
                ("Match", claim.match),
                ("Worker", _who(claim, worker)),
                ("Worker deceased on", str(worker.deceased_on) if worker and worker.deceased_on else "-"),
                ("Village", claim.village_code or "-"),
                ("Event date", claim.event_date.isoformat()),
                ("Event time", _local(claim.event_at, claim.village_code)),
                ("Stage I due", _deadline(claim, utcnow())),
                ("Cause", claim.cause or "-"),
                ("Reporter", f"{claim.reporter_name} ({claim.reporter_relation or '-'})"),
                ("Reporter phone", masked_phone(claim.reporter_phone) if claim.reporter_phone else "-"),
                ("Reporter contact", str(claim.reporter_contact_id or "-")),
                (
                    "Outcome",
                    f"{claim.outcome} ({_local(claim.outcome_at, claim.village_code)})" if claim.outcome else "-",
                ),
                ("Reported", _local(claim.created_at, claim.village_code)),
                ("Updated", _local(claim.updated_at, claim.village_code)),
                ("Closed", _local(claim.closed_at, claim.village_code)),
            ]
            details = {key: value for key, value in claim.details.items()}
    finally:
        await database.close()
    console = Console(width=200)
    summary = Table(title=f"Case {claim.reference}", show_header=False)
    summary.add_column("Field", no_wrap=True)
    summary.add_column("Value")
    for label, value in rows:
        summary.add_row(label, Text(value))
    for key, value in sorted(details.items()):
        summary.add_row(f"details.{key}", Text(json.dumps(value, ensure_ascii=False)))
    console.print(summary)
    if not documents:
        console.print("No documents received.")
        return 0
    files = Table(title=f"Documents ({len(documents)})")
    for column in ("Kind", "Type", "Size (bytes)", "SHA-256", "Path", "Received"):
        files.add_column(column, no_wrap=column in ("SHA-256", "Path"))
    for document in documents:
        files.add_row(
            document.kind,
            document.content_type,
            f"{document.size_bytes:,}",
            document.sha256,
            Text(document.path),
            _local(document.received_at, claim.village_code),
        )
    console.print(files)
    return 0


# -- deciding ---------------------------------------------------------------------------------------------------------


async def _acting(session: AsyncSession, phone: str | None, claim: Claim) -> Actor:
    """The admin or cadre of the case's village named with --actor (the CLI operator without it)."""
    from storage import claims, people
    from storage.claim_decisions import CLI, Actor

    if phone is None:
        return CLI
    e164 = read_phone(phone)
    staff = await people.staff_by_phone(session, e164)
    if staff is None or not await claims.is_staff_of(session, staff.person_id, claim.village_code):
        raise CommandError(f"--actor {e164} is neither an admin nor a cadre of the case's village")
    return Actor(person_id=staff.person_id)


def _with_note(render: Callable[[str], str], note: str | None, reference: str) -> Callable[[str], str]:
    from flows.i18n import Translator

    def text(language: str) -> str:
        t = Translator(language)
        parts = [render(language)]
        if note:
            parts.append(t("claims.notify.note", note=note))
        parts.append(t("claims.notify.follow", reference=reference))
        return "\n\n".join(parts)

    return text


async def _tell_reporter(session: AsyncSession, decision: Decision, render: Callable[[str], str]) -> str:
    """Records the message to the reporter; what to print about it."""
    from storage import claims

    if decision.notify_contact_id is None:
        return "Reporter not notified: " + ("nothing changed." if not decision.changed else "no contact to tell.")
    sent = await claims.notify_contact(session, decision.notify_contact_id, decision.notice_key, render)
    return f"Reporter (contact {decision.notify_contact_id}) notified through the outbox." if sent else "No message."


async def _coverage_line(session: AsyncSession, claim: Claim, language: str) -> str | None:
    """For a confirmed case, whether the worker was protected on the day, in the reporter's language."""
    from flows.i18n import Translator, long_date
    from rules.claims import coverage_on
    from storage import claims, payments

    worker = await claims.worker_of(session, claim)
    if worker is None:
        return None
    paid = await payments.paid_months(session, worker.id)
    covered = coverage_on(claim.event_date, registered_on=_registration_day(worker), paid_months=paid)
    return Translator(language)(_COVERAGE_KEYS[covered], date=long_date(claim.event_date, language))


def _registration_day(worker: Worker) -> date:
    """The day the worker was registered, in the village's time zone."""
    from rules.claims import in_village_time

    return in_village_time(worker.registered_at, worker.village_code)[0].date()


async def _decide(
    args: argparse.Namespace,
    settings: Settings,
    decide: Callable[[AsyncSession, Claim, Actor], Any],
    message: Callable[[AsyncSession, Decision], Any],
) -> int:
    from bot.runtime import prepare_database
    from storage import claims

    database = prepare_database(database_url(args, settings))
    try:
        async with database.transaction() as session:
            claim = await _claim(session, args.reference)
            actor = await _acting(session, args.actor, claim)
            try:
                decision = await decide(session, claim, actor)
            except claims.ClaimStateError as error:
                raise CommandError(f"{error}; nothing was changed") from error
            render = await message(session, decision)
            told = await _tell_reporter(session, decision, render)
    finally:
        await database.close()
    worker = " The worker's status changed." if decision.worker_status_changed else ""
    decided = decision.claim
    print(f"{decided.reference}: {decision.action}, status {decided.status}, match {decided.match}.{worker}")
    print(told)
    return 0


async def _update(args: argparse.Namespace, settings: Settings) -> int:
    from flows.i18n import Translator
    from storage import claim_decisions

    note = _text(args.note, "--note", required=False)

    async def decide(session: AsyncSession, claim: Claim, actor: Actor) -> Decision:
        return await claim_decisions.update_status(session, claim.reference or "", args.status, note, actor=actor)

    async def message(session: AsyncSession, decision: Decision) -> Callable[[str], str]:
        reference = decision.claim.reference or ""
        key = _STATUS_KEYS[args.status]
        return _with_note(lambda language: Translator(language)(key, reference=reference), note, reference)

    return await _decide(args, settings, decide, message)


async def _confirm(args: argparse.Namespace, settings: Settings) -> int:
    from flows.i18n import LANGUAGES, Translator, supported
    from rules.nik import compact, mask_nik
    from storage import claim_decisions, workers

    async def decide(session: AsyncSession, claim: Claim, actor: Actor) -> Decision:
        worker_id = None
        if args.worker is not None:
            nik = compact(args.worker)
            worker = await workers.worker_with_nik(session, nik)
            if worker is None:
                raise CommandError(f"no worker is registered with NIK {mask_nik(nik)}")
            worker_id = worker.id
        return await claim_decisions.confirm_death_report(
            session, claim.reference or "", actor=actor, worker_id=worker_id
        )

    async def message(session: AsyncSession, decision: Decision) -> Callable[[str], str]:
        reference = decision.claim.reference or ""
        lines = {language: await _coverage_line(session, decision.claim, language) for language in LANGUAGES}

        def render(language: str) -> str:
            confirmed = Translator(language)("claims.notify.confirmed", reference=reference)
            coverage = lines[supported(language)]
            return f"{confirmed}\n\n{coverage}" if coverage else confirmed

        return _with_note(render, None, reference)

    return await _decide(args, settings, decide, message)


async def _reject(args: argparse.Namespace, settings: Settings) -> int:
    from storage import claim_decisions

    return await _decide_with_reason(args, settings, claim_decisions.reject_death_report, "claims.notify.rejected")


async def _withdraw(args: argparse.Namespace, settings: Settings) -> int:
    from storage import claim_decisions

    return await _decide_with_reason(args, settings, claim_decisions.withdraw_claim, "claims.notify.withdrawn")


async def _decide_with_reason(
    args: argparse.Namespace,
    settings: Settings,
    decision: Callable[..., Awaitable[Decision]],
    notice_key: str,
) -> int:
    """A decision that takes --reason (reject, withdraw), told to the reporter with that reason."""
    from flows.i18n import Translator

    reason = _text(args.reason, "--reason", required=True) or ""

    async def decide(session: AsyncSession, claim: Claim, actor: Actor) -> Decision:
        return await decision(session, claim.reference or "", reason, actor=actor)

    async def message(session: AsyncSession, decided: Decision) -> Callable[[str], str]:
        reference = decided.claim.reference or ""
        return lambda language: Translator(language)(notice_key, reference=reference, reason=reason)

    return await _decide(args, settings, decide, message)


async def _outcome(args: argparse.Namespace, settings: Settings) -> int:
    from flows.i18n import Translator
    from storage import claim_decisions

    outcome = OUTCOMES[args.outcome]

    async def decide(session: AsyncSession, claim: Claim, actor: Actor) -> Decision:
        today = _local_today(claim.village_code)
        return await claim_decisions.record_outcome(session, claim.reference or "", outcome, actor=actor, on=today)

    async def message(session: AsyncSession, decision: Decision) -> Callable[[str], str]:
        reference = decision.claim.reference or ""
        key = _OUTCOME_KEYS[outcome]
        return _with_note(lambda language: Translator(language)(key, reference=reference), None, reference)

    return await _decide(args, settings, decide, message)
